"""Answerers: passages → an Answer with citations. One method, swappable backends."""

from rag.answer.base import ABSTAIN_TEXT, Answer, Answerer

__all__ = ["ABSTAIN_TEXT", "Answer", "Answerer"]
