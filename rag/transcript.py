"""Answers and conversations as plain text: what copying, exporting and `rag chat` print.

An answer is its text with the [n] markers, then one footnote per source:
``[1] Title — Outlet, date: “quote”``. Retrieval scores are never part of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def footnote(citation: Mapping) -> str:
    """``[n] Title — Outlet, date: “quote”`` (outlet and date when known)."""
    title = citation.get("title") or citation.get("doc_id") or "Untitled"
    meta = ", ".join(x for x in (citation.get("outlet"), citation.get("date")) if x)
    source = f"{title} — {meta}" if meta else title
    return f"[{citation['number']}] {source}: “{citation.get('quote', '')}”"


def answer_text(message: Mapping) -> str:
    """An assistant message (``Answer.to_message()`` or a saved one) as plain text."""
    citations = list(message.get("citations") or [])
    text = str(message.get("content", "")).strip()
    if not citations:
        return text
    return text + "\n\n" + "\n".join(footnote(c) for c in citations)


def conversation_markdown(messages: Iterable[Mapping], title: str | None = None) -> str:
    """A conversation as Markdown: each question, then its answer with the footnotes."""
    parts = [f"# {title}"] if title else []
    for message in messages:
        if message.get("role") == "user":
            parts.append(f"**You:** {str(message.get('content', '')).strip()}")
        elif message.get("role") == "assistant":
            answer = answer_text(message).replace("\n", "\n\n").replace("\n\n\n\n", "\n\n")
            parts.append(f"**Answer:** {answer}")
    return "\n\n".join(parts) + "\n"
