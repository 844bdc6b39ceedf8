"""The two locks of the index: readers beside one writer within a process (the store), and
one writer at a time across threads and processes (the index, through ``flock``)."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ReadWriteLock:
    """Many readers or one writer, taking turns: readers waiting when a write ends go before
    the next write, and a waiting writer goes before readers that come later. So neither a
    stream of questions nor an ingest's back-to-back writes can starve the other.

    Not reentrant: a reader must not ask for the lock again while it holds it.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._readers = 0
        self._readers_waiting = 0
        self._readers_turn = False
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._changed:
            self._readers_waiting += 1
            self._changed.wait_for(
                lambda: not self._writing and (self._readers_turn or not self._writers_waiting)
            )
            self._readers_waiting -= 1
            self._readers += 1
            if not self._readers_waiting:
                self._readers_turn = False
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._changed:
            self._writers_waiting += 1
            self._changed.wait_for(
                lambda: not self._writing and not self._readers and not self._readers_turn
            )
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._readers_turn = self._readers_waiting > 0
                self._changed.notify_all()


class WriteLock:
    """One writer at a time across threads and processes (``flock`` on a file); reentrant
    for the thread holding it."""

    def __init__(self, path: Path):
        self.path = path
        self._threads = threading.Lock()
        self._owner: int | None = None
        self._depth = 0

    @contextmanager
    def writing(self) -> Iterator[None]:
        if self._owner == threading.get_ident():
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        with self._threads, self._flock(fcntl.LOCK_EX):
            self._owner, self._depth = threading.get_ident(), 1
            try:
                yield
            finally:
                self._owner, self._depth = None, 0

    def held_elsewhere(self) -> bool:
        """True while another thread or process is writing."""
        if self._owner == threading.get_ident():
            return False
        if not self._threads.acquire(blocking=False):
            return True
        try:
            with self._flock(fcntl.LOCK_EX | fcntl.LOCK_NB):
                return False
        except BlockingIOError:
            return True
        finally:
            self._threads.release()

    @contextmanager
    def _flock(self, how: int) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle:
            fcntl.flock(handle, how)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
