"""Citations: numbered pointers to an exact sentence span of an article."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Citation:
    number: int
    doc_id: str
    title: str
    date: str | None
    outlet: str | None
    quote: str  # == article text[start:end], always
    start: int
    end: int
    score: float
    chunk_id: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Support:
    """One answer sentence and the article span that backs it, before numbering."""

    sentence: str
    doc_id: str
    chunk_id: str
    title: str
    date: str | None
    outlet: str | None
    quote: str
    start: int
    end: int
    score: float


def number_citations(supports: list[Support]) -> tuple[str, list[Citation]]:
    """Answer text with a marker after each sentence, numbered in order of first use.

    A span cited twice keeps its first number.
    """
    numbers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for s in supports:
        key = (s.doc_id, s.start, s.end)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            citations.append(
                Citation(
                    numbers[key],
                    s.doc_id,
                    s.title,
                    s.date,
                    s.outlet,
                    s.quote,
                    s.start,
                    s.end,
                    round(s.score, 4),
                    s.chunk_id,
                )
            )
        parts.append(f"{s.sentence} [{numbers[key]}]")
    return " ".join(parts), citations


@dataclass(frozen=True)
class Verification:
    """What the citation check did to the markers a language model wrote.

    ``markers`` = ``kept`` + ``repaired`` + ``removed``; ``added`` markers went on
    supported sentences the model left bare; ``unsupported`` sentences carry none.
    """

    markers: int = 0
    kept: int = 0
    repaired: int = 0  # re-attached to the retrieved source that supports the sentence
    removed: int = 0
    added: int = 0
    unsupported: int = 0

    def to_dict(self) -> dict:
        return asdict(self)
