"""Every retrieved sentence as a candidate answer with general signals (word coverage,
meaning, answer type, names and figures shared, neighbours), for fitted weights to combine."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.answer.meaning import Meaning
from rag.answer.question import Question
from rag.answer.spans import PATTERNS, asked_words_at, new_spans
from rag.keyword import KeywordIndex, bm25_idf
from rag.retrieval import Passage
from rag.sentences import split_sentences
from rag.terms import term_set, terms

# A sentence opening like this leans on the one before it ("He said ...", "This was ...").
BACK_REFERENCE = re.compile(
    r"^[\"“‘']?(this|that|these|those|he|she|they|his|her|their|however|such|the reason)\b",
    re.IGNORECASE,
)
KINDS = ("number", "date", "reason", "place", "statement", "person", "manner", "yes_no", "other")
FEATURES = (
    "coverage",
    "coverage_context",
    "coverage_carried",
    "coverage_best_share",
    "missing_rarest",
    "sentence_meaning",
    "meaning_best_gap",
    "passage_meaning",
    "passage_rank",
    "typed",
    "untyped_kind",
    "names_shared",
    "names_in_article",
    "figures_shared",
    "back_reference",
    "log_length",
    "said_before",
    "reason_cue",
    "statement_cue",
    "phrase_coverage",
    "typed_near",
    "coverage_rank",
    "meaning_rank",
    "question_length",
    "follow_up",
    "coverage_if_typed",
    "coverage_if_untyped",
    "meaning_if_typed",
    "e5_meaning",
    "e5_best_gap",
    "e5_rank",
    "more_and_said",
    "names_if_covered",
    "modifier_conflicts",
    "missing_if_covered",
    "typed_beside",
    *(f"kind_{k}" for k in KINDS),
)
UNTYPED = ("manner", "yes_no", "other")


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    start: int
    end: int
    text: str
    before: str  # the sentence before it in its article, when retrieved ("" otherwise)
    after: str  # the sentence after it, when retrieved
    values: np.ndarray  # in the order of FEATURES
    score: float = 0.0  # the fitted probability that it answers the question

    @property
    def doc_id(self) -> str:
        return self.passage.chunk.doc_id


def chunk_sentences(chunk) -> list[tuple[int, int, str]]:
    """A chunk's sentences as candidates: article offsets and text (the strings whose
    vectors the answerer reads, and `Library.prepare_sentences` embeds ahead)."""
    spans = split_sentences(chunk.text, offset=chunk.start)
    return [(s, e, chunk.text[s - chunk.start : e - chunk.start]) for s, e in spans]


def passage_sentences(passages: list[Passage]) -> list[tuple[Passage, int, int, str]]:
    """Each distinct sentence of the passages (in article order), with its best passage."""
    found: dict[tuple[str, int], tuple[Passage, int, int, str]] = {}
    for passage in passages:
        for start, end, text in chunk_sentences(passage.chunk):
            key = (passage.chunk.doc_id, start)
            if key not in found or found[key][0].rank > passage.rank:
                found[key] = (passage, start, end, text)
    return [found[k] for k in sorted(found)]


def term_weights(q: Question, sentences: list[frozenset[str]], keywords: KeywordIndex):
    """How much each question word counts: its rarity among the retrieved sentences, and its
    corpus rarity a little (square root), so unrelated articles don't reorder the topic's."""
    df: dict[str, int] = {}
    for words in sentences:
        for t in words:
            df[t] = df.get(t, 0) + 1
    n = len(sentences)

    def weight(t: str) -> float:
        return math.sqrt(keywords.idf(t)) * bm25_idf(n, df.get(t, 0))

    return {t: weight(t) for t in q.focus}, {t: weight(t) for t in q.carried}


def candidates(
    q: Question,
    passages: list[Passage],
    keywords: KeywordIndex,
    meaning: Meaning | None,
    query: str,
) -> list[Candidate]:
    """Every sentence of the passages with its feature values, in article order."""
    rows = passage_sentences(passages)
    if not rows:
        return []
    words = [term_set(text) for _, _, _, text in rows]
    own, carried = term_weights(q, words, keywords)
    own_total, carried_total = math.fsum(own.values()) or 1.0, math.fsum(carried.values()) or 1.0
    texts = [text for _, _, _, text in rows]
    if meaning is not None:
        minilm, e5 = meaning.similarities(query, texts)
    else:  # no sentence embedder: the passages' similarity stands for their sentences'
        minilm = e5 = np.array([p.dense for p, _, _, _ in rows])
    article_words: dict[str, set[str]] = {}
    for (p, _, _, _), w in zip(rows, words, strict=True):
        article_words.setdefault(p.chunk.doc_id, set()).update(w)
    coverage = [math.fsum(own[t] for t in own.keys() & w) / own_total for w in words]
    best_cov, best_meaning = max(coverage) or 1.0, float(minilm.max())
    coverage_rank = _ranks(coverage)
    meaning_rank = _ranks(list(minilm))
    e5_rank, best_e5 = _ranks(list(e5)), float(e5.max())
    pairs = _pairs(terms(q.text))
    asked = q.focus | frozenset(terms(" ".join(" ".join(n) for n in q.names)))
    out = []
    for i, (passage, start, end, text) in enumerate(rows):
        doc = passage.chunk.doc_id
        before = rows[i - 1][3] if i and _adjacent(rows[i - 1], rows[i]) else ""
        after = rows[i + 1][3] if i + 1 < len(rows) and _adjacent(rows[i], rows[i + 1]) else ""
        context = words[i] | (words[i - 1] if before else frozenset())
        missing = [own[t] for t in own.keys() - context]
        found = new_spans(q.kind, text, asked) if q.kind not in UNTYPED else []
        typed = bool(found)
        said = any(text in a for a in q.said)
        values = [
            coverage[i],
            math.fsum(own[t] for t in own.keys() & context) / own_total,
            math.fsum(carried[t] for t in carried.keys() & context) / carried_total
            if carried
            else 0,
            coverage[i] / best_cov,
            max(missing, default=0.0) / own_total,
            float(minilm[i]),
            float(minilm[i]) - best_meaning,
            passage.dense,
            1.0 / passage.rank,
            float(typed),
            float(q.kind in UNTYPED),
            _share_of_names(q.names, context),
            _share_of_names(q.names, article_words[doc]),
            float(q.figures <= set(re.findall(r"\b\d+(?:[.,]\d+)?\b", f"{before} {text}"))),
            float(bool(BACK_REFERENCE.search(text))),
            math.log1p(len(words[i])),
            float(said),
            float(bool(PATTERNS["reason"].search(text))),
            float(bool(PATTERNS["statement"].search(text))),
            _share_of_pairs(pairs, terms(text)),
            float(typed and _near(found, text, own.keys())),
            1.0 / coverage_rank[i],
            1.0 / meaning_rank[i],
            math.log1p(len(own)),
            float(bool(q.carried)),
            coverage[i] * typed,
            coverage[i] * (1 - typed) * (q.kind not in UNTYPED),
            float(minilm[i]) * typed,
            float(e5[i]),
            float(e5[i]) - best_e5,
            1.0 / e5_rank[i],
            float(said and q.wants_more),
            coverage[i] * _share_of_names(q.names, context),
            _conflicts(pairs, terms(text), q.focus),
            coverage[i] * max(missing, default=0.0) / own_total,
            float(any(_beside(span, text, asked) for span in found)),
            *(float(q.kind == k) for k in KINDS),
        ]
        out.append(
            Candidate(passage, start, end, text, before, after, np.array(values, dtype=float))
        )
    return out


def _ranks(values: list[float]) -> list[int]:
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0] * len(values)
    for r, i in enumerate(order, start=1):
        ranks[i] = r
    return ranks


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:], strict=False))


def _share_of_pairs(pairs: set[tuple[str, str]], words: list[str]) -> float:
    """How many of the question's word pairs the sentence has side by side (a phrase match)."""
    return len(pairs & _pairs(words)) / len(pairs) if pairs else 0.0


def _conflicts(pairs: set[tuple[str, str]], words: list[str], asked: frozenset[str]) -> float:
    """How many of the question's word pairs the sentence holds with the other word swapped
    ("modern Europe" asked, "medieval Europe" written): the sentence tells of something else."""
    held = _pairs(words)
    swapped = 0
    for a, b in pairs - held:
        if (a in words) != (b in words):
            kept = b if b in words else a
            swapped += any(
                (x == kept and y not in asked) if kept == a else (y == kept and x not in asked)
                for x, y in held
            )
    return swapped / len(pairs) if pairs else 0.0


def _near(found: list[tuple[int, int]], text: str, asked, reach: int = 60) -> bool:
    """Whether a span of the asked kind stands within ``reach`` characters of a question word."""
    anchors = [a for a, _ in asked_words_at(text, asked)]
    return any(abs(s - a) <= reach or abs(e - a) <= reach for s, e in found for a in anchors)


_LAST_WORD = re.compile(r"([\w’'-]+),?\s+$")


def _beside(span: tuple[int, int], text: str, asked: frozenset[str]) -> bool:
    """Whether the span stands right after a question word, or opens with one: "Judge
    Derrick Watson" or "his counterpart, Mevlut Cavusoglu" for "Which judge ...?", not
    "a judge in Hawaii"."""
    last = _LAST_WORD.search(text[: span[0]])
    if last and term_set(last.group(1)) & asked:
        return True
    words = text[span[0] : span[1]].split()
    return (
        len(words) > 1
        and bool(term_set(words[0]) & asked)
        and not term_set(" ".join(words)) <= asked
    )


def _adjacent(a: tuple, b: tuple) -> bool:
    return a[0].chunk.doc_id == b[0].chunk.doc_id and 0 <= b[1] - a[2] <= 3


def _share_of_names(names: tuple[tuple[str, ...], ...], words) -> float:
    if not names:
        return 1.0
    return sum(all(t in words for t in name) for name in names) / len(names)
