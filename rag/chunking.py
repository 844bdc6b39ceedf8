"""Articles → chunks: sentence-aware llama-index splitting, each chunk keeping its span."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from rag.corpus import Article

# MiniLM reads at most 256 word pieces including [CLS] and [SEP].
MODEL_WINDOW = 254
# A word piece is rarely over 6 characters; a chunk far longer than its size in pieces is a
# run the tokenizer reads as one unknown piece (a base64 blob), and is cut by characters.
CHARS_PER_PIECE = 12


@dataclass(frozen=True)
class Chunk:
    id: str  # "<article id>#<n>"
    doc_id: str
    n: int
    text: str  # == article.text[start:end]
    start: int
    end: int


def chunk_id(doc_id: str, n: int) -> str:
    return f"{doc_id}#{n}"


def doc_id_of(chunk_id: str) -> str:
    """The article id a chunk id (``<article id>#<n>``) belongs to."""
    return chunk_id.rpartition("#")[0]


def chunk_number(chunk_id: str) -> int | None:
    """The ``n`` of ``<article id>#<n>`` (None for an id not of that form)."""
    n = chunk_id.rpartition("#")[2]
    return int(n) if n.isdigit() else None


@lru_cache(maxsize=1)
def minilm_token_counter() -> Callable[[str], list[int]]:
    """Word-piece tokenizer of the bundled MiniLM (tokenizers only: no torch import)."""
    from tokenizers import Tokenizer

    from rag.embedding import minilm_dir

    tokenizer = Tokenizer.from_file(str(Path(minilm_dir()) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: tokenizer.encode(text, add_special_tokens=False).ids


def minilm_tokens(text: str) -> list[int]:
    """``text``'s word pieces; the tokenizer loads on the first call (not to answer questions)."""
    return minilm_token_counter()(text)


class Chunker:
    """Splits articles with llama-index's SentenceSplitter, sized in the embedder's word pieces."""

    def __init__(self, chunk_size: int, chunk_overlap: int, tokenizer: Callable[[str], list]):
        if chunk_size > MODEL_WINDOW:
            raise ValueError(f"chunk_size {chunk_size} exceeds the model window of {MODEL_WINDOW}")
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self._tokenizer = tokenizer
        self._max_chars = chunk_size * CHARS_PER_PIECE

    @cached_property
    def _splitter(self):
        """Built on first use: a process that only answers questions never imports llama-index."""
        from llama_index.core.node_parser import SentenceSplitter

        return SentenceSplitter(
            chunk_size=self.chunk_size,
            chunk_overlap=self.chunk_overlap,
            tokenizer=self._tokenizer,
            include_metadata=False,
            include_prev_next_rel=False,
        )

    def chunks(self, article: Article) -> list[Chunk]:
        chunks: list[Chunk] = []
        cursor = 0
        for piece in self._splitter.split_text(article.text):
            start, end = piece_span(article.text, piece, cursor)
            cursor = start + 1
            for s, e in windows(start, end, self._max_chars):
                n = len(chunks)
                text = article.text[s:e]
                chunks.append(Chunk(chunk_id(article.id, n), article.id, n, text, s, e))
        return chunks


def windows(start: int, end: int, size: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut into consecutive spans of at most ``size`` characters."""
    return [(s, min(s + size, end)) for s in range(start, end, size)]


def piece_span(text: str, piece: str, cursor: int) -> tuple[int, int]:
    """Where a split piece sits in its article (pieces come in order and may overlap)."""
    found = text.find(piece, cursor)
    if found < 0:
        found = text.find(piece)
    if found < 0:
        raise ValueError(f"chunk text not found in its article: {piece[:60]!r}")
    return found, found + len(piece)
