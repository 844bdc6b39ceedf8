"""The one place the pipeline is wired: settings → embedder, store, keyword index, answerer."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.answer.base import Answer, Answerer, word_pieces
from rag.chunking import Chunker, chunk_id, chunk_number, doc_id_of, minilm_tokens
from rag.conversation import (
    MARKER,
    last_said,
    require_valid_text,
    standalone_query,
    validate_history,
    wants_more,
)
from rag.embedding import Embedder, make_embedder
from rag.ingest import IngestReport, ingest
from rag.keyword import ArticleChunks, KeywordIndex
from rag.retrieval import HybridRetriever, Passage
from rag.settings import Settings
from rag.store import ChunkStore, open_collection
from rag.terms import terms

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
        condense=None,
    ):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.chunker = chunker
        self._make_answerer = make_answerer or default_answerer_factory(settings, embedder)
        # history + question → standalone query; a language model's when one is configured
        self.condense = condense or default_condenser(settings)
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
        """Present while an ingest may have changed the store but not yet the keyword index;
        left behind, it says the last ingest was interrupted."""
        return self.keyword_dir.with_name(self.keyword_dir.name + ".ingesting")

    def _load_keywords(self) -> KeywordIndex:
        """The saved keyword index, brought in step with the store only if it is not: when it
        is missing or unreadable, or an interrupted ingest may have changed the store after
        it was saved (the articles whose version differs are tokenized again)."""
        interrupted = self.ingest_marker.exists()
        if interrupted:
            log.warning(
                "the last ingest into %s was interrupted: brought the keyword index in step "
                "with what was stored; `rag ingest` adds what is missing",
                self.settings.data_dir,
            )
        try:
            saved = KeywordIndex.load(self.keyword_dir)
        except Exception:  # a damaged file the loader did not expect: the store has the truth
            saved = None
        if saved is None and self.keyword_dir.exists():
            log.warning("keyword index in %s was unreadable: rebuilt it", self.keyword_dir)
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
        # The marker stays until an ingest completes: another process may be ingesting now.
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
            was_interrupted = self.ingest_marker.exists()
            self.ingest_marker.parent.mkdir(parents=True, exist_ok=True)
            self.ingest_marker.touch()
            try:
                report = ingest(corpus, self.chunker, self.embedder, self.store, progress)
            except Exception:  # e.g. the embedder failed half-way: keep what was written
                self._swap_keywords(self._synced_keywords(self.keywords))
                self.ingest_marker.unlink(missing_ok=True)
                raise
            keywords = self._keywords_following(report, was_interrupted)
            if keywords is not self.keywords:
                self._swap_keywords(keywords)
            self.ingest_marker.unlink(missing_ok=True)  # only now are vectors and keywords in step
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
        question, messages, query, passages = self._prepared(question, history, top_k)
        answer = self.answerer.answer(question, passages, query=query, history=messages)
        if (
            answer.abstained
            and query == question
            and messages
            and self.condense is standalone_query
        ):
            # It looked self-contained, but the conversation may be what makes it answerable
            # ("Who's the secretary general that needs replacing?" after the summit's agenda).
            # (A language model's condensing already judged that; no second model call then.)
            leaning = standalone_query(question, messages, assume_follow_up=True)
            passages = self.retrieve(leaning, question, messages, top_k)
            retried = self.answerer.answer(question, passages, query=leaning, history=messages)
            return retried if answers_own_words(question, retried) else answer
        return answer

    def _prepared(
        self, question: object, history: object, top_k: int | None
    ) -> tuple[str, list[dict], str, list[Passage]]:
        """Checked question and history, the standalone query, and its passages."""
        question = validate_question(question, self.settings.max_question_chars)
        messages = validate_history(history)
        if not len(self.keywords):  # it mirrors the store, without a round trip to Chroma
            self._ingest_first()
        query = self.condense(question, messages)
        return question, messages, query, self.retrieve(query, question, messages, top_k)

    def retrieve(
        self, query: str, question: str, messages: list[dict], top_k: int | None
    ) -> list[Passage]:
        """Passages for the standalone query; a follow-up keeps the last answer's articles, and
        "What else ...?" also reads on past the chunks the last answer quoted."""
        k = top_k or self.settings.top_k
        if query == question:
            return self.retriever.retrieve(query, k)
        cited = cited_chunks(messages, self.keywords)
        also = next_chunks(cited) if wants_more(question) else frozenset()
        return self.retriever.retrieve(query, k, prefer=articles_of(cited), also=also)

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
            yield from word_pieces(answer.text)
            yield answer
            return
        question, messages, query, passages = self._prepared(question, history, top_k)
        yield from stream(question, passages, query=query, history=messages)

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


def answers_own_words(question: str, answer: Answer) -> bool:
    """An answer that quotes some word of the question itself, not only of earlier turns
    ("What's the capital of Australia?" is not answered by the last topic's sentences)."""
    own = set(terms(question))
    quoted = set(terms(" ".join(c.quote for c in answer.citations)))
    return not answer.abstained and bool(own & quoted)


def cited_chunks(messages: list[dict], keywords: KeywordIndex) -> frozenset[str]:
    """The chunks the last answer quoted: its quotes find their own chunks by keywords."""
    quotes = [q for q in MARKER.split(last_said(messages, "assistant")) if len(q.split()) >= 4]
    return frozenset(cid for quote in quotes[:3] for cid, _ in keywords.search(quote, 1))


def articles_of(chunk_ids: frozenset[str]) -> frozenset[str]:
    return frozenset(doc_id_of(cid) for cid in chunk_ids)


def next_chunks(chunk_ids: frozenset[str]) -> frozenset[str]:
    """The chunk after each one, by the stable ``<article id>#<n>`` ids."""
    numbered = ((doc_id_of(cid), chunk_number(cid)) for cid in chunk_ids)
    following = {chunk_id(doc, n + 1) for doc, n in numbered if n is not None}
    return frozenset(following - chunk_ids)


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
    return without_markup(question.strip())


_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")


def without_markup(question: str) -> str:
    """The question without HTML tags and script/style blocks (pasted markup is not what is
    asked, and its rare words would outweigh the question's); unchanged if nothing is left."""
    text = _TAG.sub(" ", _SCRIPT.sub(" ", question))
    text = re.sub(r"\s{2,}", " ", text).strip()
    return text if re.search(r"\w", text) else question


def default_answerer_factory(settings: Settings, embedder: Embedder | None = None):
    """keyword index → answerer: extractive offline, generative when a model is configured.

    The generative answerer verifies citations with ``embedder`` and falls back to the
    extractive answer when the model server fails.
    """
    from rag.answer.extractive import ExtractiveAnswerer

    def extractive(keywords: KeywordIndex) -> Answerer:
        return ExtractiveAnswerer(keywords, settings.abstain_threshold)

    if settings.answerer_backend() == "extractive":
        return extractive
    from rag.answer.generative import GenerativeAnswerer

    client = shared_chat_client(settings)
    return lambda keywords: GenerativeAnswerer(
        client, embedder, extractive(keywords), settings.support_threshold
    )


def default_condenser(settings: Settings):
    """The offline rewrite, or condense-plus-context through the configured language model."""
    if settings.answerer_backend() == "extractive":
        return standalone_query
    from rag.conversation import Condenser

    return Condenser(shared_chat_client(settings))


def shared_chat_client(settings: Settings):
    """One client (one connection pool) per model server, for answers and condensing alike."""
    keys = ("llm_model", "llm_base_url", "llm_api_key", "llm_timeout", "llm_deadline")
    keys += ("llm_retries", "llm_backoff", "llm_max_tokens")
    if settings.answerer_backend() == "local":  # one llama.cpp server per model file
        keys = ("llm_gguf", "llm_threads", "llm_ctx", "llm_timeout", "llm_deadline")
        keys += ("llm_retries", "llm_backoff", "llm_max_tokens")
        return _local_client_for(settings.model_dump_json(include=set(keys)))
    return _chat_client_for(settings.model_dump_json(include=set(keys)))


@lru_cache(maxsize=2)
def _local_client_for(llm_settings_json: str):
    """Started on its first request; stopped by ``close()``, else when this process ends."""
    from rag.local_llm import local_chat_client

    return local_chat_client(Settings.model_validate_json(llm_settings_json))


@lru_cache(maxsize=4)
def _chat_client_for(llm_settings_json: str):
    from rag.llm import ChatClient

    return ChatClient.from_settings(Settings.model_validate_json(llm_settings_json))


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
