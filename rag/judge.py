"""The language model as a second judge of support (RAG_VERIFY=model): asked "does this
passage state what this sentence says?", its probability of answering "yes" (read from
the first token's logprobs, so one token per question) decides, beside the embedding check.

The citation check (rag/verify.py) asks it about each span the embedding check would cite,
and about the best near miss of a sentence the embedding check rejects: a judge that says
no takes a marker away (stricter), one that says yes keeps a true restatement's marker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from rag.llm import LLMError, prompt


class YesNoClient(Protocol):
    def yes_probability(self, messages: list[dict[str, str]]) -> float | None: ...


def judge_messages(passage: str, sentence: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": prompt("judge")},
        {"role": "user", "content": f"Passage: {passage}\n\nSentence: {sentence}\n\nyes or no?"},
    ]


class SupportJudge:
    """P(the passage supports the sentence) from ``client``, or None where it cannot tell
    (no yes/no among its likeliest tokens, or the server failed): then the embedding check
    decides alone."""

    yes = 0.5  # the least P(yes) that counts as support
    judged_from = 0.4  # the embedding support a span needs to be put to the judge at all
    # After a failed request the judge is not asked again for this long: a server that is
    # down would otherwise cost a timeout per span of every answer.
    rest_after_failure = 30.0

    def __init__(self, client: YesNoClient, clock: Callable[[], float] = time.monotonic):
        self.client = client
        self.clock = clock
        self._resting_until = float("-inf")

    def probability(self, passage: str, sentence: str) -> float | None:
        if self.clock() < self._resting_until:
            return None
        try:
            return self.client.yes_probability(judge_messages(passage, sentence))
        except LLMError:
            self._resting_until = self.clock() + self.rest_after_failure
            return None
