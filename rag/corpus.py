"""Corpus loading: every news file under a folder becomes one Article (a dump, one per record).

The reader for each type lives in ``rag/formats/``; this module walks the folder, picks the
reader by suffix, gives each article its id (the file stem; ``<stem>:<record id or line>``
for a dump's records) and skips what cannot be read, with the reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.extracted import ExtractedStore
from rag.formats import MB, SUFFIXES, Extracted, Extraction, costly, extract, max_bytes
from rag.formats.encoding import decode_text, text_and_encoding

__all__ = ["Article", "CorpusLoad", "article_paths", "decode_text", "load_article"]
__all__ += ["load_corpus", "load_file", "read_source", "text_and_encoding"]

log = logging.getLogger("rag")

MAX_ARTICLE_BYTES = max_bytes(".txt")
MAX_NOTED_PROBLEMS = 5  # a dump's skipped records named in its one warning line


@dataclass(frozen=True)
class Article:
    id: str
    path: Path  # the source file (a dump holds many articles)
    text: str  # the extracted text: what is chunked and cited
    title: str  # "" when unknown
    date: str | None  # YYYY-MM-DD
    outlet: str | None
    content_hash: str  # of the text and metadata: a change means re-embedding
    notes: tuple[str, ...] = ()  # oddities worth a warning that did not stop the load
    author: str | None = None
    url: str | None = None


@dataclass
class CorpusLoad:
    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    duplicates: list[Path] = field(default_factory=list)  # skipped: same text as another file
    # Files that exist but were not read whole: their indexed articles are kept.
    unread: list[Path] = field(default_factory=list)
    file_hashes: set[str] = field(default_factory=set)  # of every file read, for the cache

    def skip(self, path: Path, reason: str) -> None:
        log.warning("skipped %s: %s", path, reason)
        self.skipped.append((path, reason))

    def warn(self, path: Path, note: str) -> None:
        log.warning("%s: %s", path, note)
        self.warnings.append((path, note))

    def keeps(self, doc_id: str) -> bool:
        """Whether an indexed article stays though it was not loaded: its file exists but
        could not be read (or a dump's line could not), so it may still hold it."""
        stems = {p.stem for p in self.unread} - {p.stem for p in self.duplicates}
        return doc_id in stems or (":" in doc_id and doc_id.partition(":")[0] in stems)


def load_corpus(
    corpus_dir: Path, extracted: ExtractedStore | None = None, also: Sequence[Path] = ()
) -> CorpusLoad:
    """Every article under ``corpus_dir`` (and the folders in ``also``, e.g. the uploads kept
    in the data dir, when they exist); a bad file is skipped with a warning, never fatal.

    A file with the same text as an earlier one (in path order) is skipped as a duplicate,
    so an answer never cites the same sentence twice under two names. With ``extracted``,
    web pages, PDFs and dumps are extracted again only when their bytes changed.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(
            f"Corpus folder {corpus_dir} does not exist: create it with articles "
            f"({', '.join(SUFFIXES)}) or set RAG_CORPUS_DIR"
        )
    result = CorpusLoad()
    claimed: dict[str, Path] = {}
    by_text: dict[str, tuple[str, str]] = {}  # text hash → (article id, where it is)
    paths = article_paths(corpus_dir)
    for folder in also:
        paths += article_paths(Path(folder)) if Path(folder).is_dir() else []
    for path in paths:
        if path.stem in claimed:
            result.skip(path, f"same article id as {claimed[path.stem]} (ids are file names)")
            result.unread.append(path)
            continue
        try:
            data = read_source(path)
            file_hash = hashlib.sha256(data).hexdigest()
            result.file_hashes.add(file_hash)
            articles, extraction = articles_in(path, data, file_hash, extracted)
        except FileNotFoundError:
            result.skip(path, "vanished while the corpus was read (deleted or moved)")
            continue
        except (OSError, ValueError) as err:
            result.skip(path, str(err))
            result.unread.append(path)
            continue
        claimed[path.stem] = path
        problems = list(extraction.problems)
        kept = []
        for article in articles:
            where = str(path) if len(articles) == 1 else article.id
            first, first_where = by_text.setdefault(text_hash(article.text), (article.id, where))
            if first == article.id:
                kept.append(article)
            elif len(articles) == 1:
                result.skip(path, f"same text as {first_where} (a duplicate)")
                result.duplicates.append(path)
            else:
                problems.append(f"record {article.id}: same text as {first_where} (a duplicate)")
        if not kept and path in result.duplicates:
            continue
        notes = list(extraction.notes) + ([skipped_records(problems)] if problems else [])
        if notes:
            result.warn(path, "; ".join(notes))
        if extraction.partial:
            result.unread.append(path)
        result.articles.extend(kept)
    return result


def skipped_records(problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_NOTED_PROBLEMS])
    more = len(problems) - MAX_NOTED_PROBLEMS
    tail = f"; and {more} more" if more > 0 else ""
    return f"{len(problems)} record(s) skipped: {shown}{tail}"


def article_paths(corpus_dir: Path) -> list[Path]:
    """Article files under the folder, hidden files and folders left out.

    ``os.walk`` ignores a folder that vanishes or cannot be listed while it walks.
    """
    paths = []
    for folder, dirs, files in os.walk(corpus_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(folder) / name
            if not name.startswith(".") and path.suffix.lower() in SUFFIXES and path.is_file():
                paths.append(path)
    return sorted(paths)


def load_file(
    path: Path, extracted: ExtractedStore | None = None
) -> tuple[list[Article], Extraction]:
    """The file's articles and its extraction (notes, skipped records).

    Raises ValueError (empty, binary, too large, no article in it) or OSError (unreadable).
    """
    data = read_source(path)
    return articles_in(path, data, hashlib.sha256(data).hexdigest(), extracted)


def read_source(path: Path) -> bytes:
    """The file's bytes, up to its type's size limit (ValueError past it)."""
    limit = max_bytes(path.suffix)
    with open(path, "rb") as file:
        data = file.read(limit + 1)  # a file still growing cannot get past the cap
    if len(data) > limit:
        raise ValueError(f"larger than {limit // MB} MB, not a news article")
    return data


def articles_in(
    path: Path, data: bytes, file_hash: str, extracted: ExtractedStore | None
) -> tuple[list[Article], Extraction]:
    extraction = _extraction(path.suffix, data, file_hash, extracted)
    return [article_of(path, a, extraction) for a in extraction.articles], extraction


def _extraction(
    suffix: str, data: bytes, file_hash: str, extracted: ExtractedStore | None
) -> Extraction:
    """The reader's result, from the data dir's cache when these bytes were read before."""
    cache = extracted if extracted is not None and costly(suffix) else None
    cached = cache.extraction(file_hash) if cache else None
    if isinstance(cached, str):
        raise ValueError(cached)
    if cached is not None:
        return cached
    try:
        result = extract(suffix, data)
    except ValueError as err:
        if cache:
            cache.save_extraction(file_hash, str(err))
        raise
    if cache:
        cache.save_extraction(file_hash, result)
    return result


def article_of(path: Path, found: Extracted, extraction: Extraction) -> Article:
    doc_id = path.stem if found.key is None else f"{path.stem}:{found.key}"
    return Article(
        id=doc_id,
        path=path,
        text=found.text,
        title=found.title,
        date=found.date,
        outlet=found.outlet,
        content_hash=content_hash(found),
        notes=extraction.notes if found.key is None else (),
        author=found.author,
        url=found.url,
    )


def load_article(path: Path) -> Article:
    """The one article of a text file, page or PDF; ValueError for a dump (it holds many)."""
    articles, _ = load_file(Path(path))
    if len(articles) != 1 or Path(path).suffix.lower() in (".jsonl", ".json", ".csv"):
        raise ValueError(f"{path} is an article dump: read it with load_file()")
    return articles[0]


def content_hash(found: Extracted) -> str:
    """Changes whenever what is indexed changes: the text or any metadata shown with it."""
    fields = [found.text, found.title, found.date, found.outlet, found.author, found.url]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()[:16]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
