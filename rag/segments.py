"""A keyword-index segment: chunks tokenized once, stored term-major on disk (a query reads
only its own terms' postings), memory-mapped when loaded; and the merge of several."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

_ARRAYS = ("ids", "lengths", "vocab", "starts", "rows", "tfs")


@dataclass(frozen=True, eq=False)
class Segment:
    """Chunks tokenized once: per chunk its id and length, per term its postings (row, tf)."""

    name: str
    ids: np.ndarray  # chunk ids, one row each
    lengths: np.ndarray  # terms per chunk
    vocab: np.ndarray  # sorted distinct terms
    starts: np.ndarray  # postings of vocab[i] are rows/tfs[starts[i]:starts[i + 1]]
    rows: np.ndarray
    tfs: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def docs(self) -> np.ndarray:
        """The article id of each row (a chunk id is ``<article id>#<n>``)."""
        return np.char.rpartition(np.asarray(self.ids), "#")[:, 0]

    @classmethod
    def build(cls, name: str, chunks: list[tuple[str, list[str]]]) -> Segment:
        """From ``(chunk id, terms)`` pairs."""
        counts = [Counter(chunk_terms) for _, chunk_terms in chunks]
        posting_terms = np.array([t for c in counts for t in c], dtype=str)
        rows = np.repeat(np.arange(len(chunks), dtype=np.int32), [len(c) for c in counts])
        tfs = np.array([n for c in counts for n in c.values()], dtype=np.float32)
        vocab, term_ids = np.unique(posting_terms, return_inverse=True)
        return cls._from_postings(
            name,
            ids=np.array([cid for cid, _ in chunks], dtype=str),
            lengths=np.array([len(t) for _, t in chunks], dtype=np.int32),
            vocab=vocab,
            term_ids=term_ids.astype(np.int32),
            rows=rows,
            tfs=tfs,
        )

    @classmethod
    def _from_postings(cls, name, ids, lengths, vocab, term_ids, rows, tfs) -> Segment:
        order = np.lexsort((rows, term_ids))
        starts = np.searchsorted(term_ids[order], np.arange(len(vocab) + 1)).astype(np.int64)
        return cls(name, ids, lengths, vocab, starts, rows[order], tfs[order])

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self.vocab, term))
        if i >= len(self.vocab) or self.vocab[i] != term:
            return _EMPTY_ROWS, _EMPTY_TFS
        return self.rows[self.starts[i] : self.starts[i + 1]], self.tfs[
            self.starts[i] : self.starts[i + 1]
        ]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        for key in _ARRAYS:
            np.save(directory / f"{key}.npy", getattr(self, key), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> Segment:
        """Memory-mapped: a process start reads only the postings its queries touch."""
        arrays = {  # plain arrays over the mapping: np.memmap's subclass hooks cost per slice
            key: np.asarray(np.load(directory / f"{key}.npy", mmap_mode="r", allow_pickle=False))
            for key in _ARRAYS
        }
        return cls(directory.name, **arrays)


_EMPTY_ROWS = np.zeros(0, dtype=np.int32)
_EMPTY_TFS = np.zeros(0, dtype=np.float32)


def merge_segments(name: str, parts: list[tuple[Segment, np.ndarray]]) -> Segment:
    """One segment holding the live rows of ``(segment, deleted mask)`` parts, re-sorted."""
    vocab = np.unique(np.concatenate([seg.vocab for seg, _ in parts] + [np.array([], str)]))
    ids, lengths, term_ids, rows, tfs = [], [], [], [], []
    offset = 0
    for seg, deleted in parts:
        alive = ~deleted
        new_row = np.cumsum(alive, dtype=np.int64) - 1 + offset
        seg_terms = np.repeat(np.searchsorted(vocab, seg.vocab), np.diff(seg.starts))
        keep = alive[seg.rows]
        ids.append(np.asarray(seg.ids)[alive])
        lengths.append(np.asarray(seg.lengths)[alive])
        term_ids.append(seg_terms[keep])
        rows.append(new_row[seg.rows[keep]])
        tfs.append(np.asarray(seg.tfs)[keep])
        offset += int(alive.sum())
    return Segment._from_postings(
        name,
        ids=np.concatenate(ids).astype(str),
        lengths=np.concatenate(lengths).astype(np.int32),
        vocab=vocab,
        term_ids=np.concatenate(term_ids).astype(np.int32),
        rows=np.concatenate(rows).astype(np.int32),
        tfs=np.concatenate(tfs).astype(np.float32),
    )
