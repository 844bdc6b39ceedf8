"""Named checks a chosen answer must pass beside the fitted gate: facts about answers in
general that the dev questions show too seldom for the gate's weights to learn them. Each
has a one-line reason and a unit test on text of its own (tests/test_extractive.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rag.answer.question import Question
from rag.answer.spans import new_spans


@dataclass(frozen=True)
class Check:
    name: str
    reason: str
    passes: Callable[[Question, list[str], frozenset[str]], bool]  # question, quotes, asked


def _gives_a_figure(q: Question, quotes: list[str], asked: frozenset[str]) -> bool:
    return not q.amount or any(new_spans("number", t, asked, q.unit) for t in quotes)


CHECKS: tuple[Check, ...] = (
    Check(
        "figure",
        "a how-many or how-much question is answered by a figure (of its unit), not by a "
        "sentence that only names the thing counted",
        _gives_a_figure,
    ),
)


def failed_check(q: Question, quotes: list[str], asked: frozenset[str]) -> Check | None:
    """The first check the quoted sentences fail, or None."""
    return next((c for c in CHECKS if not c.passes(q, quotes, asked)), None)
