"""A language model answers from the fenced, numbered passages; every marker is then verified.

Any OpenAI-compatible chat server works (OpenAI, Ollama, vLLM, llama.cpp, LM Studio).
When the server stays down the offline extractive answer is returned with a notice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from rag.answer.base import Answer, Answerer, abstention, word_pieces
from rag.embedding import Embedder
from rag.judge import SupportJudge
from rag.llm import ChatClient, LLMError, prompt
from rag.retrieval import Passage
from rag.support import SourceIndex
from rag.verify import MarkerResolver, Resolution

if TYPE_CHECKING:
    from rag.answer.extractive import Reading

_FENCE_TAG = re.compile(r"<(/?)(sources?)\b", re.IGNORECASE)


def fenced(text: str) -> str:
    """Source text that cannot close or open a fence of its own."""
    return _FENCE_TAG.sub(lambda m: f"&lt;{m.group(1)}{m.group(2)}", text)


def attribute(value: str | None) -> str:
    return fenced(value or "unknown").replace('"', "'").replace("\n", " ")


def sources_block(passages: list[Passage]) -> str:
    """The numbered passages, each fenced as data, with title, date and outlet."""
    parts = ["<sources>"]
    for number, passage in enumerate(passages, start=1):
        stored = passage.stored
        parts.append(
            f'<source number="{number}" title="{attribute(stored.title)}" '
            f'date="{attribute(stored.date)}" outlet="{attribute(stored.outlet)}">\n'
            f"{fenced(passage.chunk.text)}\n</source>"
        )
    parts.append("</sources>")
    return "\n".join(parts)


def answer_messages(question: str, passages: list[Passage], query: str | None) -> list[dict]:
    ask = f"Question: {question}"
    if query and query != question:
        ask += f"\n(In the context of the conversation: {query})"
    return [
        {"role": "system", "content": prompt("answer")},
        {"role": "user", "content": f"{sources_block(passages)}\n\n{ask}"},
    ]


# (question, passages, query, history) -> the extractive ranking's Reading: the gate's
# confidence that the passages answer, and their best sentences for the model to read
# (the passages themselves when none of their sentences is a candidate: never empty)
Screen = Callable[..., "Reading"]


class GenerativeAnswerer:
    """Generates with ``client``, verifies with ``embedder``; ``fallback`` when the model fails.

    ``screen`` (the extractive answerer's ranking, read once per answer) keeps the model
    from being asked when the passages are unlikely to hold the answer: below
    ``gate_threshold`` the answer is the abstention, at once and with no chance to invent
    one. With ``reads_sentences`` the model reads the screen's best sentences, not the
    whole passages.
    """

    def __init__(
        self,
        client: ChatClient,
        embedder: Embedder | None,
        fallback: Answerer,
        support_threshold: float,
        screen: Screen | None = None,
        gate_threshold: float = 0.0,
        judge: SupportJudge | None = None,
        reads_sentences: bool = False,
    ):
        self.client = client
        self.embedder = embedder
        self.fallback = fallback
        self.support_threshold = support_threshold
        self.screen = screen
        self.gate_threshold = gate_threshold
        self.judge = judge  # RAG_VERIFY=model: the model's yes/no beside the embedding check
        self.reads_sentences = reads_sentences  # RAG_LLM_SOURCES=sentences

    def sources(self, question, passages, query, history) -> list[Passage] | None:
        """What the model is given to read and cite (the passages, or the screen's best
        sentences of them), or None when the screen says they are too unlikely to answer."""
        if not passages:
            return None
        gated = self.gate_threshold > 0
        if self.screen is None or not (gated or self.reads_sentences):
            return passages
        reading = self.screen(question, passages, query, history)
        if gated and reading.confidence < self.gate_threshold:
            return None
        return reading.evidence if self.reads_sentences else passages

    def answer(
        self,
        question: str,
        passages: list[Passage],
        query: str | None = None,
        history: list[dict] | None = None,
    ) -> Answer:
        query = query or question
        sources = self.sources(question, passages, query, history)
        if sources is None:
            return abstention(query, passages)
        try:
            draft = self.client.complete(answer_messages(question, sources, query))
        except LLMError as err:
            return self._fallback(question, passages, query, history, err)
        resolver = self._resolver(sources)
        resolver.feed(draft)
        return verified_answer(resolver.close()[1], query, passages)

    def stream(
        self,
        question: str,
        passages: list[Passage],
        query: str | None = None,
        history: list[dict] | None = None,
    ) -> Iterator[str | Answer]:
        """Verified text pieces as the model writes, then the ``Answer``.

        If the model fails part-way, the last item is the extractive answer with a notice.
        """
        query = query or question
        sources = self.sources(question, passages, query, history)
        if sources is None:
            answer = abstention(query, passages)
            yield answer.text
            yield answer
            return
        resolver = self._resolver(sources)
        released = False
        try:
            for piece in self.client.stream(answer_messages(question, sources, query)):
                text = resolver.feed(piece)
                if text:
                    released = True
                    yield text
        except LLMError as err:
            answer = self._fallback(question, passages, query, history, err)
            if not released:
                yield from word_pieces(answer.text)
            yield answer
            return
        tail, resolution = resolver.close()
        if tail:
            yield tail
        yield verified_answer(resolution, query, passages)

    def _resolver(self, passages: list[Passage]) -> MarkerResolver:
        sources = SourceIndex(passages, self.embedder, self.support_threshold, self.judge)
        return MarkerResolver(sources)

    def _fallback(
        self,
        question: str,
        passages: list[Passage],
        query: str,
        history: list[dict] | None,
        err: LLMError,
    ) -> Answer:
        answer = self.fallback.answer(question, passages, query=query, history=history)
        notice = f"No generated answer: {err}. This is the offline extractive answer."
        return replace(answer, notice=notice)


def verified_answer(resolution: Resolution, query: str, passages: list[Passage]) -> Answer:
    return Answer(
        resolution.text,
        resolution.citations,
        resolution.abstained,
        query,
        list(passages),
        resolution.unsupported,
        verification=resolution.verification,
    )
