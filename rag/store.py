"""Chunks + vectors in Chroma, through llama-index's ChromaVectorStore."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rag.chunking import Chunk
from rag.corpus import Article
from rag.settings import Settings


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as the store returns it: the chunk plus its article's metadata."""

    chunk: Chunk
    title: str
    date: str | None
    outlet: str | None
    content_hash: str
    n_chunks: int

    @property
    def id(self) -> str:
        return self.chunk.id


@dataclass(frozen=True)
class IndexedArticle:
    doc_id: str
    content_hash: str
    n_chunks: int  # how many chunks the article was split into
    stored: int  # how many of them are in the store

    @property
    def complete(self) -> bool:
        return self.stored == self.n_chunks


def chroma_client(settings: Settings):
    """Embedded on disk under RAG_DATA_DIR, or a `chroma run` server at RAG_CHROMA_HOST/PORT."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_is_remote():
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port or 8000, settings=chroma_settings
        )
    path = Path(settings.data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def open_collection(settings: Settings):
    """The collection for this embedding model, created on first use."""
    return chroma_client(settings).get_or_create_collection(
        settings.collection_name(),
        metadata={"hnsw:space": "cosine", "embed_model": settings.embed_model},
        embedding_function=None,
    )


class ChunkStore:
    """Writes go through llama-index's ChromaVectorStore; reads ask the collection directly,
    so answering a question never imports llama-index (seconds of a cold start)."""

    def __init__(self, collection):
        self._collection = collection

    @cached_property
    def _vectors(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._collection)

    @property
    def location(self) -> str:
        return self._collection.name

    def count(self) -> int:
        return self._collection.count()

    def add(self, article: Article, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        self.add_articles([(article, chunks, embeddings)])

    def add_articles(self, items: list[tuple[Article, list[Chunk], list[list[float]]]]) -> None:
        """Several whole articles in one write: a Chroma call costs tens of ms whatever its size."""
        nodes = [
            node
            for article, chunks, vectors in items
            for node in nodes_of(article, chunks, vectors)
        ]
        if nodes:
            self._vectors.add(nodes)

    def delete_article(self, doc_id: str) -> None:
        self._vectors.delete(ref_doc_id=doc_id)

    def articles(self) -> dict[str, IndexedArticle]:
        """What the store holds, per article: read back from the store, the source of truth.

        Chunk ids say how many chunks of an article are stored; each article's first chunk
        says its hash and how many there should be (reading every chunk's metadata would be
        ten times slower). An article whose first chunk is missing counts as incomplete.
        """
        stored: dict[str, int] = {}
        for batch in self._pages([]):
            for cid in batch["ids"]:
                doc = cid.rsplit("#", 1)[0]
                stored[doc] = stored.get(doc, 0) + 1
        firsts = {
            meta["doc_id"]: meta
            for batch in self._pages(["metadatas"], where={"n": 0})
            for meta in batch["metadatas"]
        }
        return {
            doc: IndexedArticle(
                doc,
                firsts[doc]["content_hash"] if doc in firsts else "",
                int(firsts[doc]["n_chunks"]) if doc in firsts else 0,
                count,
            )
            for doc, count in stored.items()
        }

    def _pages(
        self, include: list[str], page: int = 5000, where: dict | None = None
    ) -> Iterator[dict]:
        """The whole collection, a page at a time (Chroma caps what one get returns)."""
        offset = 0
        while True:
            batch = self._collection.get(include=include, limit=page, offset=offset, where=where)
            yield batch
            if len(batch["ids"]) < page:
                return
            offset += page

    def all_chunks(self) -> Iterator[StoredChunk]:
        for batch in self._pages(["metadatas", "documents"]):
            for cid, text, meta in zip(batch["ids"], batch["documents"], batch["metadatas"]):
                yield stored_chunk(cid, text, meta)

    def get(self, ids: list[str]) -> dict[str, StoredChunk]:
        found: dict[str, StoredChunk] = {}
        for start in range(0, len(ids), 5000):
            batch = self._collection.get(
                ids=ids[start : start + 5000], include=["metadatas", "documents"]
            )
            found.update(
                (cid, stored_chunk(cid, text, meta))
                for cid, text, meta in zip(batch["ids"], batch["documents"], batch["metadatas"])
            )
        return found

    def texts(self, ids: list[str]) -> dict[str, str]:
        """Chunk texts alone (what the keyword index needs), for any number of ids."""
        found: dict[str, str] = {}
        for start in range(0, len(ids), 5000):
            batch = self._collection.get(ids=ids[start : start + 5000], include=["documents"])
            found.update(zip(batch["ids"], batch["documents"]))
        return found

    def article_chunks(self, doc_ids: list[str]) -> dict[str, tuple[str, list[tuple[str, str]]]]:
        """Per article: its content hash and its stored ``(chunk id, text)``s in chunk order."""
        rows: dict[str, tuple[str, list]] = {}
        for start in range(0, len(doc_ids), 500):
            where = {"doc_id": {"$in": doc_ids[start : start + 500]}}
            batch = self._collection.get(where=where, include=["documents", "metadatas"])
            for cid, text, meta in zip(batch["ids"], batch["documents"], batch["metadatas"]):
                entry = rows.setdefault(meta["doc_id"], (meta["content_hash"], []))
                entry[1].append((int(meta["n"]), cid, text))
        return {
            doc: (key, [(cid, text) for _, cid, text in sorted(chunks)])
            for doc, (key, chunks) in rows.items()
        }

    def embeddings(self, ids: list[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        batch = self._collection.get(ids=ids, include=["embeddings"])
        return {cid: list(map(float, v)) for cid, v in zip(batch["ids"], batch["embeddings"])}

    def query(self, embedding: list[float], k: int) -> list[tuple[StoredChunk, float]]:
        """Nearest chunks with their cosine similarity, best first (fewer if the store is small)."""
        if k <= 0:
            return []
        result = self._collection.query(
            query_embeddings=[embedding],
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )
        # The collection's space is cosine: distance = 1 - cosine similarity.
        return [
            (stored_chunk(cid, text, meta), 1.0 - distance)
            for cid, text, meta, distance in zip(
                result["ids"][0],
                result["documents"][0],
                result["metadatas"][0],
                result["distances"][0],
            )
        ]


def nodes_of(article: Article, chunks: list[Chunk], embeddings: list[list[float]]) -> list:
    """llama-index TextNodes carrying the metadata :func:`stored_chunk` reads back."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    return [
        TextNode(
            id_=chunk.id,
            text=chunk.text,
            embedding=embedding,
            start_char_idx=chunk.start,
            end_char_idx=chunk.end,
            metadata={
                "doc_id": article.id,
                "n": chunk.n,
                "start": chunk.start,
                "title": article.title,
                "date": article.date or "",
                "outlet": article.outlet or "",
                "content_hash": article.content_hash,
                "n_chunks": len(chunks),
            },
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.id)},
        )
        for chunk, embedding in zip(chunks, embeddings, strict=True)
    ]


def stored_chunk(cid: str, text: str, meta: dict) -> StoredChunk:
    start = int(meta["start"])
    chunk = Chunk(cid, meta["doc_id"], int(meta["n"]), text, start, start + len(text))
    return StoredChunk(
        chunk=chunk,
        title=meta.get("title", ""),
        date=meta.get("date") or None,
        outlet=meta.get("outlet") or None,
        content_hash=meta.get("content_hash", ""),
        n_chunks=int(meta.get("n_chunks", 0)),
    )


def drop_collection(settings: Settings) -> None:
    """Delete this model's collection and keyword index (``rag ingest --rebuild``)."""
    import shutil

    client = chroma_client(settings)
    if settings.collection_name() in [c.name for c in client.list_collections()]:
        client.delete_collection(settings.collection_name())
    shutil.rmtree(Path(settings.data_dir) / "bm25" / settings.collection_name(), ignore_errors=True)
