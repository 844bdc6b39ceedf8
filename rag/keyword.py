"""The BM25 keyword index over chunk texts, kept on disk as segments updated article by article.

Each update tokenizes only the chunks it adds: they become a new immutable segment, stored
term-major so a query reads only its own terms' postings, and the rows of removed or replaced
articles are marked deleted. Scores use the live corpus statistics at query time, so any run
of updates ranks exactly like an index built from scratch. Small segments are merged now and
then, from their stored postings (nothing is tokenized again).

Scoring is bm25s's default ("lucene" BM25, k1=1.5, b=0.75), checked against it in the tests.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.segments import Segment, merge_segments
from rag.terms import rules, terms

K1 = 1.5
B = 0.75
USING_CACHE = 4096  # terms whose articles are remembered per index
MAX_SEGMENTS = 8
MANIFEST = "manifest.json"
FORMAT = 1


@dataclass(frozen=True)
class ArticleChunks:
    """What an update adds for one article: its key (content hash) and ``(chunk id, text)``s."""

    doc_id: str
    key: str
    chunks: list[tuple[str, str]]


class KeywordIndex:
    """BM25 over stemmed terms; also the corpus statistics (idf) the answerer weighs words by.

    Immutable: :meth:`updated` returns a new index, so a reader never sees half an update.
    """

    def __init__(
        self,
        segments: list[Segment] | None = None,
        deleted: list[np.ndarray] | None = None,
        articles: dict[str, str] | None = None,
    ):
        self.segments = segments or []
        self.deleted = deleted or [np.zeros(len(s), dtype=bool) for s in self.segments]
        self.articles = articles or {}  # doc id -> key of the version indexed
        self._articles_using: dict[str, frozenset[str]] = {}
        self._size = sum(len(s) - int(d.sum()) for s, d in zip(self.segments, self.deleted))
        total = sum(
            int(np.asarray(s.lengths)[~d].sum()) for s, d in zip(self.segments, self.deleted)
        )
        self._avgdl = total / self._size if self._size else 0.0

    @classmethod
    def build(cls, chunks: Iterable[tuple[str, str]]) -> KeywordIndex:
        """From ``(chunk id, text)`` pairs, grouped into articles by the id's ``<doc>#`` prefix."""
        per_doc: dict[str, list[tuple[str, str]]] = {}
        for cid, text in chunks:
            per_doc.setdefault(cid.rsplit("#", 1)[0], []).append((cid, text))
        return cls().updated(add=[ArticleChunks(d, "", c) for d, c in per_doc.items()])

    def __len__(self) -> int:
        return self._size

    @property
    def ids(self) -> list[str]:
        """Live chunk ids, in index order."""
        return [
            str(cid)
            for seg, dead in zip(self.segments, self.deleted)
            for cid in np.asarray(seg.ids)[~dead]
        ]

    def doc_freq(self, term: str) -> int:
        """How many live chunks use ``term``."""
        df = 0
        for seg, dead in zip(self.segments, self.deleted):
            rows, _ = seg.postings(term)
            df += len(rows) - int(dead[rows].sum()) if len(rows) else 0
        return df

    def articles_using(self, term: str) -> frozenset[str]:
        """The ids of the live articles with a chunk that uses ``term``; remembered (the index
        never changes), as questions name the same few things again and again."""
        found = self._articles_using.get(term)
        if found is None:
            docs: set[str] = set()
            for seg, dead in zip(self.segments, self.deleted):
                rows, _ = seg.postings(term)
                if len(rows):
                    docs.update(str(d) for d in seg.docs[rows[~dead[rows]]])
            found = frozenset(docs)
            if len(self._articles_using) < USING_CACHE:
                self._articles_using[term] = found
        return found

    def idf(self, term: str) -> float:
        """BM25's idf; a term the corpus never uses weighs the most."""
        return bm25_idf(max(self._size, 1), self.doc_freq(term))

    def search(
        self, query: str, k: int, docs: frozenset[str] | None = None
    ) -> list[tuple[str, float]]:
        """Chunk ids with their BM25 score, best first; only chunks sharing a term, and only
        chunks of the articles in ``docs`` when it is given (a date filter's articles)."""
        if not self._size or k <= 0 or (docs is not None and not docs):
            return []
        query_terms = terms(query)  # a repeated word counts again, as in bm25s
        idf = {t: self.idf(t) for t in set(query_terms)}
        hits: list[tuple[float, int, int]] = []
        for s, (seg, dead) in enumerate(zip(self.segments, self.deleted)):
            scores = self._segment_scores(seg, query_terms, idf)
            if scores is None:
                continue
            scores[dead] = 0.0
            if docs is not None:
                scores[~np.isin(seg.docs, list(docs))] = 0.0
            top = np.flatnonzero(scores > 0)
            if len(top) > k:  # the k best, and any chunk tied with the k-th
                kth = np.partition(scores[top], len(top) - k)[len(top) - k]
                top = top[scores[top] >= kth]
            hits.extend((float(scores[r]), s, int(r)) for r in top)
        hits.sort(key=lambda h: (-h[0], -h[1], -h[2]))  # ties: the later indexed first, as bm25s
        return [(str(self.segments[s].ids[r]), score) for score, s, r in hits[:k]]

    def _segment_scores(self, seg: Segment, query_terms, idf) -> np.ndarray | None:
        scores = None
        for term in query_terms:
            rows, tfs = seg.postings(term)
            if not len(rows):
                continue
            lengths = np.asarray(seg.lengths)[rows]
            norm = K1 * ((1 - B) + B * lengths / self._avgdl)
            if scores is None:
                scores = np.zeros(len(seg), dtype=np.float64)
            scores[rows] += idf[term] * tfs / (norm + tfs)
        return scores

    def updated(
        self, remove: Iterable[str] = (), add: Iterable[ArticleChunks] = ()
    ) -> KeywordIndex:
        """A new index without the articles in ``remove`` (and the old versions of those in
        ``add``), plus ``add``'s chunks as one new segment. Only ``add`` is tokenized."""
        add = list(add)
        gone = set(remove) | {a.doc_id for a in add}
        deleted = [d.copy() for d in self.deleted]
        if gone:
            for seg, dead in zip(self.segments, deleted):
                dead |= np.isin(seg.docs, list(gone))
        articles = {d: key for d, key in self.articles.items() if d not in gone}
        segments = list(self.segments)
        chunks = [(cid, terms(text)) for a in add for cid, text in a.chunks]
        if chunks:
            segments.append(Segment.build(segment_name(), chunks))
            deleted.append(np.zeros(len(chunks), dtype=bool))
        articles.update({a.doc_id: a.key for a in add})
        return KeywordIndex(*compacted(segments, deleted), articles)

    def with_article(self, doc_id: str, key: str, chunks: list[tuple[str, str]]) -> KeywordIndex:
        """A new index with one article's ``(chunk id, text)``s in place of its old version."""
        return self.updated(add=[ArticleChunks(doc_id, key, chunks)])

    def save(self, directory: Path) -> None:
        """New segments first, then the manifest swapped in atomically; unreferenced files go.

        A crash at any point leaves the previous manifest and every segment it names intact.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for seg in self.segments:
            if not (directory / seg.name / "tfs.npy").exists():
                staging = directory / f".{seg.name}.tmp"
                shutil.rmtree(staging, ignore_errors=True)
                seg.save(staging)
                staging.rename(directory / seg.name)
        manifest = {
            "format": FORMAT,
            "terms": rules(),
            "chunks": self._size,
            "segments": [
                {"name": s.name, "deleted": np.flatnonzero(d).tolist()}
                for s, d in zip(self.segments, self.deleted)
            ],
            "articles": self.articles,
        }
        staging = directory / (MANIFEST + ".tmp")
        staging.write_text(json.dumps(manifest))
        os.replace(staging, directory / MANIFEST)
        keep = {MANIFEST} | {s.name for s in self.segments}
        for entry in directory.iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex | None:
        """None when nothing (or something unreadable, an older format, or an index whose text
        was made into terms by other rules: see ``rag.terms.rules``) is saved there."""
        directory = Path(directory)
        for _ in range(2):  # a concurrent save may remove a segment between the two reads
            try:
                manifest = json.loads((directory / MANIFEST).read_text())
                if manifest.get("format") != FORMAT or manifest.get("terms") != rules():
                    return None
                segments, deleted = [], []
                for entry in manifest["segments"]:
                    seg = Segment.load(directory / entry["name"])
                    dead = np.zeros(len(seg), dtype=bool)
                    dead[np.asarray(entry["deleted"], dtype=np.int64)] = True
                    segments.append(seg)
                    deleted.append(dead)
                return cls(segments, deleted, manifest["articles"])
            except (OSError, ValueError, KeyError, IndexError):
                continue
        return None


def other_rules(directory: Path) -> bool:
    """Whether the index saved in ``directory`` is readable but was made into terms by other
    rules than today's (an older version's stop words, say)."""
    try:
        manifest = json.loads((Path(directory) / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("format") == FORMAT and manifest.get("terms") != rules()


def bm25_idf(n: int, df: int) -> float:
    """BM25's idf of a term ``df`` of ``n`` documents use (never negative)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def segment_name() -> str:
    """Unique, so a segment folder left by a crashed save is never mistaken for a new one."""
    return f"seg-{uuid.uuid4().hex[:16]}"


def compacted(segments: list[Segment], deleted: list[np.ndarray]) -> tuple[list, list]:
    """Merge small or mostly deleted segments so a query visits at most ``MAX_SEGMENTS``."""
    live = [len(seg) - int(dead.sum()) for seg, dead in zip(segments, deleted)]
    keep = [i for i, n in enumerate(live) if n and n >= len(segments[i]) - n]
    merge = [i for i, n in enumerate(live) if n and i not in keep]
    if len(keep) + bool(merge) > MAX_SEGMENTS:
        keep.sort(key=lambda i: -live[i])
        merge += keep[MAX_SEGMENTS - 1 :]
        keep = keep[: MAX_SEGMENTS - 1]
    if not merge and len(keep) == len(segments):
        return segments, deleted
    kept = sorted(keep)
    out_segments = [segments[i] for i in kept]
    out_deleted = [deleted[i] for i in kept]
    if merge:
        merged = merge_segments(segment_name(), [(segments[i], deleted[i]) for i in sorted(merge)])
        out_segments.append(merged)
        out_deleted.append(np.zeros(len(merged), dtype=bool))
    return out_segments, out_deleted
