"""Chunks + vectors in Chroma, through llama-index's ChromaVectorStore."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from rag.chunking import Chunk
from rag.corpus import Article
from rag.dates import day_number
from rag.locks import ReadWriteLock

log = logging.getLogger("rag")


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as the store returns it: the chunk plus its article's metadata."""

    chunk: Chunk
    title: str
    date: str | None
    outlet: str | None
    content_hash: str
    n_chunks: int
    author: str | None = None
    url: str | None = None
    source: str = ""  # the file it was read from (a dump holds many articles)

    @property
    def id(self) -> str:
        return self.chunk.id

    @property
    def day(self) -> int:
        """The article's date as YYYYMMDD, 0 when undated (what date filters compare)."""
        return day_number(self.date)


@dataclass(frozen=True)
class IndexedArticle:
    doc_id: str
    content_hash: str
    n_chunks: int  # how many chunks the article was split into
    stored: int  # how many of them are in the store
    mixed: bool = False  # chunks of two versions, or numbers that are not 0..n-1
    dated: bool = True  # its chunks carry the ``day`` field date filters read (written since)

    @property
    def complete(self) -> bool:
        """Every chunk of one version is stored; anything else is re-ingested whole."""
        return self.stored == self.n_chunks and not self.mixed


class ChunkStore:
    """Chunks of whole articles: articles are written (or removed) in one locked step, so a
    reader inside ``reading()`` sees each article complete in one version, or absent.

    Writes go through llama-index's ChromaVectorStore; reads ask the collection directly,
    so answering a question never imports llama-index (seconds of a cold start)."""

    def __init__(self, collection):
        self._collection = collection
        self._lock = ReadWriteLock()

    @cached_property
    def _vectors(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._collection)

    def reading(self):
        """Hold while making several reads that must agree (a query, then a get)."""
        return self._lock.reading()

    @property
    def location(self) -> str:
        return self._collection.name

    def count(self) -> int:
        return self._collection.count()

    def replace_article(
        self, article: Article, chunks: list[Chunk], embeddings: list[list[float]]
    ) -> None:
        self.replace_articles([(article, chunks, embeddings)])

    def replace_articles(
        self,
        items: list[tuple[Article, list[Chunk], list[list[float]]]],
        stored: Iterable[str] | None = None,
    ) -> None:
        """The articles' old chunks out and their new ones in, with no reader in between.

        ``stored`` names the articles that may have chunks stored (default: all of them); the
        others need no delete. One Chroma delete then one add, whatever the number of articles
        (a call costs tens of ms whatever its size): a crash between them leaves those
        articles absent (re-added by the next ingest), never half present.
        """
        docs = [a.id for a, _, _ in items]
        old = docs if stored is None else sorted(set(docs) & set(stored))
        with self._lock.writing():
            if old:
                self._collection.delete(where={"doc_id": {"$in": old}})
            self.add_articles(items)

    def add(self, article: Article, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        self.add_articles([(article, chunks, embeddings)])

    def add_articles(self, items: list[tuple[Article, list[Chunk], list[list[float]]]]) -> None:
        """Several whole articles in one write; :meth:`replace_articles` is the locked one."""
        nodes = [
            node
            for article, chunks, vectors in items
            for node in nodes_of(article, chunks, vectors)
        ]
        if nodes:
            self._vectors.add(nodes)

    def backfill_days(self, doc_ids: list[str]) -> int:
        """Give the chunks of articles stored before dates were filterable their ``day``
        (from their ``date``), without re-embedding; returns how many chunks were updated."""
        updated = 0
        for start in range(0, len(doc_ids), 500):
            where = {"doc_id": {"$in": doc_ids[start : start + 500]}}
            with self._lock.writing():
                batch = self._collection.get(where=where, include=["metadatas"])
                if batch["ids"]:
                    days = [{"day": day_number(m.get("date"))} for m in batch["metadatas"]]
                    self._collection.update(ids=batch["ids"], metadatas=days)
            updated += len(batch["ids"])
        return updated

    def doc_ids_where(self, where: dict) -> frozenset[str]:
        """The articles whose chunks match ``where`` (read from their first chunks)."""
        found: set[str] = set()
        for batch in self._pages([], where={"$and": [{"n": 0}, where]}):
            found.update(cid.rpartition("#")[0] for cid in batch["ids"])
        return frozenset(found)

    def delete_article(self, doc_id: str) -> None:
        self.delete_articles([doc_id])

    def delete_articles(self, doc_ids: list[str]) -> None:
        """Every chunk of these articles (a whole dump's records at once)."""
        with self._lock.writing():
            for start in range(0, len(doc_ids), 500):
                self._collection.delete(where={"doc_id": {"$in": doc_ids[start : start + 500]}})

    def articles(self) -> dict[str, IndexedArticle]:
        """What the store holds, per article: read back from the store, the source of truth.

        Chunk ids say which chunks of an article are stored; each article's first chunk says
        its hash and how many there should be (reading every chunk's metadata would be ten
        times slower). An article whose first chunk is missing counts as incomplete, and one
        whose chunk numbers are not 0..n-1 as mixed. (Chunks of two versions under the same
        ids cannot arise: every write deletes an article's old chunks before adding new ones.)
        """
        numbers: dict[str, list[int]] = {}
        for batch in self._pages([]):
            for cid in batch["ids"]:
                doc, _, n = cid.rpartition("#")
                numbers.setdefault(doc, []).append(int(n))
        firsts = {
            meta["doc_id"]: meta
            for batch in self._pages(["metadatas"], where={"n": 0})
            for meta in batch["metadatas"]
        }
        return {doc: indexed_article(doc, firsts.get(doc), ns) for doc, ns in numbers.items()}

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

    def get_with_vectors(
        self, ids: list[str]
    ) -> tuple[dict[str, StoredChunk], dict[str, list[float]]]:
        """Chunks and their vectors in one read (a query's few passages, not bulk)."""
        if not ids:
            return {}, {}
        batch = self._collection.get(ids=ids, include=["metadatas", "documents", "embeddings"])
        rows = list(zip(batch["ids"], batch["documents"], batch["metadatas"], batch["embeddings"]))
        return (
            {cid: stored_chunk(cid, text, meta) for cid, text, meta, _ in rows},
            {cid: list(map(float, vector)) for cid, _, _, vector in rows},
        )

    def embeddings(self, ids: list[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        batch = self._collection.get(ids=ids, include=["embeddings"])
        return {cid: list(map(float, v)) for cid, v in zip(batch["ids"], batch["embeddings"])}

    def query(
        self, embedding: list[float], k: int, where: dict | None = None
    ) -> list[tuple[StoredChunk, float]]:
        """Nearest chunks (among those matching ``where``) with their cosine similarity, best
        first (fewer if the store is small)."""
        if k <= 0:
            return []
        result = self._collection.query(
            query_embeddings=[embedding],
            n_results=k,
            where=where,
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
                "day": day_number(article.date),
                "outlet": article.outlet or "",
                "author": article.author or "",
                "url": article.url or "",
                "source": str(article.path),
                "content_hash": article.content_hash,
                "n_chunks": len(chunks),
            },
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.id)},
        )
        for chunk, embedding in zip(chunks, embeddings, strict=True)
    ]


def indexed_article(doc_id: str, first: dict | None, numbers: list[int]) -> IndexedArticle:
    """From the article's first chunk's metadata (None if it is missing) and stored numbers."""
    content_hash = first["content_hash"] if first else ""
    n_chunks = int(first["n_chunks"]) if first else 0
    mixed = sorted(numbers) != list(range(len(numbers)))
    dated = first is None or "day" in first
    return IndexedArticle(doc_id, content_hash, n_chunks, len(numbers), mixed, dated)


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
        author=meta.get("author") or None,
        url=meta.get("url") or None,
        source=meta.get("source", ""),
    )
