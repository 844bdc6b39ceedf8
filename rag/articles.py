"""What the index holds, article by article: the listing, and each article's text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.chunking import chunk_id
from rag.corpus import article_paths, load_article
from rag.extracted import ExtractedStore
from rag.store import ChunkStore, StoredChunk

TEXT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article; ``text`` is filled by ``Library.article`` only."""

    doc_id: str
    title: str
    date: str | None
    outlet: str | None
    chunks: int
    text: str | None = None
    source: str = ""  # the file it was read from (a dump's records share one)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "text" or v is not None}


def indexed_articles(store: ChunkStore) -> list[ArticleInfo]:
    """Indexed articles, newest first (undated last), then by title."""
    seen: dict[str, list] = {}
    for stored in store.all_chunks():
        entry = seen.setdefault(stored.chunk.doc_id, [stored, 0])
        entry[1] += 1
    infos = [
        ArticleInfo(doc, s.title or doc, s.date, s.outlet, count, source=s.source)
        for doc, (s, count) in seen.items()
    ]
    return sorted(infos, key=lambda a: (a.date is None, _negated(a.date), a.title.lower()))


def indexed_article(
    store: ChunkStore, corpus_dir: Path, doc_id: str, data_dir: Path | None = None
) -> ArticleInfo | None:
    """An indexed article with its text (None for an id the index does not hold)."""
    first = store.get([chunk_id(doc_id, 0)]).get(chunk_id(doc_id, 0))
    if first is None:
        return None
    text = _text(store, corpus_dir, doc_id, first, data_dir)
    return ArticleInfo(
        doc_id, first.title or doc_id, first.date, first.outlet, first.n_chunks, text, first.source
    )


def _text(
    store: ChunkStore, corpus_dir: Path, doc_id: str, first: StoredChunk, data_dir: Path | None
) -> str:
    """The text citations index into: the extracted text kept in the data dir, else the corpus
    file while it matches what was indexed, else the indexed chunks laid back at their offsets
    (whitespace between them is lost)."""
    if data_dir is not None:
        kept = ExtractedStore.in_data_dir(data_dir).text(first.content_hash)
        if kept is not None:  # the extracted text, exactly as it was indexed
            return kept
    path = corpus_file(corpus_dir, doc_id)
    if path is not None:
        try:
            article = load_article(path)
            if article.content_hash == first.content_hash:
                return article.text
        except (OSError, ValueError):
            pass
    chunks = store.get([chunk_id(doc_id, n) for n in range(first.n_chunks)])
    text: list[str] = []
    for s in sorted(chunks.values(), key=lambda s: s.chunk.start):
        text.extend(" " * (s.chunk.start - len(text)))
        text[s.chunk.start : s.chunk.end] = s.chunk.text
    return "".join(text)


def corpus_file(corpus_dir: Path, doc_id: str) -> Path | None:
    """The file in the corpus folder whose stem is ``doc_id``, if any."""
    corpus = Path(corpus_dir)
    for suffix in TEXT_SUFFIXES:
        if (corpus / f"{doc_id}{suffix}").is_file():
            return corpus / f"{doc_id}{suffix}"
    return next((p for p in article_paths(corpus) if p.stem == doc_id), None)


def _negated(date: str | None) -> tuple[int, ...]:
    return tuple(-int(x) for x in (date or "0").split("-") if x.isdigit())
