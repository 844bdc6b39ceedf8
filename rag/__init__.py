"""Ask questions of a corpus of news articles; answers cite the exact sentence they rest on."""

from __future__ import annotations

from collections.abc import Iterator

from rag.answer.base import Answer
from rag.citations import Citation
from rag.settings import Settings

__all__ = ["Answer", "Citation", "Settings", "ask", "ask_stream"]


def ask(
    question: str,
    history: list[dict] | None = None,
    *,
    settings: Settings | None = None,
    top_k: int | None = None,
) -> Answer:
    """Answer ``question`` from the articles, with [n] markers pointing at cited sentences.

    ``history`` is a list of OpenAI-style ``{"role", "content"}`` messages used to resolve
    follow-ups. The index is built on first use when it is empty.
    """
    from rag.pipeline import cached_pipeline

    settings = settings or Settings()
    return cached_pipeline(settings.model_dump_json()).ask(question, history, top_k=top_k)


def ask_stream(
    question: str,
    history: list[dict] | None = None,
    *,
    settings: Settings | None = None,
    top_k: int | None = None,
) -> Iterator[str | Answer]:
    """The streaming twin of :func:`ask`: yields text pieces as they come, then the ``Answer``.

    The pieces joined are a draft; the final ``Answer`` (always the last item) is the
    verified text with its citations, and is what a UI should show once it arrives.
    """
    from rag.pipeline import cached_pipeline

    settings = settings or Settings()
    yield from cached_pipeline(settings.model_dump_json()).ask_stream(question, history, top_k)
