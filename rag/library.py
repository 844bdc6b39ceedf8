"""`rag.Library`: the one object an app builds: it owns the index, the embedder and the
answerers, and every entry point (CLI, web chat, HTTP API, eval, bench) goes through it."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rag.answer.base import Answer, Answerer
from rag.articles import ArticleInfo, corpus_file, indexed_article, indexed_articles
from rag.asking import Asking, Backend, Condense, validate_question
from rag.conversation import standalone_query, validate_history
from rag.corpus import article_paths
from rag.dates import DateRange, date_range
from rag.embedding import Embedder
from rag.exclusions import Exclusions, excluded
from rag.ingest import IngestReport
from rag.pipeline import (
    build_backend,
    build_chat_client,
    build_embedder,
    build_index,
    remembering,
)
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.uploads import Progress, Upload, UploadReport, save_uploads, uploads_dir

if TYPE_CHECKING:
    from rag.llm import ChatClient

log = logging.getLogger("rag")
ANSWERERS = ("extractive", "openai", "local")


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


class Library:
    """Ask questions of the articles under ``settings``; ingest, list and remove them.

    Collaborators may be passed in (a deterministic ``embedder``, a scripted ``answerer``, a
    ``chat_client`` for the generative answerer, a ``condense`` function); the rest are built
    from ``settings``. Safe to share between threads: questions run side by side, writes
    (ingest, remove, uploads) one at a time, also against other processes on the data folder.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        answerer: Answerer | None = None,
        chat_client: ChatClient | None = None,
        condense: Condense | None = None,
    ):
        self.settings = settings or Settings()
        s = self.settings
        self.embedder = remembering(embedder, s) if embedder else build_embedder(s)
        self.index = build_index(self.settings, self.embedder)
        self._custom = Backend(answerer, condense or standalone_query) if answerer else None
        self._condense = condense
        self._chat_client = chat_client  # a client passed in is the caller's to close
        self._own_clients: dict[str, ChatClient] = {}  # built here, closed here
        if self.settings.answerer == "openai" and answerer is None:
            self._client("openai")  # unconfigured: say now what to set, not at the first question
        self._backends: dict[str, tuple[object, Backend]] = {}
        self._building = threading.Lock()
        self._closed = False
        self._preparing = threading.Lock()  # prepare_sentences: one run at a time
        self._prepare_again = False

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the model server's connections and the sentence vectors' file; asking
        afterwards raises RuntimeError."""
        self._closed = True
        for client in self._own_clients.values():
            close = getattr(client, "close", None)  # a local server stops with its client
            if close is None:
                close = getattr(getattr(client, "_client", None), "close", None)
            if close is not None:
                close()
        self._own_clients.clear()
        self._backends.clear()
        cache = getattr(self.embedder, "cache", None)  # the sentence vectors' file
        if cache is not None:
            cache.close()  # (one shared with another library reopens at its next use)

    # --- asking ---------------------------------------------------------------------------

    def answerers(self) -> list[str]:
        """The answerers this library can use: extractive always, openai and local when
        configured."""
        s = self.settings
        configured = self._chat_client is not None or bool(s.llm_api_key or s.llm_base_url)
        return ["extractive"] + ["openai"] * configured + ["local"] * bool(s.llm_gguf)

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        *,
        top_k: int | None = None,
        answerer: str | None = None,
        since: dt.date | str | None = None,
        until: dt.date | str | None = None,
        include_undated: bool = True,
    ) -> Answer:
        """Answer ``question`` from the articles, with [n] markers pointing at cited sentences.

        ``history`` is the conversation so far as OpenAI-style ``{"role", "content"}``
        messages (for follow-ups); ``answerer`` is "auto", "extractive" or "openai" (default:
        the settings' choice, or the answerer passed in). ``since``/``until`` (dates or ISO
        strings, both included) restrict retrieval to articles of that date range; undated
        articles stay in unless ``include_undated`` is False. An empty index is built first.
        """
        dates = date_range(since, until, include_undated)
        return self._asking(question, history, top_k, answerer, dates).ask(question, history)

    def ask_stream(
        self,
        question: str,
        history: list[dict] | None = None,
        *,
        top_k: int | None = None,
        answerer: str | None = None,
        since: dt.date | str | None = None,
        until: dt.date | str | None = None,
        include_undated: bool = True,
    ) -> Iterator[str | Answer]:
        """The streaming twin of :meth:`ask`: text pieces as they come, then the ``Answer``.

        The pieces joined are a draft; the final ``Answer`` (always the last item) is the
        verified text with its citations, and is what a UI should show once it arrives.
        """
        dates = date_range(since, until, include_undated)
        asking = self._asking(question, history, top_k, answerer, dates)
        yield from asking.ask_stream(question, history)

    def retrieve(self, query: str, top_k: int | None = None, mode: str | None = None) -> list:
        """The ranked passages (``Passage``: chunk, dense, BM25 and fused scores) for ``query``,
        by ``mode`` ("bm25", "dense", "hybrid"; default RAG_RETRIEVAL), without answering."""
        self._require_open()
        return self._retriever(self.index.current()).retrieve(
            query, top_k or self.settings.top_k, mode
        )

    def _retriever(self, keywords) -> HybridRetriever:
        s = self.settings
        return HybridRetriever(
            self.embedder, self.index.store, keywords, s.retrieval, s.candidates, s.rrf_k
        )

    def _asking(self, question, history, top_k, answerer, dates: DateRange) -> Asking:
        self._require_open()
        validate_question(question, self.settings.max_question_chars)
        validate_history(history)
        if top_k is not None and not 1 <= top_k <= 50:
            raise ValueError(f"top_k must be between 1 and 50, not {top_k}")
        keywords = self.index.current()
        if not len(keywords):  # it mirrors the store, without a round trip to Chroma
            log.warning(
                "the index in %s is empty: building it from %s first",
                self.settings.data_dir,
                self.settings.corpus_dir,
            )
            self.ingest()
            keywords = self.index.current()
        s = self.settings
        backend = self.backend(answerer, keywords)
        retriever = self._retriever(keywords)
        if dates.unbounded:
            filtered = None
        else:
            self.index.ensure_days()
            filtered = dates
        k = top_k or s.top_k
        return Asking(keywords, retriever, backend, k, s.max_question_chars, filtered)

    def backend(self, answerer: str | None = None, keywords=None) -> Backend:
        """The answerer (and its condensing) asked for, built once per keyword index."""
        if answerer is None and self._custom is not None:
            return self._custom
        name = answerer or self.settings.answerer
        if name == "auto":
            name = self.settings.model_copy(update={"answerer": "auto"}).answerer_backend()
            if self._chat_client is not None:
                name = "openai"
        if name not in ANSWERERS:
            raise ValueError(f"unknown answerer {name!r}: choose auto, extractive, openai or local")
        keywords = keywords if keywords is not None else self.index.current()
        with self._building:
            built = self._backends.get(name)
            if built is None or built[0] is not keywords:
                client = self._client(name) if name != "extractive" else None
                backend = build_backend(self.settings, name, keywords, self.embedder, client)
                if self._condense is not None:
                    backend = Backend(backend.answerer, self._condense)
                built = (keywords, backend)
                self._backends[name] = built
            return built[1]

    def _client(self, name: str) -> ChatClient:
        if name == "openai" and self._chat_client is not None:
            return self._chat_client
        if name not in self._own_clients:  # says what to set if unset
            self._own_clients[name] = build_chat_client(self.settings, name)
        return self._own_clients[name]

    # --- the articles ---------------------------------------------------------------------

    def ingest(
        self, path: Path | str | None = None, rebuild: bool = False, progress: bool = False
    ) -> IngestReport:
        """Bring the index in step with the corpus folder (or ``path``): new and changed
        articles are embedded, deleted ones dropped; ``rebuild`` starts from an empty index."""
        self._require_open()
        if rebuild:
            self.index.rebuild()
        s = self.settings
        exclude = Exclusions.in_data_dir(s.data_dir).ids()
        also = (uploads_dir(s.data_dir),)
        return self.index.ingest(Path(path or s.corpus_dir), progress, also, exclude)

    def articles(self) -> list[ArticleInfo]:
        """The indexed articles (id, title, date, outlet, chunks), newest first."""
        return indexed_articles(self.index.store)

    def article(self, article_id: str) -> ArticleInfo:
        """An indexed article with its ``text`` (what citations' spans index into)."""
        check_article_id(article_id)
        s = self.settings
        found = indexed_article(self.index.store, Path(s.corpus_dir), article_id, s.data_dir)
        if found is None:
            raise KeyError(f"no article {article_id!r} in the index")
        return found

    def texts(self, article_ids) -> dict[str, str]:
        """Texts of the indexed articles among ``article_ids`` (unknown ids are left out)."""
        store, corpus = self.index.store, Path(self.settings.corpus_dir)
        data = self.settings.data_dir
        found = {d: indexed_article(store, corpus, d, data) for d in set(article_ids)}
        return {d: a.text for d, a in found.items() if a is not None and a.text is not None}

    def add_files(self, uploads: list[Upload], progress: Progress | None = None) -> UploadReport:
        """Each acceptable ``(file name, temp path or bytes)`` saved into the uploads folder
        (``RAG_DATA_DIR/uploads/``), then indexed; refused ones (name, type, size, content,
        an id in use) say why. The corpus folder is the user's: nothing is written there."""
        progress = progress or (lambda fraction, text: None)
        s = self.settings
        corpus = Path(s.corpus_dir)
        taken = {p.stem: p for p in article_paths(corpus)} if corpus.is_dir() else {}
        report = save_uploads(uploads_dir(s.data_dir), uploads, progress, taken)
        if report.saved:
            progress(0.4, f"Indexing {len(report.saved)} article(s): embedding their chunks")
            report.ingest = self.ingest(progress=True)
        progress(1.0, "Done")
        return report

    def remove(self, article_id: str) -> Removal:
        """The article out of the index so that no ingest brings it back, and nothing lost.

        An uploaded file moves to ``RAG_DATA_DIR/removed/``; an article of the corpus folder
        (the user's own, never written) or one record of a dump (``<file stem>:<record>``)
        is recorded as excluded in ``RAG_DATA_DIR/excluded.txt`` and its file left as it is.
        A dump's file stem removes all its records.
        """
        self._require_open()
        check_article_id(article_id)
        s = self.settings
        indexed = set(self.index.current().articles)
        ids = sorted(d for d in indexed if d == article_id or d.startswith(f"{article_id}:"))
        uploaded = corpus_file(uploads_dir(s.data_dir), article_id)
        in_corpus = (
            corpus_file(Path(s.corpus_dir), article_id) if Path(s.corpus_dir).is_dir() else None
        )
        exclusions = Exclusions.in_data_dir(s.data_dir)
        if not ids and uploaded is None:
            if in_corpus is not None and excluded(article_id, exclusions.ids()):
                raise KeyError(f"{article_id!r} was removed already (see {exclusions.path})")
            if in_corpus is None and not self.index.store.get([f"{article_id}#0"]):
                raise KeyError(f"no article {article_id!r} in the index or the corpus folder")
            ids = [] if in_corpus is not None else [article_id]
        removal = Removal(article_id, ids)
        if uploaded is not None:
            aside = Path(s.data_dir) / "removed"
            aside.mkdir(parents=True, exist_ok=True)
            removal.moved_to = aside / f"{time.strftime('%Y%m%d-%H%M%S')}-{uploaded.name}"
            shutil.move(uploaded, removal.moved_to)
        else:  # the user's file (or one record of a dump) stays; ingests skip the id
            exclusions.add(article_id)
            removal.excluded_in = exclusions.path
        if ids:
            self.index.remove(*ids)
        return removal

    def prepare_sentences(self, stop: threading.Event | None = None, batch: int = 4) -> int:
        """Embed, ``batch`` at a time, every indexed sentence whose vectors are not yet kept
        in the data folder, so that no question waits for them (e5 costs ~50 ms a sentence);
        returns how many sentences it went through. `rag serve` runs it in the background
        once the index is in step and after uploads; ``stop`` ends it early, and so does the
        cache's size (a corpus of more sentences than it keeps has its first ones ready, the
        rest embedded as questions reach them). One run at a time: a call during a run
        returns 0 and has the run go over the index once more."""
        self._require_open()
        self._prepare_again = True
        if not self._preparing.acquire(blocking=False):
            return 0
        done = 0
        try:
            while self._prepare_again and not self._stopped(stop):
                self._prepare_again = False
                done += self._prepare_once(stop, batch)
        finally:
            self._preparing.release()
        return done

    def _prepare_once(self, stop: threading.Event | None, batch: int) -> int:
        from rag.answer.features import chunk_sentences

        # self.embedder is always the remembering one (pipeline.remembering)
        meaning, done, room = self.embedder.meaning, 0, self.embedder.room()
        for stored in self.index.store.all_chunks():
            sentences = [text for _, _, text in chunk_sentences(stored.chunk)]
            for i in range(0, len(sentences), batch):
                if self._stopped(stop):
                    return done
                if done >= room:  # more would push out what was just embedded
                    log.info("%d sentences embedded ahead; the rest as questions reach them", done)
                    return done
                meaning.prepare(sentences[i : i + batch])
                done += len(sentences[i : i + batch])
        return done

    def _stopped(self, stop: threading.Event | None) -> bool:
        return self._closed or (stop is not None and stop.is_set())

    def status(self) -> Status:
        articles = self.index.store.articles()
        s = self.settings
        where = (
            f"chroma://{s.chroma_host}:{s.chroma_port or 8000}/{self.index.store.location}"
            if s.chroma_is_remote()
            else f"{Path(s.data_dir) / 'chroma'} ({self.index.store.location})"
        )
        return Status(
            articles=sum(1 for a in articles.values() if a.complete),
            chunks=self.index.store.count(),
            model=self.embedder.name,
            store=where,
            corpus_dir=str(s.corpus_dir),
            data_dir=str(s.data_dir),
        )

    def _require_open(self) -> None:
        if self._closed:
            raise RuntimeError("this Library is closed: build a new one")


@dataclass
class Removal:
    """What ``Library.remove`` did: the ids taken out of the index, and where the file went
    (an upload, set aside) or where the exclusion is recorded (a corpus file, left alone)."""

    article_id: str
    removed: list[str]
    moved_to: Path | None = None
    excluded_in: Path | None = None

    def lines(self) -> list[str]:
        what = ", ".join(self.removed) if self.removed else "nothing indexed"
        lines = [f"removed {self.article_id} from the index ({what})"]
        if self.moved_to is not None:
            lines.append(f"the uploaded file is kept in {self.moved_to}")
        if self.excluded_in is not None:
            lines.append(
                f"its file is left untouched; recorded as excluded in {self.excluded_in}, so "
                "ingests skip it (delete that line to bring it back)"
            )
        return lines

    def to_dict(self) -> dict:
        return {
            "id": self.article_id,
            "removed": self.removed,
            "moved_to": str(self.moved_to) if self.moved_to else None,
            "excluded_in": str(self.excluded_in) if self.excluded_in else None,
        }


def check_article_id(article_id: object) -> None:
    """An article id is a file stem: no folders, no leading dot."""
    if not isinstance(article_id, str) or not article_id.strip():
        raise ValueError("an article id is a non-empty string (the file name without .txt)")
    if "/" in article_id or "\\" in article_id or article_id.startswith("."):
        raise ValueError(f"{article_id!r} is not an article id (a file name without .txt)")


_DEFAULTS: dict[str, Library] = {}
_DEFAULTS_LOCK = threading.Lock()
# Per-call choices: settings differing only in these share one Library (and one index).
PER_CALL = {"answerer", "top_k"}


def default_library(settings: Settings) -> Library:
    """``rag.ask``'s Library for these settings, built once per process; libraries for one
    embedding model share the embedder (the model loads once)."""
    key = settings.model_dump_json(exclude=PER_CALL)
    with _DEFAULTS_LOCK:
        library = _DEFAULTS.get(key)
        if library is None or library._closed:
            same_model = next(
                (
                    lib.embedder
                    for lib in _DEFAULTS.values()
                    if same_embedder(lib.settings, settings)
                ),
                None,
            )
            library = Library(settings, embedder=same_model)
            _DEFAULTS[key] = library
        return library


def same_embedder(a: Settings, b: Settings) -> bool:
    fields = ("embedder", "embed_model", "embed_base_url", "data_dir")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def close_default_libraries() -> None:
    """Close and forget ``rag.ask``'s libraries (the next call opens the index afresh)."""
    with _DEFAULTS_LOCK:
        for library in _DEFAULTS.values():
            library.close()
        _DEFAULTS.clear()
