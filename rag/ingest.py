"""Corpus folder → Chroma, incrementally: only new or changed articles are embedded."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunking import Chunk, Chunker
from rag.corpus import Article, load_corpus
from rag.embedding import Embedder
from rag.exclusions import excluded
from rag.extracted import ExtractedStore
from rag.formats import SUFFIXES
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
        notes: dict[str, list[str]] = {}
        for path, note in self.warnings:
            notes.setdefault(path, []).append(note)
        for path, said in notes.items():  # one line per file
            text += f"\nwarning {path}: {'; '.join(said)}"
        return text


def ingest(
    corpus_dir: Path,
    chunker: Chunker,
    embedder: Embedder,
    store: ChunkStore,
    progress: bool = False,
    extracted: ExtractedStore | None = None,
    also: Sequence[Path] = (),
    exclude: frozenset[str] = frozenset(),
) -> IngestReport:
    """Bring the store in step with the folder (and those in ``also``); an article is deleted
    then re-added whole. Articles whose id (or dump) is in ``exclude`` are left out.

    With ``extracted`` (the data dir's copy of the extracted texts), every indexed article's
    text is kept there, and files are extracted again only when their bytes changed.
    """
    loaded = load_corpus(corpus_dir, extracted, also)
    if exclude:
        loaded.articles = [a for a in loaded.articles if not excluded(a.id, exclude)]
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
            f"No articles found in {corpus_dir}: add news files ({', '.join(SUFFIXES)}) "
            "or set RAG_CORPUS_DIR"
        )
    present = {a.id for a in loaded.articles}
    # A file that exists but failed to load keeps its indexed version rather than vanishing;
    # a duplicate's text is indexed under the other name.
    kept = {doc for doc in indexed.keys() - present if loaded.keeps(doc)}
    for doc_id in sorted(indexed.keys() - present - kept):
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
    if extracted is not None:
        for article in loaded.articles:  # before its chunks: a reader never misses the text
            if not extracted.has_text(article.content_hash):
                extracted.save_text(article.content_hash, article.text)
    _embed_and_store(todo, chunker, embedder, store, report, progress)
    rewritten = {a.id for a in todo}
    older = [d for d, a in indexed.items() if not a.dated and d not in rewritten]
    if older:  # stored before dates were filterable: their chunks get the field, not new vectors
        store.backfill_days(sorted(set(older) - set(report.removed)))
    if extracted is not None:
        texts = {a.content_hash for a in loaded.articles} | {indexed[d].content_hash for d in kept}
        extracted.prune(texts, loaded.file_hashes)
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
