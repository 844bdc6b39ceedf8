"""Ask questions of a corpus of news articles; answers cite the exact sentence they rest on."""

from __future__ import annotations

from rag.answer.base import Answer
from rag.citations import Citation
from rag.settings import Settings

__all__ = ["Answer", "Citation", "Settings", "ask"]


def ask(
    question: str, history: list[dict] | None = None, *, settings: Settings | None = None
) -> Answer:
    """Answer ``question`` from the articles, with [n] markers pointing at cited sentences.

    ``history`` is a list of OpenAI-style ``{"role", "content"}`` messages used to resolve
    follow-ups. The index is built on first use when it is empty.
    """
    from rag.pipeline import cached_pipeline

    settings = settings or Settings()
    return cached_pipeline(settings.model_dump_json()).ask(question, history)
