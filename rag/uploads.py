"""Uploaded article files into the corpus folder, with the checks every app applies."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.articles import TEXT_SUFFIXES
from rag.corpus import article_paths, decode_text
from rag.ingest import IngestReport

MAX_UPLOAD_BYTES = 1_000_000
UPLOAD_SUFFIXES = TEXT_SUFFIXES
_SAFE_NAME = re.compile(r"^\w[\w .()-]{0,99}$")

Progress = Callable[[float, str], None]
Upload = tuple[str, "Path | bytes"]  # (file name as sent, temp file or its bytes)


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


def save_uploads(corpus: Path, uploads: list[Upload], progress: Progress) -> UploadReport:
    """Each acceptable upload saved into ``corpus``; the others refused with the reason. A new
    text under an existing article id is refused, so nothing stored is overwritten."""
    report = UploadReport()
    corpus.mkdir(parents=True, exist_ok=True)
    existing = {p.stem: p for p in article_paths(corpus)}
    for i, (name, source) in enumerate(uploads):
        progress(0.3 * i / max(1, len(uploads)), f"Checking {name}")
        try:
            data = read_upload(name, source)
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
    return report


def read_upload(name: str, source: Path | bytes) -> bytes:
    """The upload's bytes, or ValueError saying why it is refused (name, type, size, content)."""
    if name != Path(name).name or "\\" in name or ".." in name:
        raise ValueError("file names may not contain folders or '..'")
    if not _SAFE_NAME.match(name):
        raise ValueError("use only letters, digits, spaces and . _ - ( ) in file names")
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise ValueError("only .txt and .md files are accepted")
    size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise ValueError(f"{size:,} bytes is over the {MAX_UPLOAD_BYTES:,}-byte limit")
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if not decode_text(data).strip():  # decode_text refuses binary data with a reason
        raise ValueError("empty file")
    return data


def save_atomically(target: Path, data: bytes) -> None:
    """Written beside the target under a hidden name (ingest skips it), then renamed."""
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(data)
    os.replace(partial, target)
