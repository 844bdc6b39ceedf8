"""One question, checked, made standalone, retrieved for and answered by one backend."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rag.answer.base import Answer, Answerer, word_pieces
from rag.answer.question import question_time
from rag.chunking import chunk_id, chunk_number, doc_id_of
from rag.conversation import (
    MARKER,
    last_answer,
    last_said,
    require_valid_text,
    standalone_query,
    validate_history,
    wants_more,
)
from rag.dates import DateRange
from rag.keyword import KeywordIndex
from rag.retrieval import HybridRetriever, Passage
from rag.terms import terms

Condense = Callable[[str, list[dict]], str]  # (question, history) -> standalone query


@dataclass(frozen=True)
class Backend:
    """An answerer with the condensing that goes with it (a language model's, or offline)."""

    answerer: Answerer
    condense: Condense


@dataclass(frozen=True)
class Asking:
    """What one question reads: the keyword index of the moment, and its retriever."""

    keywords: KeywordIndex
    retriever: HybridRetriever
    backend: Backend
    top_k: int
    max_question_chars: int
    dates: DateRange | None = None  # the caller's since/until: retrieval reads only these

    def ask(self, question: object, history: object = None) -> Answer:
        question, messages, query, passages = self.prepared(question, history)
        answerer, condense = self.backend.answerer, self.backend.condense
        answer = answerer.answer(question, passages, query=query, history=messages)
        if answer.abstained and query == question and messages and condense is standalone_query:
            # It looked self-contained, but the conversation may be what makes it answerable
            # ("Who's the chair that is stepping down?" after the board meeting's agenda).
            # (A language model's condensing already judged that; no second model call then.)
            leaning = standalone_query(question, messages, assume_follow_up=True)
            passages = self.retrieve(leaning, question, messages)
            retried = answerer.answer(question, passages, query=leaning, history=messages)
            return retried if answers_own_words(question, retried) else answer
        return answer

    def ask_stream(self, question: object, history: object = None) -> Iterator[str | Answer]:
        """Text pieces as they are produced, then the final ``Answer`` as the last item.

        Answerers with a ``stream`` method (generative ones) stream for real; the
        extractive answer is computed whole and handed out word by word.
        """
        stream = getattr(self.backend.answerer, "stream", None)
        if stream is None:
            answer = self.ask(question, history)
            yield from word_pieces(answer.text)
            yield answer
            return
        question, messages, query, passages = self.prepared(question, history)
        yield from stream(question, passages, query=query, history=messages)

    def prepared(
        self, question: object, history: object
    ) -> tuple[str, list[dict], str, list[Passage]]:
        """Checked question and history, the standalone query, and its passages."""
        question = validate_question(question, self.max_question_chars)
        messages = validate_history(history)
        query = self.backend.condense(question, messages)
        return question, messages, query, self.retrieve(query, question, messages)

    def retrieve(self, query: str, question: str, messages: list[dict]) -> list[Passage]:
        """Passages for the standalone query; a follow-up keeps the last answer's articles, and
        "What else ...?" also reads on past the chunks the last answer quoted."""
        when = question_time(question, query)
        if query == question:
            return self.retriever.retrieve(query, self.top_k, dates=self.dates, when=when)
        cited = cited_chunks(messages, self.keywords)
        also = next_chunks(cited) if wants_more(question) else frozenset()
        return self.retriever.retrieve(
            query, self.top_k, prefer=articles_of(cited), also=also, dates=self.dates, when=when
        )


def answers_own_words(question: str, answer: Answer) -> bool:
    """An answer that quotes some word of the question itself, not only of earlier turns
    ("What's the capital of Australia?" is not answered by the last topic's sentences)."""
    own = set(terms(question))
    quoted = set(terms(" ".join(c.quote for c in answer.citations)))
    return not answer.abstained and bool(own & quoted)


def cited_chunks(messages: list[dict], keywords: KeywordIndex) -> frozenset[str]:
    """The chunks the last answer quoted: carried in its message, or (a plain OpenAI message)
    found by its quotes in the keyword index."""
    said = last_answer(messages)
    if said is not None and said.chunk_ids:
        return said.chunk_ids
    quotes = [q for q in MARKER.split(last_said(messages, "assistant")) if len(q.split()) >= 4]
    return frozenset(cid for quote in quotes[:3] for cid, _ in keywords.search(quote, 1))


def articles_of(chunk_ids: frozenset[str]) -> frozenset[str]:
    return frozenset(doc_id_of(cid) for cid in chunk_ids)


def next_chunks(chunk_ids: frozenset[str]) -> frozenset[str]:
    """The chunk after each one, by the stable ``<article id>#<n>`` ids."""
    numbered = ((doc_id_of(cid), chunk_number(cid)) for cid in chunk_ids)
    following = {chunk_id(doc, n + 1) for doc, n in numbered if n is not None}
    return frozenset(following - chunk_ids)


def validate_question(question: object, limit: int) -> str:
    if not isinstance(question, str):
        raise TypeError(f"question must be a str, not {type(question).__name__}")
    if not question.strip():
        raise ValueError("question is empty: ask something about the articles")
    if len(question) > limit:
        raise ValueError(
            f"question is {len(question):,} characters long; the limit is {limit:,}. Shorten it."
        )
    require_valid_text(question, "question")
    return without_markup(question.strip())


_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")


def without_markup(question: str) -> str:
    """The question without HTML tags and script/style blocks (pasted markup is not what is
    asked, and its rare words would outweigh the question's); unchanged if nothing is left."""
    text = _TAG.sub(" ", _SCRIPT.sub(" ", question))
    text = re.sub(r"\s{2,}", " ", text).strip()
    return text if re.search(r"\w", text) else question
