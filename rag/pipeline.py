"""The one place the pipeline is wired: settings → embedder, store, keyword index, answerer."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.answer.base import Answer, Answerer
from rag.chunking import Chunker, minilm_tokens
from rag.conversation import standalone_query, validate_history
from rag.embedding import Embedder, make_embedder
from rag.ingest import IngestReport, ingest
from rag.keyword import ArticleChunks, KeywordIndex
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.store import ChunkStore, open_collection


@dataclass(frozen=True)
class Status:
    articles: int
    chunks: int
    model: str
    store: str
    corpus_dir: str
    data_dir: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        store: ChunkStore,
        chunker: Chunker,
        make_answerer=None,
    ):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.chunker = chunker
        self._make_answerer = make_answerer or default_answerer_factory(settings)
        self._lock = threading.RLock()
        self.keywords = self._load_keywords()
        self.retriever = HybridRetriever(
            embedder, store, self.keywords, settings.retrieval, settings.candidates, settings.rrf_k
        )
        self.answerer: Answerer = self._make_answerer(self.keywords)

    @property
    def keyword_dir(self) -> Path:
        return Path(self.settings.data_dir) / "bm25" / self.settings.collection_name()

    @property
    def _keywords_pending(self) -> Path:
        """Present while an ingest may have changed the store but not yet the keyword index."""
        return self.keyword_dir.with_name(self.keyword_dir.name + ".pending")

    def _load_keywords(self) -> KeywordIndex:
        """The saved keyword index, as it is unless the store may have moved on without it: an
        interrupted ingest, or a Chroma server (shared) whose chunk count differs from it."""
        saved = KeywordIndex.load(self.keyword_dir)
        pending = self._keywords_pending.exists()
        if saved is not None and not pending and not self.settings.chroma_is_remote():
            return saved
        saved = saved or KeywordIndex()
        if not pending and len(saved) == self.store.count():
            return saved
        return self._synced_keywords(saved)

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
            index = index.updated(remove=remove, add=add)
            index.save(self.keyword_dir)
        self._keywords_pending.unlink(missing_ok=True)
        return index

    def _keywords_after(self, report: IngestReport) -> KeywordIndex:
        """The keyword index plus the articles this ingest wrote (read back from the store),
        minus those it removed; nothing else is read or tokenized."""
        written = self.store.article_chunks(report.added + report.updated)
        index = self.keywords.updated(
            remove=report.removed + report.updated,
            add=[ArticleChunks(doc, key, chunks) for doc, (key, chunks) in written.items()],
        )
        index.save(self.keyword_dir)
        return index

    def ingest(self, corpus_dir: Path | None = None, progress: bool = False) -> IngestReport:
        corpus = Path(corpus_dir or self.settings.corpus_dir)
        with self._lock:
            was_pending = self._keywords_pending.exists()
            self._keywords_pending.parent.mkdir(parents=True, exist_ok=True)
            self._keywords_pending.touch()
            report = ingest(corpus, self.chunker, self.embedder, self.store, progress=progress)
            keywords = self._keywords_following(report, was_pending)
            if keywords is not self.keywords:
                self._swap_keywords(keywords)
            self._keywords_pending.unlink(missing_ok=True)
        return report

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

    def _swap_keywords(self, index: KeywordIndex) -> None:
        self.keywords = index
        self.retriever.keywords = index
        self.answerer = self._make_answerer(index)

    def ask(
        self, question: str, history: list[dict] | None = None, top_k: int | None = None
    ) -> Answer:
        question = validate_question(question, self.settings.max_question_chars)
        messages = validate_history(history)
        if not len(self.keywords):  # it mirrors the store, without a round trip to Chroma
            self.ingest()
        query = standalone_query(question, messages)
        passages = self.retriever.retrieve(query, top_k or self.settings.top_k)
        return self.answerer.answer(question, passages, query=query)

    def ask_stream(
        self, question: str, history: list[dict] | None = None, top_k: int | None = None
    ) -> Iterator[str | Answer]:
        """Text pieces as they are produced, then the final ``Answer`` as the last item.

        Answerers with a ``stream`` method (generative ones) stream for real; the
        extractive answer is computed whole and handed out word by word.
        """
        stream = getattr(self.answerer, "stream", None)
        if stream is None:
            answer = self.ask(question, history, top_k)
            yield from re.findall(r"\S+\s*", answer.text)
            yield answer
            return
        question = validate_question(question, self.settings.max_question_chars)
        messages = validate_history(history)
        if not len(self.keywords):  # it mirrors the store, without a round trip to Chroma
            self.ingest()
        query = standalone_query(question, messages)
        passages = self.retriever.retrieve(query, top_k or self.settings.top_k)
        yield from stream(question, passages, query=query)

    def status(self) -> Status:
        articles = self.store.articles()
        s = self.settings
        where = (
            f"chroma://{s.chroma_host}:{s.chroma_port or 8000}/{self.store.location}"
            if s.chroma_is_remote()
            else f"{Path(s.data_dir) / 'chroma'} ({self.store.location})"
        )
        return Status(
            articles=sum(1 for a in articles.values() if a.complete),
            chunks=self.store.count(),
            model=self.embedder.name,
            store=where,
            corpus_dir=str(s.corpus_dir),
            data_dir=str(s.data_dir),
        )


def validate_question(question: object, limit: int) -> str:
    if not isinstance(question, str):
        raise TypeError(f"question must be a str, not {type(question).__name__}")
    if not question.strip():
        raise ValueError("question is empty: ask something about the articles")
    if len(question) > limit:
        raise ValueError(
            f"question is {len(question):,} characters long; the limit is {limit:,}. Shorten it."
        )
    return question.strip()


def default_answerer_factory(settings: Settings):
    from rag.answer.extractive import ExtractiveAnswerer

    if settings.answerer == "openai":
        raise ValueError(
            "RAG_ANSWERER=openai is not available in this version; use 'extractive' or 'auto'"
        )
    return lambda keywords: ExtractiveAnswerer(keywords, settings.abstain_threshold)


def build_pipeline(settings: Settings | None = None, embedder: Embedder | None = None) -> Pipeline:
    settings = settings or Settings()
    return Pipeline(
        settings=settings,
        embedder=embedder or shared_embedder(settings),
        store=ChunkStore(open_collection(settings)),
        chunker=Chunker(settings.chunk_size, settings.chunk_overlap, minilm_tokens),
    )


def shared_embedder(settings: Settings) -> Embedder:
    """One embedder per model per process, however many settings variants use it."""
    s = settings
    return _embedder_for(s.embedder, s.embed_model, s.embed_base_url, str(s.data_dir))


@lru_cache(maxsize=4)
def _embedder_for(kind: str, model: str, base_url: str | None, data_dir: str) -> Embedder:
    return make_embedder(
        Settings(embedder=kind, embed_model=model, embed_base_url=base_url, data_dir=data_dir)
    )


@lru_cache(maxsize=8)
def cached_pipeline(settings_json: str) -> Pipeline:
    """``ask()``'s pipeline per distinct settings, so the model loads once per process."""
    return build_pipeline(Settings.model_validate_json(settings_json))
