"""Uploaded news files into the uploads folder of the data dir (``RAG_DATA_DIR/uploads/``),
with the checks every app applies. The user's corpus folder and the seeds are never written."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.corpus import article_paths, decode_text
from rag.formats import TEXT_SUFFIXES, extract
from rag.ingest import IngestReport

MB = 1_000_000
# Per type: a news article as text, a saved web page, a PDF, a dump of many articles.
UPLOAD_LIMITS = {".txt": 1 * MB, ".md": 1 * MB, ".html": 5 * MB, ".htm": 5 * MB}
UPLOAD_LIMITS |= {".pdf": 20 * MB, ".jsonl": 50 * MB, ".json": 50 * MB, ".csv": 50 * MB}
UPLOAD_SUFFIXES = tuple(UPLOAD_LIMITS)
MAX_UPLOAD_BYTES = UPLOAD_LIMITS[".txt"]  # a text article's limit (the smallest)
LARGEST_UPLOAD_BYTES = max(UPLOAD_LIMITS.values())
_SAFE_NAME = re.compile(r"^\w[\w .()-]{0,99}$")

Progress = Callable[[float, str], None]
Upload = tuple[str, "Path | bytes"]  # (file name as sent, temp file or its bytes)


def uploads_dir(data_dir: Path) -> Path:
    """Where uploads are kept: a corpus folder of the app's own, read by every ingest."""
    return Path(data_dir) / "uploads"


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


def save_uploads(
    folder: Path, uploads: list[Upload], progress: Progress, taken: dict[str, Path]
) -> UploadReport:
    """Each acceptable upload saved into ``folder``; the others refused with the reason. A
    new file under an article id already ``taken`` (by a file of the corpus folder or an
    earlier upload) is refused, so nothing stored is overwritten."""
    report = UploadReport()
    folder.mkdir(parents=True, exist_ok=True)
    existing = dict(taken) | {p.stem: p for p in article_paths(folder)}
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
        save_atomically(folder / name, data)
        existing[stem] = folder / name
        report.saved.append(name)
    return report


def read_upload(name: str, source: Path | bytes) -> bytes:
    """The upload's bytes, or ValueError saying why it is refused (name, type, size, content:
    a file that holds no article its reader can read)."""
    if name != Path(name).name or "\\" in name or ".." in name:
        raise ValueError("file names may not contain folders or '..'")
    if not _SAFE_NAME.match(name):
        raise ValueError("use only letters, digits, spaces and . _ - ( ) in file names")
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError(f"only {', '.join(UPLOAD_SUFFIXES)} files are accepted")
    limit = UPLOAD_LIMITS[suffix]
    size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
    if size > limit:
        raise ValueError(f"{size:,} bytes is over the {limit:,}-byte limit for {suffix} files")
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if suffix in TEXT_SUFFIXES:
        if not decode_text(data).strip():  # decode_text refuses binary data with a reason
            raise ValueError("empty file")
    else:
        extract(suffix, data)  # its reader says why it holds no article
    return data


def save_atomically(target: Path, data: bytes) -> None:
    """Written beside the target under a hidden name (ingest skips it), then renamed."""
    partial = target.with_name(f".{target.name}.part")
    partial.write_bytes(data)
    os.replace(partial, target)
