"""The offline answerer: quotes the retrieved sentences that best answer the question."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from rag.answer.base import Answer, abstention
from rag.answer.questions import (
    DAY_ASKED,
    FIGURES,
    OUTLET_ASKED,
    PEOPLE_ASKED,
    PLACE_ASKED,
    answer_kind_words,
    asked_action,
    asked_deed,
    asked_event,
    asked_names,
    asked_role,
    asked_speaker,
    asked_topic,
    asked_unit,
    asks_for_details,
    named_role,
    question_type,
    strict_type,
)
from rag.citations import Support, number_citations
from rag.conversation import last_said, names_in, referent, wants_more
from rag.keyword import KeywordIndex, bm25_idf
from rag.retrieval import Passage
from rag.sentences import split_sentences
from rag.terms import STOPWORDS, term_set, terms

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|march|april|(?-i:May)|june|july|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_TIME = re.compile(
    rf"\b(?:{_MONTH}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|"
    r"tomorrow|tonight|(?:19|20)\d\d|spring|summer|autumn|fall|winter|week|month|year|"
    r"near future|soon|earlier|later|now|currently)\b",
    re.IGNORECASE,
)
# A time one can put on a calendar, unlike "soon", "earlier this month" or "now".
_CALENDAR = re.compile(
    rf"\b(?:{_MONTH}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|(?:19|20)\d\d|"
    r"spring|summer|autumn|fall|winter)\b",
    re.IGNORECASE,
)
VAGUE_TIME_WEIGHT = 0.85
_NUMBER = re.compile(
    r"\b(?:\d[\d,.]*(?:st|nd|rd|th)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozens?|first|second|"
    r"third|fourth|fifth)\b",
    re.IGNORECASE,
)
_REPORTED = re.compile(
    r"\b(?:reported|reports|reporting|according to|citing|cited|told|wrote|writes|notes|noted|"
    r"said|says|published|broke)\b",
    re.I,
)
_REPORTING = frozenset(terms("carried reported published broke ran cited"))
_WEEKDAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
# Words that make a capitalised run an institution or a place, not a person's name.
_NOT_PERSON = frozenset(
    """House Group Council Union Assembly Summit Plan Journal Street States Kingdom Alliance
    Administration Department Ministry Office Committee Rada Court Party Forces Army Navy
    Parliament Congress Senate Contact Defence Defense Security Nations Europe""".split()
)
_SPEECH_VERBS = frozenset(
    """say says said saying stated states state told tells tell noted notes explained explains
    added adds commented comments emphasized emphasised emphasizes stressed stresses confirmed
    confirms warned warns argued argues insisted insists claimed claims announced announces
    wrote writes concluded concludes pointed mentioned mentions reminded reminds urged urges
    according believes believe thinks think considers consider sees""".split()
)
NOT_SAID_WEIGHT = 0.3
_WITHHELD = re.compile(
    r"\b(no details|did not (?:disclose|specify|reveal|give details)|not disclosed|undisclosed|"
    r"secret|without (?:specifying|giving details)|not (?:been )?made public|declined to "
    r"(?:say|name|specify|comment))\b",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\b(because|reason|why|so that|due to|since|in order to|as a result|given|after all|"
    r"concerns?|risk|consequential|would)\b",
    re.IGNORECASE,
)
# A sentence opening like this leans on the one before it ("This was reported by Bloomberg").
_BACK_REFERENCE = re.compile(
    r"^[\"“‘']?(this|that|these|those|it(?! (?:is|was) (?:worth|likely|unlikely|expected|clear|"
    r"possible|not clear))|he|she|they|his|her|their|the reason|however|"
    r"according to (him|her|them)|such)\b",
    re.IGNORECASE,
)
# "He stated ..." is about the person the sentence before named.
_PERSON_REFERENCE = re.compile(r"^[\"“‘']?(he|she|they|his|her|their)\b", re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][a-zA-Z’'-]+(?:\s+[A-Z][a-zA-Z’'-]+)*")
_MONEY = re.compile(
    r"[$€£]\s?\d|\b\d[\d,.]*\s*(?:bn|billion|million|m)?\s*(?:dollars|euros|usd)\b", re.I
)
_PERCENT = re.compile(r"\d\s?%|\b(?:per ?cent|percentage points?)\b", re.I)
_PLACE = re.compile(r"\b(?:in|at|to|from) (?:the )?([A-Z][a-z]+)")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b", re.I)
_MONTH_DAY = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I)
_FIGURE = re.compile(r"\b\d[\d,.]*(?:st|nd|rd|th|%)?", re.I)
_DEMONYM = ("", "n", "an", "ian")  # a name's stem and its people's: Russia → Russian
DIFFER_TEXT = "The articles differ:"
CONTEXT_WEIGHT = 0.35
REPEAT_WEIGHT = 0.8


def counts_of(unit: str, sentence: str) -> bool:
    """Whether the sentence gives a number of ``unit``: "five points", "32 Allies", "$2bn"."""
    if unit == "$":
        return bool(_MONEY.search(sentence))
    if unit == "%":
        return bool(_PERCENT.search(sentence))
    words = re.findall(r"[\w$%.,]+", sentence.replace("-", " "))
    for i, word in enumerate(words):
        if _NUMBER.fullmatch(word):
            after = terms(" ".join(words[i + 1 : i + 4]))
            if unit in after:
                return True
    return False


def has_answer_type(kind: str, sentence: str, question: str) -> bool:
    """Whether the sentence holds something of the asked kind that the question does not."""
    if kind == "when" and DAY_ASKED.search(question):  # "On what exact day ...?"
        return bool(
            _DAY_MONTH.search(sentence) or _MONTH_DAY.search(sentence) or _WEEKDAY.search(sentence)
        )
    if kind == "when":
        return bool(_TIME.search(sentence))
    if kind == "how_many":
        unit = asked_unit(question)
        if unit is None:
            return bool(_NUMBER.search(sentence))
        return counts_of(unit, sentence)
    if kind == "why":
        return bool(_REASON.search(sentence))
    if kind == "where" and PLACE_ASKED.search(question):
        return any(
            w.lower() not in question.lower() and w.lower()[:3] not in _MONTHS
            for w in _PLACE.findall(sentence)
        )
    if kind == "who" and OUTLET_ASKED.search(question) and not _REPORTED.search(sentence):
        return False  # "Which outlet ...?" is answered where a name reports, not acts
    if kind in ("who", "where"):
        asked = {w.lower() for w in re.findall(r"[A-Za-z’'-]+", question)}
        people = kind == "who" and bool(PEOPLE_ASKED.search(question))
        for match in _NAME.finditer(sentence):
            words = match.group().split()
            opens = match.start() == 0 or sentence[match.start() - 1] in '"“('
            if opens and (len(words) == 1 or words[0].lower() in STOPWORDS):
                words = words[1:]  # a capital that starts the sentence is no evidence
            if people and (len(words) < 2 or _NOT_PERSON & set(words)):
                continue  # "Which leaders ...?" is answered by names: "Olaf Scholz"
            if people and not holds_role(sentence, match, named_role(question)):
                continue  # "The official confirmed ... Olaf Scholz": not the official's name
            if any(w.lower() not in asked for w in words):
                return True
        if people:
            return False
        return kind == "who" and bool(re.search(r"\b(official|president|minister)\b", sentence))
    return True


def holds_role(sentence: str, name: re.Match, role: str | None) -> bool:
    """Whether the name is the role-holder's: next to the role ("senior official John Kirby",
    "John Kirby, the official"); any name when no role is asked."""
    if role is None:
        return True
    person = name.group().split()[-2:]  # "NATO Julianne Smith": the name ends the run
    before = sentence[: name.end()].removesuffix(" ".join(person))
    after = sentence[name.end() :]
    return bool(
        re.search(rf"\b{role}s?(?: (?:of|to|for|at) (?:the )?[A-Z][\w.-]*)*[\s,]*$", before, re.I)
        or re.match(rf"\s*,\s*(?:the |a |an )?(?:[\w.-]+ ){{0,3}}{role}s?\b", after, re.I)
    )


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    start: int
    end: int
    text: str
    coverage: float  # idf-weighted share of the query's terms the sentence holds
    typed: bool
    score: float
    before: str = ""  # the sentence right before it in its article, when retrieved with it

    @property
    def in_context(self) -> str:
        """The sentence read with the one before it ("He stated ..." after "Rutte commented")."""
        return f"{self.before} {self.text}"


class ExtractiveAnswerer:
    """Picks 1-3 sentences; abstains below a confidence threshold calibrated on the eval set."""

    def __init__(self, keywords: KeywordIndex, threshold: float, max_sentences: int = 3):
        self.keywords = keywords
        self.threshold = threshold
        self.max_sentences = max_sentences

    def answer(
        self,
        question: str,
        passages: list[Passage],
        query: str | None = None,
        history: list[dict] | None = None,
    ) -> Answer:
        query = query or question
        history = history or []
        # A follow-up's "it" stands for what the last answer named: its words count as asked.
        named = referent(history) if query != question else ""
        names = asked_names(question, named)
        # An answer comes from an article about what the question names.
        about = articles_about(names, self.keywords) if names else None
        action = asked_action(question)
        if action and not mentioned(action, names, [p.chunk.text for p in passages]):
            return abstention(query, passages)  # "How did the Rada vote?": no article tells
        candidates = self.candidates(question, query, passages, named)
        if query != question and wants_more(question):  # "What else ...?": something new
            said = last_said(history, "assistant")
            candidates = demote_repeats(promote_continuations(candidates, said), said)
        if about is not None:
            candidates = demoted_unless(lambda c: c.passage.chunk.doc_id in about, candidates)
        speaker = asked_speaker(question, history)
        if speaker is not None:  # "What did Macron say?" is not answered by a word about him
            candidates = only_statements_by(speaker, asked_topic(question), candidates)
        stated = set(FIGURES.findall(question))
        if stated:  # "Who won the 2022 World Cup?" is not answered by the 2014 one
            candidates = demoted_unless(
                lambda c: stated <= set(FIGURES.findall(c.in_context)), candidates
            )
        role = asked_role(question)
        if role:  # "Who is the US Ambassador to the EU?" is not answered by the one to NATO
            candidates = demoted_unless(lambda c: role <= term_set(c.in_context), candidates)
        deed = asked_deed(question)
        if deed:  # "Who wrote Pride and Prejudice?" is not answered by who starred in the film
            candidates = demoted_unless(lambda c: states_deed(deed, c.in_context), candidates)
        event = asked_event(question) if question_type(question) == "when" else set()
        if event:  # "When did Ukraine apply?" is not answered by the date of a meeting
            candidates = demoted_unless(lambda c: bool(event & term_set(c.in_context)), candidates)
        strict = strict_type(question)
        if strict:  # "How many dollars ...?" needs a sentence stating a sum
            candidates = demoted_unless(lambda c: c.typed, candidates)
        if not candidates or candidates[0].score < self.threshold:
            return abstention(query, passages)
        if strict and not candidates[0].typed:
            return abstention(query, passages)
        if asks_for_details(question) and withheld(candidates, set(terms(question))):
            return abstention(query, passages)  # "... though no details were provided"
        other = disagreeing(candidates)
        if other is not None:
            before = (
                neighbour(other, candidates, -1) if _PERSON_REFERENCE.search(other.text) else None
            )
            shown = [candidates[0], *([before] if before and before is not candidates[0] else [])]
            text, citations = number_citations([support(c) for c in [*shown, other]])
            return Answer(f"{DIFFER_TEXT} {text}", citations, False, query, list(passages))
        chosen = select_sentences(candidates, self.max_sentences)
        text, citations = number_citations([support(c) for c in chosen])
        return Answer(text, citations, False, query, list(passages))

    def candidates(
        self, question: str, query: str, passages: list[Passage], named: str = ""
    ) -> list[Candidate]:
        """Every sentence of the passages, scored, best first; a sentence seen twice counts once.

        The words of ``question`` and ``named`` (what a follow-up's "it" or "he" stands for)
        decide; the rest of ``query`` (carried from earlier turns) only guides."""
        kind = question_type(question)
        kind_words = set(terms(" ".join(answer_kind_words(question))))
        own = set(terms(question)) - kind_words | set(terms(named))
        sentences = passage_sentences(passages)
        words_of = {key: term_set(text) for key, (_, _, text) in sentences.items()}
        local = local_idf(list(words_of.values()))
        # A follow-up's query carries words of earlier turns: they guide, the question decides.
        carried = carried_weights(query, own)
        weights = {
            t: term_weight(self.keywords.idf(t), local(t)) * carried.get(t, 1.0)
            for t in set(terms(query)) - kind_words
        }
        total = sum(weights.values())
        best: dict[tuple[str, int], Candidate] = {}
        previous: tuple[str, int, str] = ("", -10, "")  # doc id, end, text
        for (doc_id, start), (passage, end, text) in sorted(sentences.items()):
            words = words_of[(doc_id, start)]
            follows = doc_id == previous[0] and start - previous[1] <= 3
            before = previous[2] if follows else ""
            if follows and _PERSON_REFERENCE.search(text):
                words = words | set(terms(" ".join(_NAME.findall(previous[2]))))
            previous = (doc_id, end, text)
            shared = weights.keys() & words
            coverage = sum(weights[t] for t in shared) / total if total else 0.0
            typed = has_answer_type(kind, text, question)
            score = confidence(coverage, passage.dense, typed)
            if kind == "when" and not _CALENDAR.search(text):
                score *= VAGUE_TIME_WEIGHT  # "When?" is best answered with a date
            best[(doc_id, start)] = Candidate(
                passage, start, end, text, coverage, typed, score, before
            )
        return sorted(best.values(), key=lambda c: -c.score)


def carried_weights(query: str, own: set[str]) -> dict[str, float]:
    """Weights of the query's words carried from earlier turns: CONTEXT_WEIGHT each, and a
    carried name counts as one word however many it has ("The Wall Street Journal")."""
    weights = {t: CONTEXT_WEIGHT for t in terms(query) if t not in own}
    for name, _ in names_in(query):
        words = [t for t in terms(name) if t in weights]
        for t in words:
            weights[t] = min(weights[t], CONTEXT_WEIGHT / len(words))
    return weights


def mentioned(forms: set[str], names: list[tuple[str, ...]], texts: list[str]) -> bool:
    """Whether a passage's text uses a form of the verb beside one of the names the question
    gives: a vote in an article on Romania's "Victory Square" is no vote on the Victory Plan."""
    for text in texts:
        words = terms(text)
        if uses_verb(forms, words) and (not names or any(in_a_row(n, words) for n in names)):
            return True
    return False


def states_deed(deed: set[str], text: str) -> bool:
    """Whether the text states the asked deed, or any report for a reporting one ("Who
    carried ...?" answered by "as reported by RBK-Ukraine")."""
    if deed & _REPORTING and _REPORTED.search(text):
        return True
    return uses_verb(deed, term_set(text))


def uses_verb(forms: set[str], words) -> bool:
    """Whether a word is a form of the verb: one of ``forms`` or a word sharing its first four
    letters ("voted" for "vote", "heads" for "head", "application" for "apply")."""
    heads = {form[:4] for form in forms}
    return any(word in forms or (len(word) > 3 and word[:4] in heads) for word in words)


def articles_about(names: list[tuple[str, ...]], keywords: KeywordIndex) -> set[str]:
    """The articles that use at least half of the names, a name counting where every word of
    it is used ("Australian" counts for Australia, "Ukrainian" for Ukraine)."""

    def using(word: str) -> frozenset[str]:
        return frozenset().union(*(keywords.articles_using(word + end) for end in _DEMONYM))

    tally: dict[str, int] = {}
    for name in names:
        for doc_id in frozenset.intersection(*map(using, name)):
            tally[doc_id] = tally.get(doc_id, 0) + 1
    return {doc_id for doc_id, n in tally.items() if 2 * n >= len(names)}


def in_a_row(words: tuple[str, ...], text_terms: list[str]) -> bool:
    """Whether the terms hold the words one after the other ("Victory Plan", not "Victory
    Square ... plan")."""
    n = len(words)
    return any(tuple(text_terms[i : i + n]) == words for i in range(len(text_terms) - n + 1))


def withheld(candidates: list[Candidate], asked: set[str]) -> bool:
    """Whether a close candidate says that what the question asks about was not given:
    "three secret appendices", "related to minerals, though no details were provided"."""
    top = candidates[0].score
    return any(withholds(c.text, asked) for c in candidates if c.score >= 0.85 * top)


def withholds(sentence: str, asked: set[str]) -> bool:
    """A withholding phrase next to an asked word: "secret" before it ("secret appendices"),
    the others after it ("minerals, though no details were provided")."""
    for match in _WITHHELD.finditer(sentence):
        if match.group().lower() == "secret":
            near = sentence[match.end() :].split()[:2]
        else:
            near = sentence[: match.start()].split()[-6:]
        if asked & set(terms(" ".join(near))):
            return True
    return False


def demoted_unless(
    keep, candidates: list[Candidate], weight: float = NOT_SAID_WEIGHT
) -> list[Candidate]:
    """Candidates failing ``keep`` have their score times ``weight``, best first again."""
    ranked = [c if keep(c) else replace(c, score=c.score * weight) for c in candidates]
    return sorted(ranked, key=lambda c: -c.score)


def only_statements_by(
    speaker: set[str], topic: set[str], candidates: list[Candidate]
) -> list[Candidate]:
    """Sentences that are not the speaker's statements, or not on the asked topic, sink below
    any that are."""
    return demoted_unless(
        lambda c: said_by(speaker, c) and (not topic or bool(topic & term_set(c.in_context))),
        candidates,
    )


def said_by(speaker: set[str], c: Candidate) -> bool:
    """Whether the sentence reports a statement whose subject is the speaker: "Kirby said",
    "said the official", "according to him", or "he told ..." after a sentence naming him."""
    words = re.findall(r"[\w’'-]+", c.text)
    for i, word in enumerate(words):
        if word.lower() not in _SPEECH_VERBS:
            continue
        near = words[max(0, i - 8) : i + 4]
        if not speaker or speaker & set(terms(" ".join(near))):
            return True
        pronoun = any(w.lower() in ("he", "she", "they", "him", "her") for w in near)
        if pronoun and speaker & term_set(c.before):
            return True
    return False


def demote_repeats(candidates: list[Candidate], said: str) -> list[Candidate]:
    """Sentences the previous answer already quoted rank below equally good new ones."""
    if not said:
        return candidates
    return demoted_unless(lambda c: c.text not in said, candidates, REPEAT_WEIGHT)


def promote_continuations(candidates: list[Candidate], said: str) -> list[Candidate]:
    """For "What else ...?": the sentence that goes on where a quoted one stopped ("Also up
    for discussion are ...") is as relevant as the one it continues, and ranks above it."""
    quoted = {(c.passage.chunk.doc_id, c.end): c.score for c in candidates if c.text in said}

    def continued(c: Candidate) -> float:
        doc = c.passage.chunk.doc_id
        scores = [s for (d, end), s in quoted.items() if d == doc and 0 <= c.start - end <= 3]
        return max(scores, default=0.0)

    promoted = [
        c if c.text in said else replace(c, score=max(c.score, continued(c))) for c in candidates
    ]
    return sorted(promoted, key=lambda c: -c.score)


def term_weight(corpus_idf: float, local: float) -> float:
    """How much covering a question word counts. Mostly its rarity among the retrieved
    sentences; its corpus rarity only a little (square root), so that adding unrelated
    articles, which makes the topic's words rare corpus-wide, doesn't reorder the sentences
    (measured: accuracy fell 8 points with 400 distractors on corpus idf, under 1 on this)."""
    return math.sqrt(corpus_idf) * local


def local_idf(sentences: list[set[str]]):
    """idf among the retrieved sentences (their term sets): a word every one of them shares
    (the topic) tells them apart less than a word only a few hold, whatever the rest of the
    corpus says."""
    df: dict[str, int] = {}
    for words in sentences:
        for t in words:
            df[t] = df.get(t, 0) + 1
    return lambda t: bm25_idf(len(sentences), df.get(t, 0))


def passage_sentences(passages: list[Passage]) -> dict[tuple[str, int], tuple[Passage, int, str]]:
    """(doc id, start) → the best-scoring passage holding the sentence, its end and text."""
    found: dict[tuple[str, int], tuple[Passage, int, str]] = {}
    for passage in passages:
        chunk = passage.chunk
        for start, end in split_sentences(chunk.text, offset=chunk.start):
            key = (chunk.doc_id, start)
            if key not in found or found[key][0].dense < passage.dense:
                text = chunk.text[start - chunk.start : end - chunk.start]
                found[key] = (passage, end, text)
    return found


def confidence(coverage: float, dense: float, typed: bool) -> float:
    """How sure we are a sentence answers: word evidence, passage meaning, and answer type."""
    meaning = min(max((dense - 0.15) / 0.55, 0.0), 1.0)
    value = 0.55 * coverage + 0.45 * meaning
    return value if typed else value * 0.5


def select_sentences(candidates: list[Candidate], limit: int) -> list[Candidate]:
    """The best sentence, plus close runners-up that add something new, in reading order.

    A chosen sentence is read together with a neighbour it leans on or that leans on it
    ("...abandoned this idea." + "The reason for this refusal was ...").
    """
    top = candidates[0]
    chosen = [top]
    for c in candidates[1:]:
        if len(chosen) >= limit or c.score < 0.85 * top.score:
            break
        if not c.typed or any(redundant(c.text, other.text) for other in chosen):
            continue
        chosen.append(c)
    with_context: list[Candidate] = []
    for c in chosen:
        before = neighbour(c, candidates, -1) if _BACK_REFERENCE.search(c.text) else None
        after = neighbour(c, candidates, +1)
        if after is not None and not _BACK_REFERENCE.search(after.text):
            after = None
        for item in (before, c, after):
            if item is not None and item not in with_context:
                with_context.append(item)
    return with_context[: limit + 1]


def disagreeing(candidates: list[Candidate]) -> Candidate | None:
    """A close runner-up from another article that tells the top sentence's event differently.

    "On Friday, 18 October, Biden will meet ... Scholz, Macron and Starmer" against "a meeting
    on October 16 between Biden and ... Scholz, Starmer, and Macron": the same people, two
    dates. Both are shown, so the reader sees the articles differ rather than one version.
    """
    top = candidates[0]
    mine = stated_values(top.text)
    if not mine:
        return None
    for c in candidates[1:]:
        if c.score < 0.7 * top.score:
            break
        if c.passage.chunk.doc_id == top.passage.chunk.doc_id or not c.typed:
            continue
        theirs = stated_values(c.text)
        kinds = {k for k, _ in mine} & {k for k, _ in theirs}
        if not kinds or not same_event(top.text, c.text):
            continue
        if any({v for v in mine if v[0] == k} != {v for v in theirs if v[0] == k} for k in kinds):
            return c
    return None


def stated_values(text: str) -> set[tuple[str, str]]:
    """Dates (day and month) and figures a sentence states, normalised for comparison."""
    values = set()
    for day, month in _DAY_MONTH.findall(text):
        values.add(("date", f"{int(day)} {_MONTHS.index(month[:3].lower()) + 1}"))
    for month, day in _MONTH_DAY.findall(text):
        values.add(("date", f"{int(day)} {_MONTHS.index(month[:3].lower()) + 1}"))
    if values:
        return values
    return {("figure", m.group().lower().replace(",", "")) for m in _FIGURE.finditer(text)}


def same_event(a: str, b: str) -> bool:
    """Two sentences about one thing: they share most of the names of the shorter one."""
    names_a, names_b = (
        set(terms(" ".join(_NAME.findall(a)))),
        set(terms(" ".join(_NAME.findall(b)))),
    )
    shared_names = len(names_a & names_b) / max(1, min(len(names_a), len(names_b)))
    ta, tb = term_set(a), term_set(b)
    shared_words = len(ta & tb) / max(1, min(len(ta), len(tb)))
    return shared_names >= 0.6 and shared_words >= 0.3


def neighbour(c: Candidate, candidates: list[Candidate], step: int) -> Candidate | None:
    """The sentence right before (step -1) or after (+1) ``c`` in its article, if retrieved."""
    doc = c.passage.chunk.doc_id
    same_doc = [o for o in candidates if o.passage.chunk.doc_id == doc and o is not c]
    if step > 0:
        later = [o for o in same_doc if o.start >= c.end]
        nearest = min(later, key=lambda o: o.start, default=None)
        gap = nearest.start - c.end if nearest else None
    else:
        earlier = [o for o in same_doc if o.end <= c.start]
        nearest = max(earlier, key=lambda o: o.end, default=None)
        gap = c.start - nearest.end if nearest else None
    return nearest if gap is not None and gap <= 3 else None


def redundant(a: str, b: str) -> bool:
    ta, tb = term_set(a), term_set(b)
    return len(ta & tb) / max(1, min(len(ta), len(tb))) > 0.6


def support(c: Candidate) -> Support:
    stored = c.passage.stored
    return Support(
        sentence=c.text,
        doc_id=stored.chunk.doc_id,
        chunk_id=stored.chunk.id,
        title=stored.title,
        date=stored.date,
        outlet=stored.outlet,
        quote=c.text,
        start=c.start,
        end=c.end,
        score=c.score,
    )
