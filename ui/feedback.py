"""Thumbs up/down on answers, appended to a JSONL file (one object a line, never rewritten)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path


class FeedbackLog:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, rating: str, question: str, answer: str) -> dict:
        """``rating`` is "up", "down" or "cleared" (a thumb clicked off again)."""
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "rating": rating,
            "question": question,
            "answer": answer,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        return entry
