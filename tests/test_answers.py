"""End to end with the real MiniLM model: retrieval, cited answers, abstention, follow-ups.

Every test shares one session-scoped pipeline (the model loads once).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS, shared_minilm

import rag
import rag.library
from rag.answer import ABSTAIN_TEXT
from rag.cli import main
from rag.corpus import load_corpus

pytestmark = pytest.mark.slow

AMBASSADOR = "001_5e5283315bc32363"
KIRBY = "002_64ddeed9f9114310"
BLOOMBERG = "003_177e5bb7354ccfd6"
CNN = "004_49dc9b557f48420a"

ANSWERABLE = [
    "Who is the US Ambassador to NATO?",
    "Who is the head of the NATO Parliamentary Assembly?",
    "Where will the NATO summit be held in July?",
    "What did John Kirby say about NATO membership for Ukraine?",
    "Which NATO Secretary General said Ukraine will eventually become a member of the alliance?",
    "Who is Biden meeting with in Germany?",
    "Which outlet broke the story that the White House considered inviting Ukraine to NATO?",
    "According to which newspaper did the US and Germany block NATO expansion to Ukraine?",
    "What is the Ramstein Summit?",
    "What kind of agreements are Washington and Kyiv negotiating?",
    "What did Kirby say the White House will do with the money it has left for Ukraine?",
    "When did NATO defense ministers begin meeting in Brussels?",
    "Why did the White House decide against inviting Ukraine to NATO?",
    "How many members does NATO have?",
    "Which newspaper did Zelensky tell there's no point going to the summit without a signal?",
]
OFF_TOPIC = [
    "Who won the 2022 World Cup?",
    "What is the boiling point of water?",
    "Best pizza recipe with mozzarella?",
]


@pytest.fixture(scope="session")
def qa(tmp_path_factory):
    """The real pipeline (MiniLM, Chroma, BM25) over a copy of the seeds, ingested once."""
    root = tmp_path_factory.mktemp("qa")
    shutil.copytree(SEEDS, root / "corpus")
    settings = rag.Settings(corpus_dir=root / "corpus", data_dir=root / "data")
    pipeline = rag.Library(settings, embedder=shared_minilm(settings))
    report = pipeline.ingest()
    assert len(report.added) == 5
    return pipeline


@pytest.fixture(scope="session")
def answers(qa) -> dict[str, rag.Answer]:
    return {question: qa.ask(question) for question in ANSWERABLE + OFF_TOPIC}


def article_text(qa, doc_id: str) -> str:
    return (Path(qa.settings.corpus_dir) / f"{doc_id}.txt").read_text(encoding="utf-8")


def markers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


def test_embedder_is_the_real_minilm(qa):
    vector = qa.embedder.embed(["NATO"])[0]
    assert qa.embedder.name == "all-MiniLM-L6-v2"
    assert len(vector) == 384
    assert sum(x * x for x in vector) == pytest.approx(1.0, abs=1e-4)


def test_ambassador_question(answers):
    answer = answers["Who is the US Ambassador to NATO?"]
    assert answer.passages[0].chunk.doc_id == AMBASSADOR
    assert not answer.abstained
    assert "Julianne Smith" in answer.text
    assert "[1]" in answer.text
    assert answer.citations[0].doc_id == AMBASSADOR
    assert "Julianne Smith" in answer.citations[0].quote


def test_parliamentary_assembly_question(answers):
    answer = answers["Who is the head of the NATO Parliamentary Assembly?"]
    assert answer.passages[0].chunk.doc_id == BLOOMBERG
    assert answer.citations[0].doc_id == BLOOMBERG
    assert "Connolly" in answer.text


def test_summit_location_question(answers):
    answer = answers["Where will the NATO summit be held in July?"]
    assert answer.passages[0].chunk.doc_id == CNN
    assert answer.citations[0].doc_id == CNN
    assert "Vilnius" in answer.text


def test_kirby_question(answers):
    answer = answers["What did John Kirby say about NATO membership for Ukraine?"]
    assert answer.passages[0].chunk.doc_id == KIRBY
    assert not answer.abstained
    assert {c.doc_id for c in answer.citations} == {KIRBY}
    assert "Kirby" in answer.text


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_retrieval_mode_ranks_the_ambassador_article_first(qa, mode):
    passages = qa.retrieve("Who is the US Ambassador to NATO?", 5, mode=mode)
    assert passages[0].chunk.doc_id == AMBASSADOR
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))
    assert all(-1.0 <= p.dense <= 1.0 for p in passages)
    assert [p.fused for p in passages] == sorted((p.fused for p in passages), reverse=True)


@pytest.mark.parametrize("question", ANSWERABLE + OFF_TOPIC)
def test_citations_quote_the_article_verbatim(qa, answers, question):
    for citation in answers[question].citations:
        text = article_text(qa, citation.doc_id)
        assert citation.quote == text[citation.start : citation.end]
        assert citation.quote.strip() == citation.quote != ""
        assert citation.chunk_id.startswith(f"{citation.doc_id}#")


@pytest.mark.parametrize("question", ANSWERABLE)
def test_citations_are_numbered_in_order_of_first_use(answers, question):
    answer = answers[question]
    numbers = [c.number for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    used = markers(answer.text)
    first_use = list(dict.fromkeys(used))
    assert first_use == numbers  # every citation is used, first uses run 1, 2, 3, ...
    assert answer.text.rstrip().endswith("]")


@pytest.mark.parametrize("question", ANSWERABLE)
def test_each_cited_quote_appears_before_its_marker(answers, question):
    answer = answers[question]
    by_number = {c.number: c for c in answer.citations}
    for match in re.finditer(r"\[(\d+)\]", answer.text):
        quote = by_number[int(match.group(1))].quote
        assert answer.text[: match.start()].rstrip().endswith(quote)


@pytest.mark.parametrize("question", ANSWERABLE)
def test_citation_metadata_matches_the_article(qa, answers, question):
    indexed = {a.id: a for a in load_corpus(qa.settings.corpus_dir).articles}
    for citation in answers[question].citations:
        article = indexed[citation.doc_id]
        assert (citation.title, citation.date, citation.outlet) == (
            article.title,
            article.date,
            article.outlet,
        )


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_abstain(answers, question):
    answer = answers[question]
    assert answer.abstained is True
    assert answer.citations == []
    assert answer.text == ABSTAIN_TEXT
    assert answer.query == question


def test_follow_up_is_rewritten_with_the_history(qa):
    history = [
        {"role": "user", "content": "Who is the US Ambassador to NATO?"},
        {"role": "assistant", "content": "US Ambassador to NATO Julianne Smith said ... [1]"},
    ]
    answer = qa.ask("What did she say about inviting Ukraine?", history)
    assert answer.query.startswith("What did she say about inviting Ukraine?")
    assert "Ambassador" in answer.query
    assert not answer.abstained
    assert AMBASSADOR in {c.doc_id for c in answer.citations}


def test_standalone_question_ignores_the_history(qa):
    history = [
        {"role": "user", "content": "Who is the US Ambassador to NATO?"},
        {"role": "assistant", "content": "US Ambassador to NATO Julianne Smith said ... [1]"},
    ]
    question = "Who is the head of the NATO Parliamentary Assembly?"
    answer = qa.ask(question, history)
    assert answer.query == question
    assert answer.citations[0].doc_id == BLOOMBERG


def test_answer_to_dict_is_json_serialisable(answers):
    answer = answers["Who is the US Ambassador to NATO?"]
    data = json.loads(json.dumps(answer.to_dict()))
    assert data["text"] == answer.text
    assert data["citations"][0]["quote"] == answer.citations[0].quote
    assert data["passages"][0]["doc_id"] == AMBASSADOR


@pytest.fixture
def same_model(qa, monkeypatch):
    """Pipelines built by the CLI or rag.ask reuse the already loaded model."""
    monkeypatch.setattr(rag.library, "build_embedder", lambda settings: qa.embedder)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(qa.settings.corpus_dir))
    monkeypatch.setenv("RAG_DATA_DIR", str(qa.settings.data_dir))
    rag.library.close_default_libraries()
    yield qa
    rag.library.close_default_libraries()


def test_cli_ask_json(same_model, capsys):
    assert main(["ask", "Who is the US Ambassador to NATO?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"text", "citations", "abstained", "query"} <= data.keys()
    assert data["abstained"] is False
    assert data["query"] == "Who is the US Ambassador to NATO?"
    assert "Julianne Smith" in data["text"]
    assert data["citations"][0]["doc_id"] == AMBASSADOR
    assert data["citations"][0]["number"] == 1


def test_cli_ask_plain_text_lists_sources(same_model, capsys):
    assert main(["ask", "Where will the NATO summit be held in July?"]) == 0
    out = capsys.readouterr().out
    assert "Vilnius" in out
    assert "Sources:" in out
    assert "[1] Biden holding firm on Ukraine joining NATO – CNN" in out
    assert CNN in out


def test_cli_ask_off_topic_prints_the_abstention(same_model, capsys):
    assert main(["ask", "Who won the 2022 World Cup?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["abstained"] is True
    assert data["citations"] == []
    assert data["text"] == ABSTAIN_TEXT


def test_public_ask(same_model):
    answer = rag.ask("Who is the US Ambassador to NATO?", settings=same_model.settings)
    assert isinstance(answer, rag.Answer)
    assert "Julianne Smith" in answer.text
    assert isinstance(answer.citations[0], rag.Citation)
    follow_up = rag.ask(
        "What did she say about inviting Ukraine?",
        [
            {"role": "user", "content": "Who is the US Ambassador to NATO?"},
            {"role": "assistant", "content": answer.text},
        ],
        settings=same_model.settings,
    )
    assert "Ambassador" in follow_up.query
    assert AMBASSADOR in {c.doc_id for c in follow_up.citations}


@pytest.mark.parametrize(
    "question, versions",
    [
        ("When did Biden meet Scholz, Macron and Starmer?", ("18 October", "October 16")),
        ("Which member number would Ukraine be in NATO, according to Rutte?", ("34th", "33rd")),
    ],
)
def test_disagreeing_articles_show_both_versions_each_cited(qa, question, versions):
    answer = qa.ask(question)
    assert answer.text.startswith("The articles differ:")
    quoting = [[c for c in answer.citations if v in c.quote] for v in versions]
    assert all(quoting), answer.text
    assert {c.doc_id for c in quoting[0]} != {c.doc_id for c in quoting[1]}
    for c in answer.citations:
        assert f"[{c.number}]" in answer.text


def test_agreeing_articles_are_not_called_different(qa):
    answer = qa.ask("Who is the US Ambassador to NATO?")
    assert "differ" not in answer.text


@pytest.mark.parametrize("dates", [("2024-10-17", "2024-11-23"), ("2024-11-23", "2024-10-17")])
def test_disagreeing_versions_are_shown_oldest_first_with_their_dates(tmp_path, qa, dates):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for doc, date in zip((AMBASSADOR, BLOOMBERG), dates):
        path = corpus / f"{doc}.txt"
        path.write_text(f"date {date}\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data", answerer="extractive")
    with rag.Library(settings, embedder=qa.embedder) as library:
        library.ingest()
        answer = library.ask("When did Biden meet Scholz, Macron and Starmer?")
    assert answer.text.startswith("The articles differ:")
    shown = [c.date for c in answer.citations]
    assert shown == sorted(dates)
    first, second = sorted(dates)
    assert answer.text.index(f"({first})") < answer.text.index(f"({second})")


def test_rag_ask_and_ask_stream_take_a_date_range(same_model):
    settings = rag.Settings()
    question = "Is there a consensus among NATO members on inviting Ukraine?"
    dated = rag.ask(question, settings=settings, since="2024-10-01", include_undated=False)
    assert {p.chunk.doc_id for p in dated.passages} == {"000_d5031ddde8e4f165"}
    *_, none = rag.ask_stream(question, settings=settings, until="2023", include_undated=False)
    assert none.abstained and none.passages == []
    with pytest.raises(ValueError, match="until"):
        rag.ask(question, settings=settings, until="2024-00-10")
