"""A language model answers from the fenced, numbered passages; every marker is then verified.

Any OpenAI-compatible chat server works (OpenAI, Ollama, vLLM, llama.cpp, LM Studio).
When the server stays down the offline extractive answer is returned with a notice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from rag.answer.base import Answer, Answerer, abstention, word_pieces
from rag.embedding import Embedder
from rag.judge import SupportJudge
from rag.llm import ChatClient, LLMError, prompt
from rag.retrieval import Passage
from rag.support import SourceIndex
from rag.verify import MarkerResolver, Resolution

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


Gate = Callable[..., float]  # (question, passages, query, history) -> P(the passages answer)
Evidence = Callable[..., list[Passage]]  # (question, passages, query, history) -> what to read


class GenerativeAnswerer:
    """Generates with ``client``, verifies with ``embedder``; ``fallback`` when the model fails.

    ``gate`` (the extractive answerer's confidence) keeps the model from being asked when
    the passages are unlikely to hold the answer: below ``gate_threshold`` the answer is the
    abstention, at once and with no chance to invent one.
    """

    def __init__(
        self,
        client: ChatClient,
        embedder: Embedder | None,
        fallback: Answerer,
        support_threshold: float,
        gate: Gate | None = None,
        gate_threshold: float = 0.0,
        judge: SupportJudge | None = None,
        evidence: Evidence | None = None,
    ):
        self.client = client
        self.embedder = embedder
        self.fallback = fallback
        self.support_threshold = support_threshold
        self.gate = gate
        self.gate_threshold = gate_threshold
        self.judge = judge  # RAG_VERIFY=model: the model's yes/no beside the embedding check
        self.evidence = evidence  # RAG_LLM_SOURCES=sentences: what the model reads

    def sources(self, question, passages, query, history) -> list[Passage]:
        """What the model is given to read and cite: the passages, or the sentences of them
        that ``evidence`` picks."""
        if self.evidence is None:
            return passages
        return self.evidence(question, passages, query, history) or passages

    def stopped(self, question, passages, query, history) -> bool:
        """The passages are too unlikely to answer for the model to be asked."""
        if not passages:
            return True
        if self.gate is None or self.gate_threshold <= 0:
            return False
        return self.gate(question, passages, query, history) < self.gate_threshold

    def answer(
        self,
        question: str,
        passages: list[Passage],
        query: str | None = None,
        history: list[dict] | None = None,
    ) -> Answer:
        query = query or question
        if self.stopped(question, passages, query, history):
            return abstention(query, passages)
        sources = self.sources(question, passages, query, history)
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
        if self.stopped(question, passages, query, history):
            answer = abstention(query, passages)
            yield answer.text
            yield answer
            return
        sources = self.sources(question, passages, query, history)
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
