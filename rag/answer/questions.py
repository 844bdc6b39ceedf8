"""What a question asks for: its type, the unit it counts, the role, speaker or topic it
names, and the words that name the kind of answer rather than its content."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.conversation import last_said, names_in
from rag.terms import STOPWORDS, terms

_NAMED = re.compile(
    r"\b(which|what) (?:[a-z]+ )?(outlet|agency|newspaper|publication|network|broadcaster|"
    r"media|official|spokes(?:man|woman|person)|organi[sz]ation|leaders?|officials?|person|"
    r"people)\b",
    re.IGNORECASE,
)

OUTLET_ASKED = re.compile(
    r"\b(?:which|what) (?:\w+ )?(?:outlet|agency|newspaper|paper|publication|network|"
    r"broadcaster|media|magazine)\b",
    re.I,
)

# The question asks which people: answered by a full name, not "European officials".
PEOPLE_ASKED = re.compile(
    r"\b(?:which|what) (?:\w+ )?(?:leaders|politicians|people|persons|heads of state)\b|"
    r"\bname of the\b",
    re.I,
)

DAY_ASKED = re.compile(r"\b(?:what|which) (?:exact |precise )?(?:day|date)\b", re.I)

# "In which country?": the kind of answer wanted, a word the answer itself won't contain.
_KIND_WORD = re.compile(
    r"\b(?:which|what) (?:\w+ )?(country|countries|city|cities|capital|town|place|year|date|day|"
    r"month|time|name)\b|['’]s (job|role|position|title)\b",
    re.I,
)

_SAID_ASKED = re.compile(
    r"\bwhat (?:did|does|has|have|had) (?P<who>(?:[\w’'.-]+ ){0,3}?[\w’'.-]+) "
    r"(?:say|said|tell|told|state|think|consider|explain|comment|write|mean|note|add)\b",
    re.IGNORECASE,
)

# Words of a speaker's title, not of the name: "Congressman Jerry Connolly" is Connolly.
_TITLES = frozenset(
    terms(
        "US president secretary general congressman ambassador minister chancellor prime "
        "spokesman official officials representative head chief Mr Ms Mrs"
    )
)

FIGURES = re.compile(r"\b\d+(?:[.,]\d+)?\b")  # a year or figure the question states


# A word for a person holding a role: the holder is answered by a name.
_ROLE = (
    r"(?:ambassador|minister|secretary|president|chancellor|head|leader|chief|spokes\w+|"
    r"coordinator|director|chair\w*|governor|mayor|commander|ceo|official|envoy|diplomat|"
    r"representative|senator|congress\w+|general)"
)

_ROLE_ASKED = re.compile(
    r"^who(?:'s| is| was| are| were) (?:the |a |an )?(?P<role>(?:\w+’?'?s? ){0,5}?"
    rf"{_ROLE}\b(?: general)?"
    r"(?: (?:of|to|for) (?:(?!\b(?:that|who|whose)\b).)+)?)(?: (?:that|who|whose) .+)?\?*$",
    re.IGNORECASE,
)

_NAME_OF = re.compile(
    rf"\bname of (?:the|a|an|that|this) (?:[\w.-]+ ){{0,4}}?({_ROLE})s?\b"
    r"(?= (?:who|that|to|of|for|at|in)\b|,|\?|$)"
)

_MONEY_ASKED = re.compile(
    r"\bhow much (?:\w+ )?(?:money|aid|funding|funds?)\b|\bhow many dollars\b|"
    r"\bhow much\b.*\b(?:worth|cost|costs|pay|paid|charge)\b|"
    r"\bwhat(?: is|'s|’s| was| were| are) the (?:\w+ )?(?:price|cost|value)s?\b"
)
_SHARE_ASKED = re.compile(r"\bwhat (?:percentage|percent|share|proportion)\b")

PLACE_ASKED = re.compile(r"\b(?:which|what) (?:city|country|capital|town)\b", re.I)


@lru_cache(maxsize=256)
def question_type(question: str) -> str:
    """The kind of answer the question asks for: when, how_many, who, where, or other."""
    q = re.sub(r"\bwhen it comes to\b", "about", question.lower().strip())  # an idiom
    if re.search(
        r"\b(how (many|much|long|far|big|old)|what (number|percentage|share|amount))\b", q
    ) or _MONEY_ASKED.search(q):
        return "how_many"
    if re.search(
        r"^(when|what (date|day|month|year|time))\b|\b(when|what date|which day)\b|"
        r"\b(what|which) (exact|precise) (date|day)\b",
        q,
    ):
        return "when"
    if re.search(r"^(who|whom|whose)\b|\bwho\b", q) or _NAMED.search(q) or _NAME_OF.search(q):
        return "who"
    if re.search(r"^why\b|\b(what|which) (is|was) the reason\b", q):
        return "why"
    if re.search(r"^where\b|\b(in )?(which|what) (city|country|capital|place)\b", q):
        return "where"
    return "other"


def answer_kind_words(question: str) -> list[str]:
    """Words naming the kind of answer wanted ("In which country?", "Kirby's job"), which
    the answering sentence won't contain, so they are not words to match."""
    return [word for match in _KIND_WORD.findall(question) for word in match if word]


def strict_type(question: str) -> bool:
    """Whether only a sentence of the asked type can answer: a count of a named unit, a date,
    a named kind of place, the name of a role's holder. (Other who/why/what checks are too
    loose to rule an answer out.)"""
    kind = question_type(question)
    return (
        (kind == "how_many" and asked_unit(question) is not None)
        or kind == "when"
        or (kind == "where" and bool(PLACE_ASKED.search(question)))
        or named_role(question) is not None
    )


@lru_cache(maxsize=256)
def asked_unit(question: str) -> str | None:
    """What a how-many question counts, stemmed: "How many dollars ..." → "dollar"; None when
    it names nothing ("How many does NATO have?") or asks "how long/much" without a unit."""
    q = question.lower()
    if _MONEY_ASKED.search(q):
        return "$"
    if _SHARE_ASKED.search(q):
        return "%"
    match = re.search(
        r"\bhow many ((?:[a-z-]+ ){0,2}?[a-z-]+?)s?\b(?= (?:are|is|were|was|does|do|"
        r"did|has|have|had|will|would|can|could|in|of|on)\b)",
        q,
    )
    if match:
        return terms(match.group(1).split()[-1])[0] if terms(match.group(1)) else None
    match = re.search(r"\bhow (?:long|far|tall|big)\b.*\bin ([a-z]+)\s*\??$", q)
    return terms(match.group(1))[0] if match and terms(match.group(1)) else None


def asked_speaker(question: str, history: list[dict]) -> set[str] | None:
    """Whose words "What did X say ...?" asks for, as name terms; a pronoun is the person the
    last turn named. Empty when only a title is known ("the official"): then any statement
    will do. None for other questions."""
    match = _SAID_ASKED.search(question)
    if match is None:
        return None
    who = match.group("who")
    if who.lower() in ("he", "she", "they"):  # anyone the last turn named may be meant
        said = last_said(history, "user") + " " + last_said(history, "assistant")
        who = " ".join(name for name, _ in names_in(said))
    return set(terms(who)) - _TITLES


def asked_topic(question: str) -> set[str]:
    """What "... say about X?" asks about, as terms (empty when it names no topic)."""
    match = re.search(r"\babout (.+)$", question, re.IGNORECASE)
    return set(terms(match.group(1))) if match else set()


def asks_for_details(question: str) -> bool:
    """ "What are the appendices?", "Which minerals exactly?": the content of a thing, not a
    count (how many), a yes or no, or who said so."""
    q = question.strip().lower()
    return bool(re.match(r"(what|which)\b", q)) and question_type(question) == "other"


def asked_role(question: str) -> set[str]:
    """The role whose holder "Who is (the) X?" asks for, as terms: every one of them must be
    stated ("US Ambassador to NATO"); empty for other questions."""
    match = _ROLE_ASKED.match(question.strip())
    return set(terms(match.group("role"))) if match else set()


def asked_names(question: str, named: str = "") -> list[tuple[str, ...]]:
    """The names the question gives ("Zelensky's Victory Plan" → zelenski; victori, plan),
    with the name a follow-up's "it" stands for, each as its terms; kind words left out."""
    kind = set(terms(" ".join(answer_kind_words(question))))
    found = []
    for run in [name for name, _ in names_in(question)] + [named] * bool(named):
        for name in re.split(r"['’]s\b", run):  # "Zelensky's Victory Plan" names two
            words = tuple(t for t in terms(name) if t not in kind)
            if words and words not in found:
                found.append(words)
    return found


def named_role(question: str) -> str | None:
    """The role whose holder "What's the name of the senior official who ...?" asks for
    ("official"), None when it asks no such name."""
    match = _NAME_OF.search(question.lower())
    return match.group(1) if match else None


_AUX_QUESTION = re.compile(
    r"^(?P<wh>when|where|why|how|what|which(?: [a-z]+){0,2}) (?P<aux>did|does|do|will|would|"
    r"can|could|should|has|have|had|was|were|is|are) (?P<rest>[^?]+)",
    re.IGNORECASE,
)
_BOUNDARY = frozenset(
    """about at on in to for from with of into over after before against by as than that the a
    an its his her their this these those our your my what which who whom whose when where why
    how and or but if""".split()
)
# Verbs that say an event is on (or due), not which: the event is the subject's.
_LIGHT_VERBS = frozenset(
    """happen happens happened occur occurs occurred take takes took taken start starts started
    begin begins began begun end ends ended go goes went come comes came supposed expected due
    scheduled planned set held""".split()
)
_NOT_VERB = STOPWORDS | frozenset(
    "all next last first new former current upcoming previous senior top".split()
)
# Verbs of saying, deciding, thinking, wanting and doing in general: what answers them is any
# statement of the subject's, in words of its own ("What did the allies agree on?" is answered
# by "all 32 Allies affirmed ...", "How does the White House describe ...?" by what it said).
_VAGUE_VERBS = frozenset(
    """do make want think say tell happen go come get give take have be need mean know see plan
    expect aim try use work put describe call characterize position positioned stand view
    regard feel consider believe hope intend seek offer hold held agree decide announce declare
    promise pledge confirm warn argue claim insist suggest propose recommend ask urge""".split()
)
# Endings of plurals and nouns, not of a verb's base form: "allies", "administration".
_NOUN_ENDING = re.compile(r"(?:[^s]s|s'|tion|ment|ship|ence|ance|ity|ism|ers|ors|ess)$")
_DETERMINER = frozenset("the a an its his her their this these those our your my".split())


def asked_verb(question: str) -> tuple[str, str | None] | None:
    """The verb of "When did Ukraine formally apply ...?", "How did the Rada vote ...?" (or the
    event noun: "When was the summit?"), with the object noun it takes ("publish its report"):
    the first lowercase word after the subject that is no adverb, plural or noun by its
    ending. None for other forms of question."""
    match = _AUX_QUESTION.match(question.strip())
    if match is None:
        return None
    words = re.findall(r"[\w’'-]+", match.group("rest"))
    for i, word in enumerate(words):
        low = word.lower()
        if i and low in _BOUNDARY:
            return None
        if low in _VAGUE_VERBS and i:  # "did Zelensky tell", "did the White House do"
            return low, None
        if not word.islower() or low in _NOT_VERB or low[0].isdigit():
            continue  # "Ukraine", "the", "all 32", "the next meeting"
        if adverb(low) or _NOUN_ENDING.search(low):
            continue  # "formally", "allies", "administration", "ministers'"
        after = words[i + 1 : i + 3]
        obj = after[1] if len(after) == 2 and after[0].lower() in _DETERMINER else None
        return low, obj
    return None


def asked_event(question: str) -> set[str]:
    """What "When did Ukraine formally apply ...?" asks the time of, as terms: the verb with
    its object ("publish its report"); empty when the verb only says an event is on ("When is
    it supposed to happen?") or the question has another form."""
    verb = asked_verb(question)
    if verb is None or verb[0] in _LIGHT_VERBS:
        return set()
    return set(terms(" ".join(w for w in verb if w)))


def asked_action(question: str) -> set[str]:
    """The forms of the action "How did the Rada vote ...?", "Which weapons did the US send?"
    asks about ("vote"; "send", "sent"), to be found in the articles; empty when the verb
    says little by itself (do, say, decide, describe: any statement may answer) or the
    question asks how, what or which with "is"/"was" or has another form."""
    match = _AUX_QUESTION.match(question.strip())
    if (
        match is None
        or match.group("wh").split()[0].lower() not in ("how", "what", "which")
        or match.group("aux").lower() in ("was", "were", "is", "are")
    ):
        return set()
    verb = asked_verb(question)
    if verb is None or verb[0] in _VAGUE_VERBS:
        return set()
    return verb_forms(verb[0])


def verb_forms(verb: str) -> set[str]:
    """A verb's terms with its irregular forms: "send" → send, sent; "wrote" → write, ..."""
    forms = {verb, *_IRREGULAR.get(verb, "").split()}
    forms |= {past for past, others in _IRREGULAR.items() if verb in others.split()}
    return set(terms(" ".join(forms)))


def adverb(word: str) -> bool:
    """ "formally", "finally"; not "apply", "supply", "rely"."""
    return len(word) > 4 and word.endswith("ly") and not word.endswith("ply")


_NOT_DEED = frozenset(
    """is was are were will would could can should shall may might must did does do has have had
    else exactly""".split()
)
# Past forms that share no stem with their verb: "wrote" is found as "written" or "writes".
_IRREGULAR = {
    "wrote": "write written writer author",
    "won": "win wins winning winner victory",
    "led": "lead leads leading leader",
    "ran": "run runs running",
    "made": "make makes making",
    "took": "take takes taking",
    "gave": "give gives giving",
    "sent": "send sends sending",
    "met": "meet meets meeting",
    "began": "begin begins begun",
    "broke": "break breaks broken",
    "chose": "choose chosen",
    "brought": "bring brings",
    "bought": "buy buys",
    "sold": "sell sells",
    "spoke": "speak speaks spoken",
    "told": "tell tells",
    "said": "say says",
    "held": "hold holds",
    "paid": "pay pays",
    "found": "find finds founded",
}


def asked_deed(question: str) -> set[str]:
    """The forms of the verb "Who wrote ...?" asks the doer of, as terms ("wrote", "write",
    "written", "author"); empty for "Who is ...?" and other questions."""
    match = re.match(r"who (?:has |have |had )?([a-z]+)\b", question.strip().lower())
    if match is None or match.group(1) in _NOT_DEED:
        return set()
    return verb_forms(match.group(1))
