"""Ask questions of a corpus of news articles; answers cite the exact sentence they rest on.

``Library`` is the one object an app builds (it owns the index and the answerers);
``ask`` and ``ask_stream`` are conveniences over one default Library per settings value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from rag.answer.base import ABSTAIN_TEXT, Answer, Answerer
from rag.articles import ArticleInfo
from rag.chats import ChatInfo, ChatStore
from rag.chunking import Chunker, minilm_token_counter
from rag.citations import Citation
from rag.corpus import load_corpus
from rag.embedding import Embedder, MiniLMEmbedder, minilm_dir
from rag.ingest import IngestReport
from rag.library import Library, Removal, Status, default_library
from rag.retrieval import Passage
from rag.settings import Settings
from rag.store import StoredChunk
from rag.support import SourceIndex
from rag.transcript import answer_text, conversation_markdown
from rag.uploads import (
    LARGEST_UPLOAD_BYTES,
    MAX_UPLOAD_BYTES,
    UPLOAD_LIMITS,
    UPLOAD_SUFFIXES,
    UploadReport,
)

__all__ = [
    "ABSTAIN_TEXT",
    "LARGEST_UPLOAD_BYTES",
    "MAX_UPLOAD_BYTES",
    "UPLOAD_LIMITS",
    "UPLOAD_SUFFIXES",
    "Answer",
    "Answerer",
    "ArticleInfo",
    "ChatInfo",
    "ChatStore",
    "Citation",
    "Embedder",
    "IngestReport",
    "Library",
    "Removal",
    "Settings",
    "Status",
    "UploadReport",
    "answer_text",
    "ask",
    "ask_stream",
    "conversation_markdown",
    # building blocks the eval's calibration scripts and the bench measure one at a time
    "Chunker",
    "MiniLMEmbedder",
    "Passage",
    "SourceIndex",
    "StoredChunk",
    "load_corpus",
    "minilm_dir",
    "minilm_token_counter",
]


def ask(
    question: str,
    history: list[dict] | None = None,
    *,
    settings: Settings | None = None,
    top_k: int | None = None,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    include_undated: bool = True,
) -> Answer:
    """Answer ``question`` from the articles, with [n] markers pointing at cited sentences.

    ``history`` is a list of OpenAI-style ``{"role", "content"}`` messages used to resolve
    follow-ups; ``since``/``until`` (dates or ISO strings) restrict retrieval to articles of
    that date range (undated ones kept unless ``include_undated=False``). The index is built
    on first use when it is empty.
    """
    settings = settings or Settings()
    library = default_library(settings)
    return library.ask(
        question,
        history,
        top_k=top_k,
        answerer=settings.answerer,
        since=since,
        until=until,
        include_undated=include_undated,
    )


def ask_stream(
    question: str,
    history: list[dict] | None = None,
    *,
    settings: Settings | None = None,
    top_k: int | None = None,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    include_undated: bool = True,
) -> Iterator[str | Answer]:
    """The streaming twin of :func:`ask`: yields text pieces as they come, then the ``Answer``.

    The pieces joined are a draft; the final ``Answer`` (always the last item) is the
    verified text with its citations, and is what a UI should show once it arrives.
    """
    settings = settings or Settings()
    library = default_library(settings)
    yield from library.ask_stream(
        question,
        history,
        top_k=top_k,
        answerer=settings.answerer,
        since=since,
        until=until,
        include_undated=include_undated,
    )
