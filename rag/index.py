"""The index: Chroma's chunks and vectors plus the BM25 segments beside them, kept in step.

One owner for both, with one write lock shared by every thread and process using the data
folder, so `rag serve` and a `rag ingest` in another terminal can run at once: writes take
turns, and a process whose keyword index another one has saved reloads it before its next
read or write.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from rag.chroma import drop_collection, open_collection, reopened_collection
from rag.chunking import Chunker
from rag.embedding import Embedder
from rag.extracted import ExtractedStore
from rag.ingest import IngestReport, ingest
from rag.keyword import MANIFEST, ArticleChunks, KeywordIndex, other_rules
from rag.locks import WriteLock
from rag.settings import Settings
from rag.store import ChunkStore

log = logging.getLogger("rag")


class Index:
    """Chunks in Chroma (``store``) and their BM25 terms (``keywords``), written together.

    ``keywords`` is immutable: an ingest swaps in a new one, so a reader holding the old one
    never sees half an update.
    """

    def __init__(
        self,
        settings: Settings,
        chunker: Chunker,
        embedder: Embedder,
        store: ChunkStore | None = None,
    ):
        self.settings = settings
        self.chunker = chunker
        self.embedder = embedder
        self.store = store or ChunkStore(open_collection(settings))
        self.lock = WriteLock(Path(settings.data_dir) / "locks" / f"{self.keyword_dir.name}.lock")
        self._seen: tuple | None = None  # the manifest's identity when keywords were loaded
        self._days_checked = False  # every stored chunk carries the ``day`` date filters read
        self.keywords = self._load_keywords()

    @property
    def keyword_dir(self) -> Path:
        return Path(self.settings.data_dir) / "bm25" / self.settings.collection_name()

    @property
    def ingest_marker(self) -> Path:
        """Present while an ingest may have changed the store but not yet the keyword index;
        left behind with no writer holding the lock, it says the last ingest was interrupted."""
        return self.keyword_dir.with_name(self.keyword_dir.name + ".ingesting")

    def current(self) -> KeywordIndex:
        """The keyword index, reloaded first if another process saved a newer one."""
        if self._saved_identity() != self._seen and not self.lock.held_elsewhere():
            with self.lock.writing():
                self._reload_if_saved_elsewhere()
        return self.keywords

    def _saved_identity(self) -> tuple | None:
        try:
            st = os.stat(self.keyword_dir / MANIFEST)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _save(self, index: KeywordIndex) -> KeywordIndex:
        index.save(self.keyword_dir)
        self._seen = self._saved_identity()
        return index

    def _load_keywords(self) -> KeywordIndex:
        """The saved keyword index, brought in step with the store only if it is not: when it
        is missing or unreadable, or an interrupted ingest may have changed the store after
        it was saved (the articles whose version differs are tokenized again)."""
        # An ingest running in another process leaves the marker too: that one is no
        # interruption, and its own end brings the keyword index in step.
        interrupted = self.ingest_marker.exists() and not self.lock.held_elsewhere()
        if interrupted:
            log.warning(
                "the last ingest into %s was interrupted: brought the keyword index in step "
                "with what was stored; `rag ingest` adds what is missing",
                self.settings.data_dir,
            )
        self._seen = self._saved_identity()
        try:
            saved = KeywordIndex.load(self.keyword_dir)
        except Exception:  # a damaged file the loader did not expect: the store has the truth
            saved = None
        if saved is None and self.keyword_dir.exists():
            why = "made under other word rules" if other_rules(self.keyword_dir) else "unreadable"
            log.warning("keyword index in %s was %s: rebuilt it", self.keyword_dir, why)
        saved = saved or KeywordIndex()
        stored = self.store.count()
        if len(saved) and not stored:
            log.warning(
                "the vector index in %s is empty but the keyword index lists %d chunks (was "
                "it deleted or moved?): `rag ingest` rebuilds it from %s",
                self.settings.data_dir,
                len(saved),
                self.settings.corpus_dir,
            )
        if len(saved) == stored and not interrupted:
            return saved
        if self.lock.held_elsewhere():  # another writer is mid-ingest: its save will be reloaded
            return saved
        with self.lock.writing():
            synced = self._synced_keywords(saved)
            if interrupted:  # vectors and keywords agree again on every complete article
                self.ingest_marker.unlink(missing_ok=True)
        return synced

    def _synced_keywords(self, index: KeywordIndex) -> KeywordIndex:
        """``index`` brought in step with what the store holds, article by article, and saved.

        Only articles added or changed since are tokenized; an article the store holds only
        in part (an interrupted write) waits for the ingest that completes it.
        """
        indexed = {doc: a for doc, a in self.store.articles().items() if a.complete}
        remove = [doc for doc in index.articles if doc not in indexed]
        changed = [doc for doc, a in indexed.items() if index.articles.get(doc) != a.content_hash]
        if remove or changed:
            ids = {doc: [f"{doc}#{n}" for n in range(indexed[doc].n_chunks)] for doc in changed}
            texts = self.store.texts([cid for doc_ids in ids.values() for cid in doc_ids])
            add = [
                ArticleChunks(doc, indexed[doc].content_hash, [(c, texts[c]) for c in ids[doc]])
                for doc in changed
            ]
            index = self._save(index.updated(remove=remove, add=add))
        return index

    def _keywords_after(self, report: IngestReport) -> KeywordIndex:
        """The keyword index plus the articles this ingest wrote (read back from the store),
        minus those it removed; nothing else is read or tokenized."""
        written = self.store.article_chunks(report.added + report.updated)
        index = self.keywords.updated(
            remove=report.removed + report.updated,
            add=[ArticleChunks(doc, key, chunks) for doc, (key, chunks) in written.items()],
        )
        return self._save(index)

    def ingest(
        self,
        corpus_dir: Path,
        progress: bool = False,
        also: tuple[Path, ...] = (),
        exclude: frozenset[str] = frozenset(),
    ) -> IngestReport:
        """Bring the index in step with ``corpus_dir`` and the folders in ``also``, less the
        ``exclude``d ids; only new or changed articles embed."""
        with self.lock.writing():
            self._reload_if_saved_elsewhere()
            was_interrupted = self.ingest_marker.exists()
            self.ingest_marker.parent.mkdir(parents=True, exist_ok=True)
            self.ingest_marker.touch()
            try:
                extracted = ExtractedStore.in_data_dir(self.settings.data_dir)
                report = ingest(
                    corpus_dir,
                    self.chunker,
                    self.embedder,
                    self.store,
                    progress,
                    extracted,
                    also,
                    exclude,
                )
            except Exception:  # e.g. the embedder failed half-way: keep what was written
                self.keywords = self._synced_keywords(self.keywords)
                self.ingest_marker.unlink(missing_ok=True)
                raise
            self.keywords = self._keywords_following(report, was_interrupted)
            self.ingest_marker.unlink(missing_ok=True)  # only now are vectors and keywords in step
            self._days_checked = True  # the ingest gave older chunks their ``day``
        return report

    def ensure_days(self) -> None:
        """Once per process, before the first date-filtered question: chunks an older version
        stored without ``day`` get it (from their date), so a filter never skips them."""
        if self._days_checked:
            return
        with self.lock.writing():
            older = [d for d, a in self.store.articles().items() if not a.dated]
            if older:
                log.warning("giving %d older articles the date field filters read", len(older))
                self.store.backfill_days(older)
            self._days_checked = True

    def _keywords_following(self, report: IngestReport, was_pending: bool) -> KeywordIndex:
        """The keyword index after an ingest: updated from its report and checked against the
        store's chunk count; compared article by article after an interrupted ingest."""
        if was_pending:
            return self._synced_keywords(self.keywords)
        keywords = self._keywords_after(report) if report.changed else self.keywords
        may_differ = report.changed or self.settings.chroma_is_remote()  # a shared server
        if may_differ and len(keywords) != self.store.count():
            keywords = self._synced_keywords(keywords)
        return keywords

    def remove(self, *doc_ids: str) -> None:
        """The articles' chunks out of the store and the keyword index, in one write."""
        with self.lock.writing():
            self._reload_if_saved_elsewhere()
            self.store.delete_articles(list(doc_ids))
            self.keywords = self._save(self.keywords.updated(remove=doc_ids))

    def _reload_if_saved_elsewhere(self) -> None:
        """(Holding the lock) another writer's ingest is what this one now reads and starts
        from: the store through a new client, and the keyword index it saved."""
        if self._saved_identity() != self._seen:
            self.store = ChunkStore(reopened_collection(self.settings))
            self.keywords = self._load_keywords()

    def rebuild(self) -> None:
        """Drop this model's collection and keyword index; an ingest then starts afresh."""
        with self.lock.writing():
            drop_collection(self.settings)
            self.store = ChunkStore(open_collection(self.settings))
            self.keywords = KeywordIndex()
            self._seen = None
