"""The Answer every backend returns, and the one-method interface they share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from rag.citations import Citation, Verification

if TYPE_CHECKING:
    from rag.retrieval import Passage

ABSTAIN_TEXT = "The articles don't say."


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[Citation]
    abstained: bool
    query: str  # the standalone query retrieval used
    passages: list[Passage] = field(default_factory=list, repr=False)
    # Generated sentences no retrieved source supports: left out of ``text``, listed here.
    unsupported: list[str] = field(default_factory=list)
    notice: str | None = None
    # Set by generative answerers: what the citation check kept, repaired and removed.
    verification: Verification | None = None
    # The short answer the text leads with ("Ana Ruiz"), when the question asks for a
    # name, place, date or number; a follow-up's "she" or "that city" stands for it.
    short: str | None = None

    def to_message(self) -> dict:
        """This answer as an assistant message for ``history``: the OpenAI fields plus the state
        a follow-up reads (citations, short answer, the names the quotes give)."""
        from rag.conversation import entities_of

        return {
            "role": "assistant",
            "content": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "short": self.short,
            "entities": entities_of(" ".join(c.quote for c in self.citations)),
        }

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "query": self.query,
            "unsupported": list(self.unsupported),
            "notice": self.notice,
            "short": self.short,
            "verification": self.verification.to_dict() if self.verification else None,
            "passages": [
                {
                    "chunk_id": p.chunk.id,
                    "doc_id": p.chunk.doc_id,
                    "title": p.stored.title,
                    "rank": p.rank,
                    "dense": round(p.dense, 4),
                    "bm25": round(p.bm25, 4),
                    "fused": round(p.fused, 5),
                }
                for p in self.passages
            ],
        }


def word_pieces(text: str) -> list[str]:
    """``text`` as the pieces a stream hands out when it has the whole answer at once."""
    return re.findall(r"\S+\s*", text)


def abstention(query: str, passages: list[Passage] | None = None) -> Answer:
    return Answer(ABSTAIN_TEXT, [], True, query, list(passages or []))


class Answerer(Protocol):
    """A backend. Generative ones may also offer ``stream(question, passages, query, history)``
    yielding text pieces and then the final ``Answer`` (see ``Pipeline.ask_stream``)."""

    def answer(
        self,
        question: str,
        passages: list[Passage],
        query: str | None = None,
        history: list[dict] | None = None,
    ) -> Answer:
        """Answer ``question`` from ``passages`` only; ``query`` is the standalone form used,
        ``history`` the validated conversation so far."""
        ...
