"""The BM25 keyword index over chunk texts (bm25s), persisted beside the vectors."""

from __future__ import annotations

import json
import logging
import math
import shutil
from collections import Counter
from pathlib import Path

from rag.terms import terms


class KeywordIndex:
    """BM25 over stemmed terms; also the corpus statistics (idf) the answerer weighs words by."""

    def __init__(self, ids: list[str], doc_freq: dict[str, int], retriever=None):
        self.ids = ids
        self.doc_freq = doc_freq
        self._retriever = retriever

    @classmethod
    def build(cls, chunks: list[tuple[str, str]]) -> KeywordIndex:
        """From ``(chunk id, text)`` pairs."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.ERROR)  # it logs routine steps as warnings
        ids = [cid for cid, _ in chunks]
        tokenized = [terms(text) for _, text in chunks]
        doc_freq = Counter(t for doc in tokenized for t in set(doc))
        retriever = None
        if ids:
            retriever = bm25s.BM25()
            retriever.index(tokenized, show_progress=False)
        return cls(ids, dict(doc_freq), retriever)

    def __len__(self) -> int:
        return len(self.ids)

    def idf(self, term: str) -> float:
        """BM25's idf; a term the corpus never uses weighs the most."""
        n = max(len(self.ids), 1)
        df = self.doc_freq.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Chunk ids with their BM25 score, best first; only chunks sharing a term."""
        if self._retriever is None:
            return []
        query_terms = [t for t in terms(query) if t in self.doc_freq]
        if not query_terms:
            return []
        k = min(k, len(self.ids))
        docs, scores = self._retriever.retrieve(
            [query_terms], k=k, show_progress=False, n_threads=1
        )
        return [(self.ids[d], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def save(self, directory: Path) -> None:
        """Written to a sibling folder and swapped in, so a crash never leaves half an index."""
        directory = Path(directory)
        staging = directory.with_name(directory.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(staging / "bm25"))
        (staging / "ids.json").write_text(json.dumps(self.ids))
        (staging / "doc_freq.json").write_text(json.dumps(self.doc_freq))
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            directory.rename(old)
        staging.rename(directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex | None:
        """None when nothing (or something unreadable) is saved there."""
        directory = Path(directory)
        try:
            ids = json.loads((directory / "ids.json").read_text())
            doc_freq = json.loads((directory / "doc_freq.json").read_text())
            retriever = None
            if ids:
                import bm25s

                retriever = bm25s.BM25.load(str(directory / "bm25"))
        except (OSError, ValueError):
            return None
        return cls(ids, doc_freq, retriever)
