"""The Chroma client and collection for the settings: embedded on disk or a `chroma run`
server; opened, reopened, checked readable, dropped, or set aside when damaged."""

from __future__ import annotations

import logging
from pathlib import Path

from rag.settings import Settings

log = logging.getLogger("rag")


class DamagedIndexError(RuntimeError):
    """The on-disk index cannot be read; the message says how to rebuild it."""

    def __init__(self, settings: Settings, err: BaseException):
        reason = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        super().__init__(
            f"The index in {chroma_path(settings)} is damaged or unreadable ({reason}). "
            f"Rebuild it from {settings.corpus_dir} with `rag ingest --rebuild`."
        )


def chroma_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "chroma"


def chroma_client(settings: Settings):
    """Embedded on disk under RAG_DATA_DIR, or a `chroma run` server at RAG_CHROMA_HOST/PORT."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_is_remote():
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port or 8000, settings=chroma_settings
        )
    path = chroma_path(settings)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RuntimeError(
            f"Cannot use {settings.data_dir} as the data folder ({err.strerror}): point "
            "RAG_DATA_DIR at a folder you can write to"
        ) from err
    try:
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as err:  # chromadb raises its own errors for a damaged database
        raise DamagedIndexError(settings, err) from err


def open_collection(settings: Settings):
    """The collection for this embedding model, created on first use, checked readable.

    A damaged database or vector index is reported here, at start, with the rebuild hint,
    rather than as a traceback from the first question.
    """
    client = chroma_client(settings)
    try:
        collection = client.get_or_create_collection(
            settings.collection_name(),
            metadata={"hnsw:space": "cosine", "embed_model": settings.embed_model},
            embedding_function=None,
        )
        check_readable(collection)
    except Exception as err:
        if settings.chroma_is_remote():
            raise
        raise DamagedIndexError(settings, err) from err
    return collection


def reopened_collection(settings: Settings):
    """The collection through a new client: an embedded Chroma keeps what it has read in
    memory, so writes by another process are seen only by a client opened after them. (The
    old client is left to whoever still holds it.)"""
    if not settings.chroma_is_remote():
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(chroma_path(settings)), None)
    return open_collection(settings)


def check_readable(collection) -> None:
    """One stored vector fetched and searched for: touches the metadata and the vector index."""
    if collection.count() == 0:
        return
    sample = collection.get(limit=1, include=["embeddings"])
    vector = [float(x) for x in sample["embeddings"][0]]
    collection.query(query_embeddings=[vector], n_results=1, include=["metadatas"])


def drop_collection(settings: Settings) -> None:
    """Delete this model's collection and keyword index (``rag ingest --rebuild``).

    A local index too damaged to open is moved aside (kept, never deleted) for a fresh one.
    """
    import shutil

    try:
        client = chroma_client(settings)
        if settings.collection_name() in [c.name for c in client.list_collections()]:
            client.delete_collection(settings.collection_name())
    except Exception as err:
        if settings.chroma_is_remote() or not chroma_path(settings).is_dir():
            raise
        set_aside(settings, err)
    shutil.rmtree(Path(settings.data_dir) / "bm25" / settings.collection_name(), ignore_errors=True)


def set_aside(settings: Settings, err: BaseException) -> Path:
    """Renames the damaged Chroma folder, so the rebuild starts from an empty one."""
    import time

    from chromadb.api.shared_system_client import SharedSystemClient

    path = chroma_path(settings)
    aside = path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(aside)
    SharedSystemClient.clear_system_cache()  # forget the half-opened client of the old folder
    log.warning("moved the damaged index %s aside to %s (%s); rebuilding", path, aside, err)
    return aside
