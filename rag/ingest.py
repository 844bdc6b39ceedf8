"""Corpus folder → Chroma, incrementally: only new or changed articles are embedded."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunking import Chunk, Chunker
from rag.corpus import Article, load_corpus
from rag.embedding import Embedder
from rag.store import ChunkStore

log = logging.getLogger("rag")
BATCH_CHUNKS = 256


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks_embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # loaded, but worth a look

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        text = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.chunks_embedded} chunks embedded"
        )
        for path, reason in self.skipped:
            text += f"\nskipped {path}: {reason}"
        for path, note in self.warnings:
            text += f"\nwarning {path}: {note}"
        return text


def ingest(
    corpus_dir: Path,
    chunker: Chunker,
    embedder: Embedder,
    store: ChunkStore,
    progress: bool = False,
) -> IngestReport:
    """Bring the store in step with the folder; an article is deleted then re-added whole."""
    loaded = load_corpus(corpus_dir)
    report = IngestReport(
        skipped=[(str(p), why) for p, why in loaded.skipped],
        warnings=[(str(p), note) for p, note in loaded.warnings],
    )
    indexed = store.articles()
    if not loaded.articles and indexed:
        raise FileNotFoundError(
            f"No readable articles in {corpus_dir}, but the index holds {len(indexed)}: refusing "
            "to delete them. Point RAG_CORPUS_DIR at the articles, or run `rag ingest --rebuild`"
        )
    if not loaded.articles:
        raise FileNotFoundError(
            f"No articles found in {corpus_dir}: add .txt or .md files or set RAG_CORPUS_DIR"
        )
    present = {a.id for a in loaded.articles}
    # A file that exists but failed to load keeps its indexed version rather than vanishing;
    # a duplicate's text is indexed under the other name.
    duplicates = {p.stem for p in loaded.duplicates}
    unreadable = {Path(p).stem for p, _ in loaded.skipped if Path(p).exists()} - duplicates
    for doc_id in sorted(indexed.keys() - present - unreadable):
        store.delete_article(doc_id)
        report.removed.append(doc_id)

    todo: list[Article] = []
    for article in loaded.articles:
        known = indexed.get(article.id)
        if known and known.content_hash == article.content_hash and known.complete:
            report.unchanged += 1
            continue
        (report.updated if known else report.added).append(article.id)
        todo.append(article)
    _embed_and_store(todo, chunker, embedder, store, report, progress)
    return report


def _embed_and_store(
    articles: list[Article],
    chunker: Chunker,
    embedder: Embedder,
    store: ChunkStore,
    report: IngestReport,
    progress: bool,
) -> None:
    """Embeds in large batches (throughput); each write holds whole articles (crash safety)."""
    from tqdm import tqdm

    pending: list[tuple[Article, list[Chunk]]] = [(a, chunker.chunks(a)) for a in articles]
    total = sum(len(chunks) for _, chunks in pending)
    bar = tqdm(total=total, unit="chunk", desc="embedding", disable=not progress or total < 200)
    batch: list[tuple[Article, list[Chunk]]] = []
    for item in pending:
        batch.append(item)
        if sum(len(c) for _, c in batch) >= BATCH_CHUNKS:
            _flush(batch, embedder, store, report, bar)
            batch = []
    _flush(batch, embedder, store, report, bar)
    bar.close()


def _flush(batch, embedder: Embedder, store: ChunkStore, report: IngestReport, bar) -> None:
    """One locked write replaces the whole batch; only articles with a stored version (the
    updated ones) need a delete."""
    texts = [chunk.text for _, chunks in batch for chunk in chunks]
    vectors = embedder.embed(texts)
    report.chunks_embedded += len(texts)
    stored_before = set(report.updated)
    items, offset = [], 0
    for article, chunks in batch:
        items.append((article, chunks, vectors[offset : offset + len(chunks)]))
        offset += len(chunks)
    store.replace_articles(items, stored=stored_before)
    bar.update(offset)
