"""The one place the pieces are wired: settings → embedder, index, answerer backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from rag.asking import Backend
from rag.chunking import Chunker, minilm_tokens
from rag.conversation import standalone_query
from rag.embedding import Embedder, make_embedder
from rag.index import Index
from rag.keyword import KeywordIndex
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.llm import ChatClient

BackendName = Literal["extractive", "openai", "local"]


def build_embedder(settings: Settings) -> Embedder:
    """The index's embedder, remembering the query vector retrieval made and each sentence's,
    for the answerer (which also reads their meaning under e5, answer/meaning.py)."""
    return remembering(make_embedder(settings), settings)


def remembering(embedder: Embedder, settings: Settings) -> Embedder:
    """``embedder`` remembering query and sentence vectors (answer/meaning.py), once; the
    sentences' also on disk in the data folder (rag/vector_cache.py)."""
    from rag.answer.meaning import SentenceVectors
    from rag.vector_cache import VectorCache

    if isinstance(embedder, SentenceVectors):
        return embedder
    return SentenceVectors(embedder, cache=VectorCache.in_data_dir(settings.data_dir))


def build_index(settings: Settings, embedder: Embedder) -> Index:
    chunker = Chunker(settings.chunk_size, settings.chunk_overlap, minilm_tokens)
    return Index(settings, chunker, embedder)


def build_chat_client(settings: Settings, name: BackendName = "openai") -> ChatClient:
    """One client (one connection pool) per library and model, for answers and condensing
    alike; ``local`` is llama.cpp's server for RAG_LLM_GGUF, started by the client on first
    use in a child process the client owns (``close()`` stops it)."""
    if name == "local":
        from rag.local_llm import local_chat_client

        return local_chat_client(settings)
    from rag.llm import ChatClient

    return ChatClient.from_settings(settings)


def build_backend(
    settings: Settings,
    name: BackendName,
    keywords: KeywordIndex,
    embedder: Embedder,
    chat_client: ChatClient | None,
) -> Backend:
    """Extractive offline; generative through ``chat_client``, verifying citations with
    ``embedder`` and falling back to the extractive answer when the model server fails."""
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.answer.meaning import SentenceVectors

    meaning = embedder.meaning if isinstance(embedder, SentenceVectors) else None
    extractive = ExtractiveAnswerer(keywords, meaning=meaning, threshold=settings.abstain_threshold)
    if name == "extractive":
        return Backend(extractive, standalone_query)
    if chat_client is None:
        raise ValueError(f"the {name} answerer needs a chat client")
    from rag.answer.generative import GenerativeAnswerer
    from rag.conversation import Condenser
    from rag.judge import SupportJudge

    gate = settings.generation_gate
    generative = GenerativeAnswerer(
        chat_client,
        embedder,
        extractive,
        settings.support_threshold,
        screen=extractive.read,
        gate_threshold=extractive.model.generation_threshold if gate is None else gate,
        judge=SupportJudge(chat_client) if settings.verify == "model" else None,
        reads_sentences=settings.reads_sentences(name),
    )
    return Backend(generative, Condenser(chat_client))
