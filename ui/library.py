"""The corpus as the UI sees it: what is indexed, each article's text, and uploads into it."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunking import chunk_id
from rag.corpus import article_paths, decode_text, load_article
from rag.extracted import ExtractedStore
from rag.ingest import IngestReport
from rag.settings import Settings
from rag.store import StoredChunk

MAX_UPLOAD_BYTES = 1_000_000
UPLOAD_SUFFIXES = (".txt", ".md")
_SAFE_NAME = re.compile(r"^\w[\w .()-]{0,99}$")


@dataclass(frozen=True)
class ArticleInfo:
    doc_id: str
    title: str
    date: str | None
    outlet: str | None
    chunks: int


@dataclass
class UploadReport:
    saved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, why)
    ingest: IngestReport | None = None

    def lines(self) -> list[str]:
        lines = [f"Added {name}" for name in self.saved]
        lines += [f"{name} is already in the corpus (same text)" for name in self.unchanged]
        lines += [f"Refused {name}: {why}" for name, why in self.refused]
        if self.ingest is not None:
            lines.append(f"Index: {self.ingest.summary()}")
        return lines


Progress = Callable[[float, str], None]


class Library:
    """Reads go to the index (the source of truth); uploads go to the corpus folder, then ingest."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._building = threading.Lock()

    def _pipeline(self):
        from rag.pipeline import cached_pipeline

        # The very pipeline rag.ask_stream(settings=...) uses, so an ingest is seen at once;
        # built by one thread at a time (the page's first load races the startup sync).
        with self._building:
            return cached_pipeline(self.settings.model_dump_json())

    def articles(self) -> list[ArticleInfo]:
        """Indexed articles, newest first (undated last), then by title."""
        seen: dict[str, list] = {}
        for stored in self._pipeline().store.all_chunks():
            entry = seen.setdefault(stored.chunk.doc_id, [stored, 0])
            entry[1] += 1
        infos = [
            ArticleInfo(doc, s.title or doc, s.date, s.outlet, count)
            for doc, (s, count) in seen.items()
        ]
        return sorted(infos, key=lambda a: (a.date is None, _negated(a.date), a.title.lower()))

    def article(self, doc_id: str) -> tuple[ArticleInfo, str] | None:
        """An indexed article and its text (None for an id the index does not hold)."""
        store = self._pipeline().store
        first = store.get([chunk_id(doc_id, 0)]).get(chunk_id(doc_id, 0))
        if first is None:
            return None
        info = ArticleInfo(doc_id, first.title or doc_id, first.date, first.outlet, first.n_chunks)
        return info, self._text(doc_id, first)

    def article_text(self, doc_id: str) -> str | None:
        found = self.article(doc_id)
        return found[1] if found else None

    def _text(self, doc_id: str, first: StoredChunk) -> str:
        """The text citations index into: the corpus file while it matches what was indexed,
        else the indexed chunks laid back at their offsets (whitespace between them is lost)."""
        kept = ExtractedStore.in_data_dir(self.settings.data_dir).text(first.content_hash)
        if kept is not None:  # the extracted text, exactly as it was indexed
            return kept
        path = self._corpus_file(doc_id)
        if path is not None:
            try:
                article = load_article(path)
                if article.content_hash == first.content_hash:
                    return article.text
            except (OSError, ValueError):
                pass
        chunks = self._pipeline().store.get([chunk_id(doc_id, n) for n in range(first.n_chunks)])
        text: list[str] = []
        for s in sorted(chunks.values(), key=lambda s: s.chunk.start):
            text.extend(" " * (s.chunk.start - len(text)))
            text[s.chunk.start : s.chunk.end] = s.chunk.text
        return "".join(text)

    def texts(self, doc_ids: Iterable[str]) -> dict[str, str]:
        return {d: t for d in set(doc_ids) if (t := self.article_text(d)) is not None}

    def _corpus_file(self, doc_id: str) -> Path | None:
        corpus = Path(self.settings.corpus_dir)
        for suffix in UPLOAD_SUFFIXES:
            if (corpus / f"{doc_id}{suffix}").is_file():
                return corpus / f"{doc_id}{suffix}"
        return next((p for p in article_paths(corpus) if p.stem == doc_id), None)

    def sync(self) -> IngestReport:
        """Bring the index in step with the corpus folder (only new or changed files embed)."""
        report = self._pipeline().ingest(progress=True)
        if report.changed:
            _forget_pipelines()
        return report

    def add_files(self, uploads: list[tuple[str, Path]], progress: Progress) -> UploadReport:
        """Save each acceptable (name, temp file) into the corpus folder, then ingest."""
        report = UploadReport()
        corpus = Path(self.settings.corpus_dir)
        corpus.mkdir(parents=True, exist_ok=True)
        existing = {p.stem: p for p in article_paths(corpus)}
        for i, (name, source) in enumerate(uploads):
            progress(0.3 * i / max(1, len(uploads)), f"Checking {name}")
            try:
                data = read_upload(name, Path(source))
            except ValueError as err:
                report.refused.append((name, str(err)))
                continue
            stem = Path(name).stem
            if stem in existing:
                if existing[stem].read_bytes() == data:
                    report.unchanged.append(name)
                else:
                    why = f"an article with id {stem!r} exists already; rename the file"
                    report.refused.append((name, why))
                continue
            save_atomically(corpus / name, data)
            existing[stem] = corpus / name
            report.saved.append(name)
        if report.saved:
            progress(0.4, f"Indexing {len(report.saved)} article(s): embedding their chunks")
            report.ingest = self.sync()
        progress(1.0, "Done")
        return report


def read_upload(name: str, path: Path) -> bytes:
    """The upload's bytes, or ValueError saying why it is refused (name, type, size, content)."""
    if name != Path(name).name or "\\" in name or ".." in name:
        raise ValueError("file names may not contain folders or '..'")
    if not _SAFE_NAME.match(name):
        raise ValueError("use only letters, digits, spaces and . _ - ( ) in file names")
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise ValueError("only .txt and .md files are accepted")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise ValueError(f"{size:,} bytes is over the {MAX_UPLOAD_BYTES:,}-byte limit")
    data = path.read_bytes()
    if not decode_text(data).strip():  # decode_text refuses binary data with a reason
        raise ValueError("empty file")
    return data


def save_atomically(target: Path, data: bytes) -> None:
    """Written beside the target under a hidden name (ingest skips it), then renamed."""
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


def _forget_pipelines() -> None:
    """Pipelines for other settings (another answerer) reload the keyword index on next use."""
    from rag.pipeline import cached_pipeline

    cached_pipeline.cache_clear()


def _negated(date: str | None) -> tuple[int, ...]:
    return tuple(-int(x) for x in (date or "0").split("-") if x.isdigit())
