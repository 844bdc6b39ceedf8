"""History → standalone query: which questions lean on earlier turns, and what they carry."""

from __future__ import annotations

import pytest
from conftest import SEEDS, HashingEmbedder, seeded_pipeline

import rag
from rag.asking import articles_of, cited_chunks, next_chunks
from rag.conversation import entities_of, is_follow_up, referent, standalone_query, wants_more

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
    names = entities_of("The summit opens in Vilnius. Mark Rutte spoke to reporters. The end.")
    assert "Mark Rutte" in names and "Vilnius" in names
    assert "The" not in names


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    return seeded_pipeline(tmp_path_factory.mktemp("conversation"))


def test_the_last_answers_articles_are_found_from_its_quotes(pipeline):
    assert articles_of(cited_chunks(HISTORY, pipeline.index.keywords)) == {"001_5e5283315bc32363"}
    assert cited_chunks([], pipeline.index.keywords) == frozenset()


def test_a_follow_up_keeps_the_cited_article_among_its_passages(pipeline):
    answer = pipeline.ask("What did she say?", HISTORY, top_k=1)
    assert "001_5e5283315bc32363" in {p.chunk.doc_id for p in answer.passages}


def test_the_referent_is_the_first_name_the_last_answer_gave_that_was_not_asked_about():
    history = [
        {"role": "user", "content": "Which summit was he talking about?"},
        {
            "role": "assistant",
            "content": '"With no signal in Vilnius," he told The Wall Street Journal. [1]',
        },
    ]
    assert referent(history) == "Vilnius"
    assert "Julianne Smith" in referent(HISTORY)
    assert referent([]) == ""


@pytest.mark.parametrize(
    ("question", "more"),
    [("What else is on the agenda there?", True), ("Anything besides that?", True)],
)
def test_questions_that_want_something_not_yet_said(question, more):
    assert wants_more(question) is more
    assert not wants_more("When does it take place?")


def test_next_chunks_follow_by_stable_id():
    assert next_chunks(frozenset({"a#0", "a#1", "b#3"})) == {"a#2", "b#4"}
    assert next_chunks(frozenset({"not-a-chunk-id"})) == set()


def test_what_else_reads_on_past_the_quoted_sentence(pipeline):
    """The sentence after the one already said ("Also up for discussion ...") is a candidate,
    even in a chunk that retrieval alone would not bring back, and the answer is not the one
    already given. (Whether it is the best candidate is the eval's to measure.)"""
    history = [
        {"role": "user", "content": "Where are NATO leaders meeting in mid-July?"},
        {
            "role": "assistant",
            "content": pipeline.ask("Where are NATO leaders meeting in mid-July?").text,
        },
    ]
    assert "Vilnius" in history[1]["content"]
    answer = pipeline.ask("What else is on the agenda there?", history)
    read = " ".join(p.chunk.text for p in answer.passages)
    assert "successor to Secretary General Jens Stoltenberg" in read
    assert answer.text != history[1]["content"]


class ConversationOnlyAnswerer:
    """A scripted answerer: it answers (quoting the best passage) only when the query carries
    a word of the conversation, else abstains."""

    def answer(self, question, passages, query=None, history=None):
        if not passages or "stoltenberg" not in (query or question).lower():
            return rag.Answer(rag.ABSTAIN_TEXT, [], True, query or question, list(passages))
        chunk = passages[0].chunk
        quote = f"{question} {chunk.text}"
        cite = rag.Citation(1, chunk.doc_id, "", None, None, quote, 0, len(quote), 1.0, chunk.id)
        return rag.Answer(f"{quote} [1]", [cite], False, query, list(passages))


def test_a_question_only_the_conversation_answers_is_retried_as_a_follow_up(tmp_path):
    settings = rag.Settings(corpus_dir=SEEDS, data_dir=tmp_path / "data")
    history = [
        {"role": "user", "content": "What is on the Vilnius agenda besides Ukraine?"},
        {"role": "assistant", "content": "... a successor to Jens Stoltenberg ... [1]"},
    ]
    question = "Who's the secretary general that needs replacing?"
    embedder = HashingEmbedder()
    with rag.Library(settings, embedder=embedder, answerer=ConversationOnlyAnswerer()) as lib:
        assert lib.ask(question).abstained  # alone it looks self-contained, and abstains
        answer = lib.ask(question, history)
    assert not answer.abstained
    assert "Stoltenberg" in answer.query  # the retry's query, what retrieval used


def test_a_topic_switch_is_not_answered_from_the_last_topic(minilm):
    history = [
        {"role": "user", "content": "What does Connolly say has to happen before Ukraine joins?"},
        {"role": "assistant", "content": minilm.ask("What did Jerry Connolly explain?").text},
    ]
    assert "Connolly" in history[1]["content"]
    assert minilm.ask("What's the capital of Australia?", history).abstained
