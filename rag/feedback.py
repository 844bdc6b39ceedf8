"""Feedback on answers: an append-only JSON Lines log beside the index (RAG_DATA_DIR).

Each entry is one line written by a single ``write`` on a file opened for appending, so
earlier lines are never rewritten and lines from concurrent writers never interleave. A
line torn by a crash costs only that entry.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("rag")

FILE_NAME = "feedback.jsonl"


def feedback_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def append_feedback(path: Path, entry: dict) -> dict:
    """Appends ``entry`` (JSON-serialisable, given a ``time`` if it has none) as one line.

    Raises TypeError/ValueError, writing nothing, when the entry cannot be stored as JSON.
    """
    if not isinstance(entry, dict):
        raise TypeError(f"feedback must be a dict, not {type(entry).__name__}")
    entry = {"time": datetime.now(UTC).isoformat(timespec="seconds"), **entry}
    line = json.dumps(entry, ensure_ascii=False, allow_nan=False) + "\n"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        if not _ends_a_line(fd):
            line = "\n" + line  # a torn last line (a crash mid-write) stays apart from this one
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def _ends_a_line(fd: int) -> bool:
    size = os.fstat(fd).st_size
    return size == 0 or os.pread(fd, 1, size - 1) == b"\n"


def read_feedback(path: Path) -> list[dict]:
    """Every whole entry in order; a torn or foreign line is skipped with a warning."""
    path = Path(path)
    if not path.exists():
        return []
    entries = []
    with open(path, encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if not isinstance(entry, dict):
                log.warning("%s line %d is not a feedback entry: skipped", path, number)
                continue
            entries.append(entry)
    return entries
