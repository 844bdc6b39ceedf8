"""Hostile questions: any string (or non-string) gets a clear error or a verbatim-cited answer.

The property tests run on the hashing embedder (fast); the named cases also run on the
real MiniLM pipeline, where abstention is the product's actual behaviour.
"""

from __future__ import annotations

import re

import pytest
from conftest import SEEDS, seeded_pipeline
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rag
from rag.answer import ABSTAIN_TEXT
from rag.corpus import load_corpus

AMBASSADOR = "001_5e5283315bc32363"
TEXTS = {a.id: a.text for a in load_corpus(SEEDS).articles}
PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def hashed(tmp_path_factory):
    return seeded_pipeline(tmp_path_factory.mktemp("hostile-q"))


def assert_sound(answer) -> None:
    """An Answer whose every quote is its article's text at [start:end]."""
    assert isinstance(answer, rag.Answer)
    if answer.abstained:
        assert answer.text == ABSTAIN_TEXT and answer.citations == []
    for citation in answer.citations:
        assert citation.quote == TEXTS[citation.doc_id][citation.start : citation.end]
    numbers = [c.number for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} <= set(numbers)


def ask_or_clear_error(pipeline, question, history=None):
    try:
        answer = pipeline.ask(question, history)
    except (ValueError, TypeError) as err:
        assert str(err).strip(), f"{type(err).__name__} without a message"
        return None
    assert_sound(answer)
    return answer


ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=2100)
WORDY = st.lists(
    st.one_of(
        st.sampled_from(["NATO", "Ukraine", "Who", "Smith", "Kirby", "summit", "US", "?", "<b>"]),
        st.text(max_size=8),
    ),
    max_size=30,
).map(" ".join)


@PROPERTY
@given(question=st.one_of(ANY_TEXT, WORDY))
def test_any_string_is_answered_soundly_or_refused_with_a_message(hashed, question):
    ask_or_clear_error(hashed, question)


MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "robot", ""]), "content": ANY_TEXT}
)
JUNK = st.dictionaries(st.text(max_size=8), st.integers())


@PROPERTY
@given(
    question=st.one_of(WORDY, st.integers(), st.none(), st.binary(max_size=20)),
    history=st.one_of(
        st.none(),
        st.lists(st.one_of(MESSAGE, JUNK), max_size=4),
        st.text(max_size=10),
    ),
)
def test_any_question_and_history_is_answered_soundly_or_refused(hashed, question, history):
    ask_or_clear_error(hashed, question, history)


@pytest.mark.parametrize("question", ["\ud800 NATO", "Who is \udfff?"])
def test_a_lone_surrogate_is_a_clear_value_error(hashed, question):
    with pytest.raises(ValueError, match="not valid text"):
        hashed.ask(question)
    with pytest.raises(ValueError, match=r"history\[0\]"):
        hashed.ask("Who is Smith?", [{"role": "user", "content": question}])


OFF_CORPUS = [
    "???",
    "...",
    "!!!",
    "—",
    "¿¡",
    "[1] [2]",
    "\u200b",
    "\x00\x01",
    "🤔🤔🤔?",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "SELECT * FROM articles; DROP TABLE chunks;--",
    "{{7*7}} ${jndi:ldap://x}",
    "../../etc/passwd",
]
OFF_TOPIC = [  # real words: only the real model's sense of meaning can tell they are off-topic
    "What is the capital of Australia?",
    "Wie backt man Brot?",
    "¿Cuál es la receta de la paella?",
    "如何做饺子？",
]
NON_ENGLISH_ON_CORPUS = [
    "Кто посол США в НАТО?",
    "Wer ist die US-Botschafterin bei der NATO?",
    "谁是美国驻北约大使？",
    "Qui est l'ambassadrice des États-Unis auprès de l'OTAN ?",
    "من هو سفير الولايات المتحدة لدى الناتو؟",
]
MARKUP = [
    "<b>Who</b> is the <i>US Ambassador</i> to NATO?",
    "<p>Who is the US Ambassador to NATO?</p>",
    "**Who** is the `US Ambassador` to NATO?",
    "Who is the US Ambassador to NATO?<script>alert(1)</script>",
]


@pytest.mark.parametrize("question", OFF_CORPUS)
def test_punctuation_markup_and_code_questions_abstain(hashed, question):
    assert ask_or_clear_error(hashed, question).abstained


@pytest.mark.parametrize("question", MARKUP)
def test_markup_around_an_answerable_question_still_finds_the_answer(hashed, question):
    answer = ask_or_clear_error(hashed, question)
    assert not answer.abstained
    assert answer.citations[0].doc_id == AMBASSADOR
    assert "Julianne Smith" in answer.citations[0].quote


@pytest.mark.parametrize("question", NON_ENGLISH_ON_CORPUS)
def test_non_english_questions_get_a_sound_answer_or_an_abstention(hashed, question):
    answer = ask_or_clear_error(hashed, question)
    assert answer.abstained or answer.citations[0].doc_id == AMBASSADOR


@pytest.mark.slow
@pytest.mark.parametrize("question", OFF_CORPUS + OFF_TOPIC + NON_ENGLISH_ON_CORPUS + MARKUP)
def test_with_the_real_model_hostile_questions_abstain_or_cite_soundly(minilm, question):
    answer = ask_or_clear_error(minilm, question)
    if question in MARKUP:
        assert not answer.abstained and answer.citations[0].doc_id == AMBASSADOR
    elif question in OFF_CORPUS + OFF_TOPIC:
        assert answer.abstained
    else:
        assert answer.abstained or answer.citations[0].doc_id == AMBASSADOR
