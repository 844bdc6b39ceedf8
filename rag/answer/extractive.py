"""The offline answerer: quotes the retrieved sentences that most likely answer, scored by
fitted weights over general signals; abstains when even the best is unlikely."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rag.answer.base import Answer, abstention
from rag.answer.checks import failed_check
from rag.answer.disagreement import DIFFER_TEXT, disagreeing
from rag.answer.features import (
    BACK_REFERENCE,
    Candidate,
    candidates,
)
from rag.answer.meaning import Meaning
from rag.answer.model import ScoringModel
from rag.answer.question import Question, parse_question
from rag.answer.spans import short_answer
from rag.citations import Support, number_citations
from rag.conversation import MARKER, referent
from rag.keyword import KeywordIndex
from rag.retrieval import Passage
from rag.sentences import split_sentences
from rag.terms import term_set, terms

# A runner-up the ranker gives at least this share of the best one's belief (its logit within
# 1.2) is quoted too: the ranker cannot tell which of them answers. Measured 2026-12-01 on dev,
# squad and the news split, against quoting a runner-up only when it adds a name, place,
# date or figure of the asked kind: accuracy 0.760 -> 0.783, 0.792 -> 0.812, 0.595 -> 0.601.
RUNNER_UP = 0.3
# The sentence right after the best one continues its quote when it scores this share of it:
# the answer often sits in the next sentence ("... he said. After all, ..."; "It was
# commissioned by Odo"). Measured on dev and the SQuAD dev sample (2026-12-01): at 0.1, 10 of
# 12 such answers are recovered, and 63 of 399 answers gain a sentence they did not need.
CONTINUATION = 0.1
EVIDENCE = 6  # sentences a language model reads (RAG_LLM_SOURCES=sentences), with neighbours


class ExtractiveAnswerer:
    """Picks the best sentence (and a runner-up that adds a needed fact); abstains below the
    model's threshold, which was calibrated on the dev split."""

    def __init__(
        self,
        keywords: KeywordIndex,
        model: ScoringModel | None = None,
        meaning: Meaning | None = None,
        threshold: float | None = None,
        max_sentences: int = 2,
    ):
        self.keywords = keywords
        self.model = model or ScoringModel.load()
        self.meaning = meaning
        self.threshold = self.model.threshold if threshold is None else threshold
        self.max_sentences = max_sentences

    def question(self, question: str, query: str | None, history: list[dict] | None) -> Question:
        """The question parsed once; a follow-up's with what it refers to and what was said."""
        history = history or []
        follow_up = bool(query) and query != question
        said = tuple(MARKER.sub("", m["content"]) for m in history if m.get("role") == "assistant")
        return parse_question(question, query, referent(history) if follow_up else "", said)

    def ranked(
        self, q: Question, passages: list[Passage], query: str
    ) -> tuple[list[Candidate], float]:
        """The candidates, best first, each scored with its share of the ranker's belief, and
        the gate's probability that the best one answers the question."""
        found = candidates(q, passages, self.keywords, self.meaning, query)
        if not found:
            return [], 0.0
        values = np.stack([c.values for c in found])
        shares = self.model.shares(values)
        ranked = sorted(
            (replace(c, score=float(s)) for c, s in zip(found, shares, strict=True)),
            key=lambda c: -c.score,
        )
        return ranked, self.model.confidence(values, shares)

    def confidence(
        self,
        question: str,
        passages: list[Passage],
        query: str | None = None,
        history: list[dict] | None = None,
    ) -> float:
        """The gate's probability that ``passages`` hold the answer (0 when none is a candidate)."""
        query = query or question
        return self.ranked(self.question(question, query, history), passages, query)[1]

    def read(
        self,
        question: str,
        passages: list[Passage],
        query: str | None = None,
        history: list[dict] | None = None,
        limit: int = EVIDENCE,
    ) -> Reading:
        """What one ranking tells a language model before it is asked: the gate's
        confidence, and the passages cut down to their ``limit`` best-ranked sentences, each
        with the sentence before and after it in its chunk (merged where they touch), best
        first (the passages themselves when none of their sentences is a candidate)."""
        query = query or question
        ranked, confidence = self.ranked(self.question(question, query, history), passages, query)
        return Reading(confidence, evidence_windows(ranked[:limit]) or list(passages))

    def answer(
        self,
        question: str,
        passages: list[Passage],
        query: str | None = None,
        history: list[dict] | None = None,
    ) -> Answer:
        query = query or question
        q = self.question(question, query, history)
        ranked, confidence = self.ranked(q, passages, query)
        if not ranked or confidence < self.threshold:
            return abstention(query, passages)
        other = disagreeing(ranked)
        if other is not None:
            versions = [dated(support(c)) for c in oldest_first([ranked[0], other])]
            text, citations = number_citations(versions)
            return Answer(f"{DIFFER_TEXT} {text}", citations, False, query, list(passages))
        chosen = with_context(select_sentences(ranked, self.max_sentences), ranked)
        if failed_check(q, [c.text for c in chosen], asked_words(q)) is not None:
            return abstention(query, passages)
        return quoting(q, chosen, query, passages)


def quoting(q: Question, chosen: list[Candidate], query: str, passages: list[Passage]) -> Answer:
    """The answer that quotes ``chosen``, led by the short span when one is asked for."""
    asked = asked_words(q)
    text, citations = number_citations([support(c) for c in chosen])
    lead = next((s for c in chosen if (s := short_answer(q.kind, c.text, asked, q.unit))), None)
    if lead and not text.startswith(lead):
        text = f"{lead}. — {text}"
    return Answer(text, citations, False, query, list(passages), short=lead)


@dataclass(frozen=True)
class Reading:
    confidence: float  # the gate's probability that the passages hold the answer
    evidence: list[Passage]  # their best sentences, with neighbours, for a model to read


def evidence_windows(best: list[Candidate]) -> list[Passage]:
    """Each candidate's sentence window, merged with an earlier one it touches, best first."""
    windows: list[list] = []  # [passage, start, end]
    for c in best:
        start, end = sentence_window(c)
        same = next(
            (
                w
                for w in windows
                if w[0].chunk.id == c.passage.chunk.id and start <= w[2] and end >= w[1]
            ),
            None,
        )
        if same is None:
            windows.append([c.passage, start, end])
        else:
            same[1], same[2] = min(same[1], start), max(same[2], end)
    return [window_passage(p, s, e) for p, s, e in windows]


def sentence_window(c: Candidate) -> tuple[int, int]:
    """Article offsets of ``c`` with the sentences either side of it in its chunk."""
    chunk = c.passage.chunk
    spans = split_sentences(chunk.text, offset=chunk.start)
    i = next((k for k, (s, e) in enumerate(spans) if s <= c.start < e), None)
    if i is None:
        return c.start, c.end
    return spans[max(0, i - 1)][0], spans[min(len(spans) - 1, i + 1)][1]


def window_passage(passage: Passage, start: int, end: int) -> Passage:
    """``passage`` holding only ``start:end`` of its chunk (same chunk id, article offsets)."""
    chunk = passage.chunk
    text = chunk.text[start - chunk.start : end - chunk.start]
    window = replace(chunk, text=text, start=start, end=end)
    return replace(passage, stored=replace(passage.stored, chunk=window))


def asked_words(q: Question) -> frozenset[str]:
    return q.focus | q.carried | frozenset(terms(" ".join(" ".join(n) for n in q.names)))


def select_sentences(ranked: list[Candidate], limit: int) -> list[Candidate]:
    """The best sentence, then the one after it when it continues it, then runners-up the
    ranker cannot tell from the best (RUNNER_UP); never a sentence that repeats one chosen."""
    top = ranked[0]
    chosen = [top]
    following = continuation(top, ranked)
    if following is not None:
        chosen.append(following)
    for c in ranked[1:]:
        if len(chosen) >= limit or c.score < RUNNER_UP * top.score:
            break
        if all(c is not o and not redundant(c.text, o.text) for o in chosen):
            chosen.append(c)
    return chosen


def continuation(top: Candidate, ranked: list[Candidate]) -> Candidate | None:
    """The sentence that follows ``top`` in its article, when retrieved and scored at least
    CONTINUATION of it."""
    if not top.after:
        return None
    return next(
        (
            c
            for c in ranked[1:]
            if c.doc_id == top.doc_id
            and c.text == top.after
            and c.start >= top.end
            and c.score >= CONTINUATION * top.score
        ),
        None,
    )


def with_context(chosen: list[Candidate], ranked: list[Candidate]) -> list[Candidate]:
    """Each chosen sentence in reading order with the one before it when it leans on it
    ("He said ..."), so a quote never stands without its subject."""
    by_place = {(c.doc_id, c.start): c for c in ranked}
    out: list[Candidate] = []
    for c in chosen:
        if BACK_REFERENCE.search(c.text) and c.before:
            prev = next(
                (o for (d, _), o in by_place.items() if d == c.doc_id and o.text == c.before),
                None,
            )
            if prev is not None and prev not in out:
                out.append(prev)
        if c not in out:
            out.append(c)
    return out


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


def oldest_first(versions: list[Candidate]) -> list[Candidate]:
    """Differing versions by their article's date, oldest first; undated ones last."""
    return sorted(versions, key=lambda c: (c.passage.stored.date is None, c.passage.stored.date))


def dated(s: Support) -> Support:
    """The sentence led by its article's date, so the versions read as a timeline."""
    return replace(s, sentence=f"({s.date or 'undated'}) {s.sentence}")
