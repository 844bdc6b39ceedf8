"""Sentence vectors kept on disk (SQLite in the data folder), so that a sentence is embedded
once for good rather than once per process: the next `rag ask`, a restarted chat or a second
process on the same folder reads them back. e5 costs ~50 ms a news sentence on one core, the
bulk of an answer over sentences not seen before.

A cache, not a store: rows are keyed by model and a hash of the text, the oldest go first
past ``limit``; a file held by another process past ``timeout`` is skipped that once, and any
other failure (a read-only folder, a damaged file) turns the cache off with one warning. The
vectors are then computed as before.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger("rag")

FILE_NAME = "sentence-vectors.sqlite"
_BATCH = 500  # keys per SELECT (SQLite allows 999 parameters in old builds)


class VectorCache:
    def __init__(self, path: Path, limit: int = 100_000, timeout: float = 2.0):
        self.path = Path(path)
        self.limit = limit
        self._timeout = timeout
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._off = False

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> VectorCache:
        return cls(Path(data_dir) / FILE_NAME)

    def get(self, model: str, texts: list[str]) -> dict[str, np.ndarray]:
        """The vectors known for ``texts`` under ``model`` (those missing are left out)."""
        keys = {key_of(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        with self._lock:
            db = self._connection()
            if db is None or not keys:
                return found
            wanted = list(keys)
            try:
                for i in range(0, len(wanted), _BATCH):
                    part = wanted[i : i + _BATCH]
                    marks = ",".join("?" * len(part))
                    rows = db.execute(
                        f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                        (model, *part),
                    )
                    for key, blob in rows:
                        found[keys[key]] = np.frombuffer(blob, dtype=np.float32).copy()
            except sqlite3.Error as err:
                self._turn_off(err)
        return found

    def put(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Remember ``vectors`` (text → vector) under ``model``; past ``limit`` rows, the
        oldest are dropped."""
        if not vectors:
            return
        rows = [
            (model, key_of(t), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in vectors.items()
        ]
        with self._lock:
            db = self._connection()
            if db is None:
                return
            try:
                with db:
                    db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", rows)
                    (newest,) = db.execute("SELECT MAX(rowid) FROM vectors").fetchone()
                    if newest and newest > self.limit:
                        db.execute("DELETE FROM vectors WHERE rowid <= ?", (newest - self.limit,))
            except sqlite3.Error as err:
                self._turn_off(err)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and not self._off:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=self._timeout, check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS vectors "
                    "(model TEXT, key BLOB, vector BLOB, PRIMARY KEY (model, key))"
                )
                self._db = db
            except (OSError, sqlite3.Error) as err:
                self._turn_off(err)
        return self._db

    def _turn_off(self, err: Exception) -> None:
        if isinstance(err, sqlite3.OperationalError) and "locked" in str(err):
            return  # another process holds the file longer than ``timeout``: skip this once
        log.warning("sentence vectors are not kept on disk (%s: %s)", self.path, err)
        self._off = True
        if self._db is not None:
            self._db.close()
            self._db = None


def kept_or_computed(
    cache: VectorCache | None,
    model: str,
    texts: list[str],
    compute: Callable[[list[str]], Sequence],
) -> dict[str, np.ndarray]:
    """Each of ``texts``' vectors: the ones ``cache`` keeps under ``model``, the rest from
    ``compute`` (then kept)."""
    found = cache.get(model, texts) if cache else {}
    new = [t for t in texts if t not in found]
    if new:
        vectors = compute(new)
        computed = {t: np.asarray(v, dtype=np.float32) for t, v in zip(new, vectors, strict=True)}
        found.update(computed)
        if cache:
            cache.put(model, computed)
    return found


def key_of(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).digest()
