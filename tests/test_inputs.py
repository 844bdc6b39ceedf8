"""Input errors at the pipeline's ``ask`` and the public ``rag.ask`` signature."""

from __future__ import annotations

import inspect
import typing

import pytest
from conftest import seeded_pipeline

import rag

QUESTION = "Who is the US Ambassador to NATO?"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    return seeded_pipeline(tmp_path_factory.mktemp("inputs"))


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_a_value_error(pipeline, question):
    with pytest.raises(ValueError, match="empty"):
        pipeline.ask(question)


@pytest.mark.parametrize("question", [42, None, b"bytes", ["Who?"]])
def test_non_string_question_is_a_type_error(pipeline, question):
    with pytest.raises(TypeError, match="str"):
        pipeline.ask(question)


def test_overlong_question_names_the_limit(pipeline):
    with pytest.raises(ValueError, match="limit") as err:
        pipeline.ask("x" * 2001)
    assert "2,000" in str(err.value)


def test_question_at_the_limit_is_accepted(pipeline):
    answer = pipeline.ask("Who " + "x" * 1996)
    assert isinstance(answer, rag.Answer)


@pytest.mark.parametrize("history", ["not a list", {"role": "user", "content": "hi"}, 7])
def test_history_must_be_a_list(pipeline, history):
    with pytest.raises(TypeError, match="list"):
        pipeline.ask(QUESTION, history)


@pytest.mark.parametrize(
    "history",
    [
        [{"role": "user"}],
        [{"content": "hi"}],
        ["Who is the US Ambassador to NATO?"],
        [{"role": "user", "content": None}],
    ],
    ids=["no-content", "no-role", "not-a-dict", "content-not-str"],
)
def test_malformed_history_message_is_a_type_error(pipeline, history):
    with pytest.raises(TypeError, match=r"history\[0\]"):
        pipeline.ask(QUESTION, history)


def test_unknown_role_is_a_value_error(pipeline):
    with pytest.raises(ValueError, match="role"):
        pipeline.ask(QUESTION, [{"role": "robot", "content": "beep"}])


def test_valid_history_is_accepted(pipeline):
    history = [
        {"role": "system", "content": "Answer from the articles."},
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "Julianne Smith [1]"},
    ]
    assert isinstance(pipeline.ask("What did she say?", history), rag.Answer)
    assert isinstance(pipeline.ask(QUESTION, []), rag.Answer)


def test_question_is_stripped(pipeline):
    assert pipeline.ask(f"  {QUESTION}\n").query == QUESTION


def test_public_ask_signature():
    params = inspect.signature(rag.ask).parameters
    assert list(params) == [
        "question", "history", "settings", "top_k", "since", "until", "include_undated",
    ]  # fmt: skip
    for name in ("since", "until", "include_undated"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["question"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert params["question"].default is inspect.Parameter.empty
    assert params["history"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert params["history"].default is None
    assert params["settings"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["settings"].default is None
    assert params["top_k"].kind is inspect.Parameter.KEYWORD_ONLY
    hints = typing.get_type_hints(rag.ask)
    assert hints["question"] is str
    assert hints["settings"] == rag.Settings | None
    assert hints["return"] is rag.Answer


def test_public_api_exports():
    assert {"Library", "Answer", "Citation", "Settings", "ask", "ask_stream"} <= set(rag.__all__)
    assert list(inspect.signature(rag.ask_stream).parameters) == list(
        inspect.signature(rag.ask).parameters
    )
    methods = ("ask", "ask_stream", "ingest", "remove", "articles", "article", "status", "close")
    assert all(callable(getattr(rag.Library, m)) for m in methods)
    assert list(inspect.signature(rag.Library.ask_stream).parameters) == list(
        inspect.signature(rag.Library.ask).parameters
    )


def test_stream_yields_the_answer_text_then_the_same_answer(pipeline):
    items = list(pipeline.ask_stream(QUESTION))
    *pieces, final = items
    assert isinstance(final, rag.Answer)
    assert all(isinstance(p, str) for p in pieces) and pieces
    assert "".join(pieces) == final.text
    assert final.to_dict() == pipeline.ask(QUESTION).to_dict()


def test_stream_validates_before_yielding(pipeline):
    with pytest.raises(ValueError, match="empty"):
        next(pipeline.ask_stream("  "))
