"""The one place the pipeline is wired: settings → embedder, store, keyword index, answerer."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.answer.base import Answer, Answerer
from rag.chunking import Chunker, minilm_token_counter
from rag.conversation import require_valid_text, standalone_query, validate_history
from rag.embedding import Embedder, make_embedder
from rag.ingest import IngestReport, build_keyword_index, ingest
from rag.keyword import KeywordIndex
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.store import ChunkStore, open_collection

log = logging.getLogger("rag")


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
    def ingest_marker(self) -> Path:
        """Present while an ingest runs; left behind, it says the last one was interrupted."""
        return self.keyword_dir.with_name(self.keyword_dir.name + ".ingesting")

    def _load_keywords(self) -> KeywordIndex:
        """The saved BM25 index, rebuilt from the store when it is missing, unreadable or
        out of step (an interrupted ingest may have changed the store after it was saved)."""
        if self.ingest_marker.exists():
            log.warning(
                "the last ingest into %s was interrupted: rebuilt the keyword index from what "
                "was stored; `rag ingest` adds what is missing",
                self.settings.data_dir,
            )
            return self._rebuild_keywords()
        try:
            saved = KeywordIndex.load(self.keyword_dir)
        except Exception:  # a damaged file bm25s cannot parse: the store has the truth
            saved = None
        if saved is None and self.keyword_dir.exists():
            log.warning("keyword index in %s was unreadable: rebuilt it", self.keyword_dir)
        if saved is not None and len(saved) and not self.store.count():
            log.warning(
                "the vector index in %s is empty but the keyword index lists %d chunks (was "
                "it deleted or moved?): `rag ingest` rebuilds it from %s",
                self.settings.data_dir,
                len(saved),
                self.settings.corpus_dir,
            )
        if saved is not None and len(saved) == self.store.count():
            return saved
        return self._rebuild_keywords()

    def _rebuild_keywords(self) -> KeywordIndex:
        index = build_keyword_index(self.store)
        index.save(self.keyword_dir)
        return index

    def ingest(self, corpus_dir: Path | None = None, progress: bool = False) -> IngestReport:
        corpus = Path(corpus_dir or self.settings.corpus_dir)
        with self._lock:
            self.ingest_marker.parent.mkdir(parents=True, exist_ok=True)
            self.ingest_marker.touch()
            try:
                report = ingest(corpus, self.chunker, self.embedder, self.store, progress)
            except Exception:  # e.g. the embedder failed half-way: keep what was written
                self._swap_keywords(self._rebuild_keywords())
                self.ingest_marker.unlink()
                raise
            if report.changed or len(self.keywords) != self.store.count():
                self._swap_keywords(self._rebuild_keywords())
            self.ingest_marker.unlink()  # only now are the vectors and keywords in step
        return report

    def _swap_keywords(self, index: KeywordIndex) -> None:
        self.keywords = index
        self.retriever.keywords = index
        self.answerer = self._make_answerer(index)

    def ask(
        self, question: str, history: list[dict] | None = None, top_k: int | None = None
    ) -> Answer:
        question = validate_question(question, self.settings.max_question_chars)
        messages = validate_history(history)
        if self.store.count() == 0:
            self._ingest_first()
        query = standalone_query(question, messages)
        passages = self.retriever.retrieve(query, top_k or self.settings.top_k)
        return self.answerer.answer(question, passages, query=query)

    def _ingest_first(self) -> None:
        log.warning(
            "the index in %s is empty: building it from %s first",
            self.settings.data_dir,
            self.settings.corpus_dir,
        )
        self.ingest()

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
        if self.store.count() == 0:
            self._ingest_first()
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
    require_valid_text(question, "question")
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
        chunker=Chunker(settings.chunk_size, settings.chunk_overlap, minilm_token_counter()),
    )


def shared_embedder(settings: Settings) -> Embedder:
    """One embedder per model per process, however many settings variants use it."""
    return _embedder_for(settings.embedder, settings.embed_model, settings.embed_base_url)


@lru_cache(maxsize=4)
def _embedder_for(kind: str, model: str, base_url: str | None) -> Embedder:
    return make_embedder(Settings(embedder=kind, embed_model=model, embed_base_url=base_url))


@lru_cache(maxsize=8)
def cached_pipeline(settings_json: str) -> Pipeline:
    """``ask()``'s pipeline per distinct settings, so the model loads once per process."""
    return build_pipeline(Settings.model_validate_json(settings_json))
