"""Question → ranked passages: dense (Chroma) and BM25 rankings fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from rag.chunking import doc_id_of
from rag.embedding import Embedder
from rag.keyword import KeywordIndex
from rag.store import ChunkStore, StoredChunk

Mode = Literal["hybrid", "dense", "bm25"]
PREFERRED_EXTRA = 2


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
    ) -> list[Passage]:
        """The top ``k`` chunks, plus the best few more of the ``prefer`` articles (the ones a
        follow-up's previous answer cited), so those stay candidates, plus the chunks ``also``
        names (read on past a quoted chunk)."""
        query_vector = self.embedder.embed([query])[0]
        # The reads below must see one state of the store: an article an ingest is
        # replacing is either wholly old or wholly new to them, never a mix.
        with self.store.reading():
            return self._ranked(query, query_vector, k, mode or self.mode, prefer, also)

    def _ranked(
        self,
        query: str,
        query_vector: list[float],
        k: int,
        mode: Mode,
        prefer: frozenset[str],
        also: frozenset[str],
    ) -> list[Passage]:
        dense_hits = self.store.query(query_vector, self.candidates) if mode != "bm25" else []
        bm25_hits = self.keywords.search(query, self.candidates)
        dense = {stored.id: score for stored, score in dense_hits}
        bm25 = dict(bm25_hits)
        rankings = {
            "dense": [[stored.id for stored, _ in dense_hits]],
            "bm25": [[cid for cid, _ in bm25_hits]],
            "hybrid": [[stored.id for stored, _ in dense_hits], [cid for cid, _ in bm25_hits]],
        }[mode]
        fused = fuse_rankings(rankings, self.rrf_k)
        ranked = sorted(fused, key=lambda cid: (-fused[cid], -dense.get(cid, -1.0)))
        top = ranked[:k]
        kept = [cid for cid in ranked[k:] if doc_id_of(cid) in prefer][:PREFERRED_EXTRA]
        top += kept + sorted(also - set(top) - set(kept))
        stored = {s.id: s for s, _ in dense_hits}
        # BM25-only hits: their text and vectors (for the answer's confidence) in one read
        found, vectors = self.store.get_with_vectors([cid for cid in top if cid not in stored])
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
