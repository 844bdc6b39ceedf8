"""The app's one ``rag.Library``, opened on first use: the page comes up before the index."""

from __future__ import annotations

import logging
import threading
import time

import rag

log = logging.getLogger("rag")


class LazyLibrary:
    """Builds ``rag.Library(settings)`` the first time it is needed, once, for every thread."""

    def __init__(self, settings: rag.Settings, library: rag.Library | None = None):
        self.settings = settings
        self._library = library
        self._opening = threading.Lock()

    def get(self) -> rag.Library:
        if self._library is None:
            with self._opening:
                if self._library is None:
                    self._library = rag.Library(self.settings)
        return self._library

    def answerers(self) -> list[str]:
        """What ``Library.answerers()`` gives, without opening the index to find out."""
        if self._library is not None:
            return self._library.answerers()
        s = self.settings
        return (
            ["extractive"]
            + ["openai"] * bool(s.llm_api_key or s.llm_base_url)
            + ["local"] * bool(s.llm_gguf)
        )

    def __getattr__(self, name: str):
        """Every Library method, on the opened Library."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)

    def close(self) -> None:
        if self._library is not None:
            self._library.close()


class Readiness(threading.Event):
    """Set once `rag serve` has brought the index in step; ``phase`` says what it is doing
    meanwhile and ``started`` when it began (the page shows both)."""

    def __init__(self) -> None:
        super().__init__()
        self.phase = "Opening the index"
        self.started = time.monotonic()

    def step(self, phase: str) -> None:
        self.phase = phase


def prepare_sentences(library) -> None:
    """``library.prepare_sentences()``; a failure is a warning, since answers embed what they
    need themselves."""
    try:
        library.prepare_sentences()
    except Exception as err:
        log.warning("embedding the sentences ahead of questions stopped: %s", err)


def prepare_in_background(library) -> None:
    """``prepare_sentences`` in a thread of its own, so that an upload's reply returns now
    and the first question on the new articles finds their sentences ready."""
    threading.Thread(target=prepare_sentences, args=(library,), daemon=True).start()
