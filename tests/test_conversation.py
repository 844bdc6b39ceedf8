"""History → standalone query: which questions lean on earlier turns, and what they carry."""

from __future__ import annotations

import pytest
from conftest import seeded_pipeline

from rag.answer.extractive import REPEAT_WEIGHT, demote_repeats
from rag.conversation import entities, is_follow_up, standalone_query
from rag.pipeline import cited_articles

AMBASSADOR_Q = "Who is the US Ambassador to NATO?"
AMBASSADOR_A = (
    "US Ambassador to NATO Julianne Smith said that NATO did not plan to invite Ukraine to join "
    'the Alliance "in the short term", despite this being the first point of the Victory Plan '
    "put forward by President Volodymyr Zelenskyy. [1]"
)
HISTORY = [
    {"role": "user", "content": AMBASSADOR_Q},
    {"role": "assistant", "content": AMBASSADOR_A},
]


@pytest.mark.parametrize(
    "question",
    [
        "What did she say about inviting Ukraine?",
        "When was that?",
        "Why does Ukraine need that even after the war?",
        "What else is on the agenda there?",
        "And when does it take place?",
        "In which country?",
    ],
)
def test_questions_that_lean_on_earlier_turns(question):
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    ["Who won the 2022 World Cup?", "What did John Kirby say about NATO membership for Ukraine?"],
)
def test_self_contained_questions_stand_alone(question):
    assert not is_follow_up(question)
    assert standalone_query(question, HISTORY) == question


def test_follow_up_carries_the_last_question_and_the_answers_names():
    query = standalone_query("What did she say about inviting Ukraine?", HISTORY)
    assert query.startswith("What did she say about inviting Ukraine?")
    assert AMBASSADOR_Q in query and "Julianne Smith" in query


def test_entities_are_names_and_places_not_sentence_openers():
    names = entities("The summit opens in Vilnius. Mark Rutte spoke to reporters. The end.")
    assert "Mark Rutte" in names and "Vilnius" in names
    assert "The" not in names


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    return seeded_pipeline(tmp_path_factory.mktemp("conversation"))


def test_the_last_answers_articles_are_found_from_its_quotes(pipeline):
    assert cited_articles(HISTORY, pipeline.keywords) == {"001_5e5283315bc32363"}
    assert cited_articles([], pipeline.keywords) == frozenset()


def test_a_follow_up_keeps_the_cited_article_among_its_passages(pipeline):
    answer = pipeline.ask("What did she say?", HISTORY, top_k=1)
    assert "001_5e5283315bc32363" in {p.chunk.doc_id for p in answer.passages}


def test_sentences_already_said_rank_below_new_ones(pipeline):
    question = "What did she say about inviting Ukraine?"
    passages = pipeline.retriever.retrieve(question, 5)
    candidates = pipeline.answerer.candidates(question, question, passages)
    first = candidates[0]
    demoted = demote_repeats(candidates, f"{first.text} [1]")
    again = next(c for c in demoted if c.text == first.text)
    assert again.score == pytest.approx(first.score * REPEAT_WEIGHT)
    assert [c.score for c in demoted] == sorted((c.score for c in demoted), reverse=True)
    assert {c.text for c in demoted} == {c.text for c in candidates}
