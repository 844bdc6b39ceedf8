"""Question → ranked passages: dense (Chroma) and BM25 rankings fused by reciprocal rank."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rag.chunking import doc_id_of
from rag.dates import DateRange, TimeFrame
from rag.embedding import Embedder
from rag.keyword import KeywordIndex
from rag.store import ChunkStore, StoredChunk

Mode = Literal["hybrid", "dense", "bm25"]
PREFERRED_EXTRA = 2
# How far a question's time frame can lift a passage: by at most the fused-score gap between
# the first place and the one this many places below it (a preference, not a filter).
TIME_PLACES = 5


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with every score that ranked it (shown in the UI's retrieval details)."""

    stored: StoredChunk
    dense: float  # cosine similarity to the query
    bm25: float  # 0 when no query term occurs
    fused: float  # reciprocal-rank fusion score, the ranking key
    rank: int

    @property
    def chunk(self):
        return self.stored.chunk


def fuse_rankings(rankings: list[list[str]], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion: sum of 1/(k + rank) over the rankings an id appears in."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


class HybridRetriever:
    def __init__(
        self,
        embedder: Embedder,
        store: ChunkStore,
        keywords: KeywordIndex,
        mode: Mode = "hybrid",
        candidates: int = 20,
        rrf_k: int = 60,
    ):
        self.embedder = embedder
        self.store = store
        self.keywords = keywords
        self.mode = mode
        self.candidates = candidates
        self.rrf_k = rrf_k

    def retrieve(
        self,
        query: str,
        k: int,
        mode: Mode | None = None,
        prefer: frozenset[str] = frozenset(),
        also: frozenset[str] = frozenset(),
        dates: DateRange | None = None,
        when: TimeFrame | None = None,
    ) -> list[Passage]:
        """The top ``k`` chunks, plus the best few more of the ``prefer`` articles (the ones a
        follow-up's previous answer cited), so those stay candidates, plus the chunks ``also``
        names (read on past a quoted chunk).

        ``dates`` restricts every ranking to articles of that date range (Chroma's ``where``
        on the stored ``day``, and the same articles for BM25); ``when``, the question's own
        time frame, lifts the passages of articles that fit it ("the latest": the newest)."""
        query_vector = self.embedder.embed([query])[0]
        # The reads below must see one state of the store: an article an ingest is
        # replacing is either wholly old or wholly new to them, never a mix.
        with self.store.reading():
            return self._ranked(
                query, query_vector, k, mode or self.mode, prefer, also, dates, when
            )

    def _ranked(
        self,
        query: str,
        query_vector: list[float],
        k: int,
        mode: Mode,
        prefer: frozenset[str],
        also: frozenset[str],
        dates: DateRange | None = None,
        when: TimeFrame | None = None,
    ) -> list[Passage]:
        where = dates.where() if dates is not None else None
        docs = self.store.doc_ids_where(where) if where is not None else None
        if docs is not None:
            also = frozenset(cid for cid in also if doc_id_of(cid) in docs)
        dense_hits = (
            self.store.query(query_vector, self.candidates, where) if mode != "bm25" else []
        )
        bm25_hits = self.keywords.search(query, self.candidates, docs)
        dense = {stored.id: score for stored, score in dense_hits}
        bm25 = dict(bm25_hits)
        rankings = {
            "dense": [[stored.id for stored, _ in dense_hits]],
            "bm25": [[cid for cid, _ in bm25_hits]],
            "hybrid": [[stored.id for stored, _ in dense_hits], [cid for cid, _ in bm25_hits]],
        }[mode]
        fused = fuse_rankings(rankings, self.rrf_k)
        stored = {s.id: s for s, _ in dense_hits}
        if when:
            stored.update(self.store.get([cid for cid in fused if cid not in stored]))
            fused = dated_preference(fused, stored, when, self.rrf_k)
        ranked = sorted(fused, key=lambda cid: (-fused[cid], -dense.get(cid, -1.0)))
        top = ranked[:k]
        kept = [cid for cid in ranked[k:] if doc_id_of(cid) in prefer][:PREFERRED_EXTRA]
        top += kept + sorted(also - set(top) - set(kept))
        # BM25-only hits: their text and vectors (for the answer's confidence) in one read
        found, vectors = self.store.get_with_vectors([cid for cid in top if cid not in dense])
        stored.update(found)
        dense.update({cid: cosine(query_vector, v) for cid, v in vectors.items()})
        return [
            Passage(stored[cid], dense.get(cid, 0.0), bm25.get(cid, 0.0), fused.get(cid, 0.0), rank)
            for rank, cid in enumerate(top, start=1)
            if cid in stored
        ]


def cosine(query_vector: list[float], vector: list[float]) -> float:
    """Dot product of unit vectors (MiniLM's are normalised)."""
    return float(np.dot(query_vector, vector))


def dated_preference(
    fused: dict[str, float], stored: dict[str, StoredChunk], when: TimeFrame, rrf_k: int
) -> dict[str, float]:
    """Fused scores lifted by how well each passage's article fits the question's time frame:
    inside its window, and (for "the latest" / "the first") how near its date is to the newest
    / oldest of the candidates' dated articles, in days (a report a day older than the newest
    is nearly as new; one a year older is not). Undated articles and a lone date are not
    lifted by order (there is nothing to compare); the most a passage gains is the gap
    between the first fused place and the ``TIME_PLACES``-th below it."""
    lift = 1.0 / (rrf_k + 1) - 1.0 / (rrf_k + 1 + TIME_PLACES)
    days = {cid: ordinal(stored[cid].day) for cid in fused if cid in stored}
    dated = [d for d in days.values() if d]
    oldest, newest = (min(dated), max(dated)) if dated else (0, 0)
    fit: dict[str, float] = {}
    for cid, day in days.items():
        share = 0.0
        if when.window is not None and day and when.window.admits(stored[cid].day):
            share += 1.0
        if when.order is not None and day and newest > oldest:
            position = (day - oldest) / (newest - oldest)  # 0 oldest .. 1 newest
            share += position if when.order == "newest" else 1.0 - position
        fit[cid] = share / (bool(when.window) + bool(when.order))
    return {cid: score + lift * fit.get(cid, 0.0) for cid, score in fused.items()}


def ordinal(day: int) -> int:
    """A YYYYMMDD day as a count of days (0 stays 0, undated), so dates can be subtracted."""
    if not day:
        return 0
    return dt.date(day // 10000, day // 100 % 100, day % 100).toordinal()
