"""Support: how well a span of a retrieved chunk (one sentence, or two adjacent ones)
backs an answer sentence, by calibrated embedding similarity (also against the span's
clauses, so a restatement of part of a long sentence is found) and the share of the
sentence's content words and numbers the span holds. The citation check (rag/verify.py)
reads these scores."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.embedding import Embedder
from rag.judge import SupportJudge
from rag.retrieval import Passage
from rag.sentences import split_sentences
from rag.terms import terms

# Cosine between MiniLM vectors, mapped onto 0..1. On eval/support_pairs.jsonl a paraphrase
# of a source sentence scores 0.60-0.99 (median 0.84), a near miss on the same article
# 0.30-0.87 (median 0.53); eval/calibrate_support.py sweeps these and the threshold.
SIMILARITY_FLOOR = 0.25
SIMILARITY_CEILING = 0.8
MEANING_WEIGHT = 0.5
NUMBER_PENALTY = 0.5  # a number in the sentence that the span does not hold
PAIR_PENALTY = 0.95  # a single sentence beats two adjacent ones that score the same
MIN_PART_TERMS = 3  # a clause checked on its own needs this many content words
PART_POWER = 2  # how sharply a clause's closeness fades as the sentence brings other words

# [1], [1, 3], [1; 3], [Source 2], [^2] (a footnote); several in a row are read one by one.
DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Span:
    """A stretch of a retrieved chunk a citation can quote: one sentence or two adjacent."""

    number: int  # the source number the prompt gave its passage
    passage: Passage
    start: int  # article offsets
    end: int
    text: str
    terms: frozenset[str]
    numbers: frozenset[str]
    pair: bool

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.passage.chunk.doc_id, self.start, self.end)


class SourceIndex:
    """The candidate spans of the numbered passages, embedded once per answer.

    A span's meaning is compared with a sentence as a whole and clause by clause: a short
    sentence that restates one part of a long one ("Ana Ruiz is the mayor of
    Vigo." from "Vigo's mayor Ana Ruiz said that the port ...") is as close to that
    part as a paraphrase is to a whole sentence. The citation still quotes the sentence.
    """

    def __init__(
        self,
        passages: list[Passage],
        embedder: Embedder | None,
        threshold: float,
        judge: SupportJudge | None = None,
    ):
        self.passages = passages
        self.embedder = embedder
        self.threshold = threshold
        self.judge = judge  # a language model's yes/no on a span (RAG_VERIFY=model)
        self.spans = [s for n, p in enumerate(passages, start=1) for s in passage_spans(n, p)]
        parts = [(i, c) for i, s in enumerate(self.spans) if not s.pair for c in parts_of(s.text)]
        self._part_owners = np.array([i for i, _ in parts], dtype=np.int64)
        vectors = self._embed([s.text for s in self.spans] + [c for _, c in parts])
        self._vectors = None if vectors is None else vectors[: len(self.spans)]
        self._part_vectors = None if vectors is None else vectors[len(self.spans) :]

    def _cosines(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each span's cosine with ``vector``, and the best of it and its parts' cosines."""
        cosines = self._vectors @ vector
        best = cosines.copy()
        if len(self._part_owners):
            np.maximum.at(best, self._part_owners, self._part_vectors @ vector)
        return cosines, best

    def __len__(self) -> int:
        return len(self.passages)

    def _embed(self, texts: list[str]) -> np.ndarray | None:
        if self.embedder is None or not texts:
            return None
        return np.asarray(self.embedder.embed(texts), dtype=np.float32)

    def scores(self, text: str) -> np.ndarray:
        """Support of ``text`` by every span, in ``self.spans`` order."""
        return self.scores_many([text])[0]

    def scores_many(self, texts: list[str]) -> list[np.ndarray]:
        """``scores`` for several texts with one embedding call."""
        vectors = self._embed(texts)
        rows = []
        for i, text in enumerate(texts):
            words = set(terms(text))
            digits = set(DIGITS.findall(text))
            meaning = vectors is not None and self._vectors is not None
            zeros = np.zeros(len(self.spans))
            cosines, parts = self._cosines(vectors[i]) if meaning else (zeros, zeros)
            rows.append(
                np.array(
                    [
                        support(words, digits, span, float(cosine), meaning, float(part))
                        for span, cosine, part in zip(self.spans, cosines, parts)
                    ]
                )
            )
        return rows

    def best(self, scores: np.ndarray, number: int | None = None) -> tuple[Span | None, float]:
        """The best-supporting span (within source ``number`` when given) and its score."""
        best, top = None, -1.0
        for span, score in zip(self.spans, scores):
            if (number is None or span.number == number) and score > top:
                best, top = span, float(score)
        return best, top


def passage_spans(number: int, passage: Passage) -> list[Span]:
    chunk = passage.chunk
    sentences = split_sentences(chunk.text, offset=chunk.start)
    ranges = [(s, e, False) for s, e in sentences]
    ranges += [(a[0], b[1], True) for a, b in zip(sentences, sentences[1:])]
    spans = []
    for start, end, pair in ranges:
        text = chunk.text[start - chunk.start : end - chunk.start]
        spans.append(
            Span(
                number,
                passage,
                start,
                end,
                text,
                frozenset(terms(text)),
                frozenset(DIGITS.findall(text)),
                pair,
            )
        )
    return spans


def support(
    words: set[str],
    digits: set[str],
    span: Span,
    cosine: float,
    meaning: bool,
    part_cosine: float | None = None,
) -> float:
    """How well ``span`` backs a sentence: calibrated similarity plus word overlap, 0..1.

    ``part_cosine`` (the closest clause of the span) counts in the measure that the
    sentence's words are the span's: a restatement of one clause uses that clause's words,
    while a near miss that borrows a name from a clause brings words of its own."""
    if not words:
        return 0.0
    found = len(words & span.terms)
    # +1: a one-word "sentence" found in a span is weak evidence that the span states it
    overlap = found / (len(words) + 1)
    if part_cosine is not None and part_cosine > cosine:
        cosine += (part_cosine - cosine) * (found / len(words)) ** PART_POWER
    if meaning:
        calibrated = (cosine - SIMILARITY_FLOOR) / (SIMILARITY_CEILING - SIMILARITY_FLOOR)
        calibrated = min(max(calibrated, 0.0), 1.0)
        score = MEANING_WEIGHT * calibrated + (1 - MEANING_WEIGHT) * overlap
    else:
        score = overlap
    if digits - span.numbers:
        score *= NUMBER_PENALTY
    return score * PAIR_PENALTY if span.pair else score


_PART_CUTS = re.compile(
    r"\s*[,;:()\u2014\u2013]\s*|\s+(?:and|but|while|whereas|though|although|because|"
    r"said|says|told|stated|added|noted|according to)(?:\s+that)?\s+",
    re.IGNORECASE,
)


def parts_of(sentence: str, longest: int = 2, most: int = 6) -> list[str]:
    """A source sentence's clauses (cut at , ; : dashes, joining words and verbs of saying)
    and pairs of adjacent ones, each with MIN_PART_TERMS content words, short of the whole."""
    bounds = [0]
    for match in _PART_CUTS.finditer(sentence):
        bounds += [match.start(), match.end()]
    bounds.append(len(sentence))
    pieces = list(zip(bounds[::2], bounds[1::2]))[:most]
    if len(pieces) < 2:
        return []
    runs = [
        sentence[pieces[i][0] : pieces[j][1]].strip(" .\"'“”")
        for i in range(len(pieces))
        for j in range(i, min(i + longest, len(pieces)))
    ]
    whole = sentence.strip(" .\"'“”")
    return [r for r in dict.fromkeys(runs) if r != whole and len(terms(r)) >= MIN_PART_TERMS]
