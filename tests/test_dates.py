"""Dates used: ask(since=, until=) filters retrieval inside Chroma and BM25, a question's own
time frame ("the latest") prefers articles by date, and older chunks get the date field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import HashingEmbedder

import rag
from rag.dates import DateRange, date_range, time_frame

# Three reports of one harbour strike, months apart, and one undated.
REPORTS = {
    "march.md": ("2024-03-04", "Dockers at the Vellmar harbour walked out over night-shift pay."),
    "june.md": ("2024-06-10", "The Vellmar harbour strike entered its fourth month on Monday."),
    "october.md": ("2024-10-21", "The Vellmar harbour strike ended with a new pay deal."),
    "undated.md": (None, "Vellmar harbour strike pickets were seen near the grain silos."),
}


def write_reports(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (date, text) in REPORTS.items():
        head = f"---\ntitle: {name[:-3].title()} report\noutlet: Vellmar Post\n"
        head += f"date: {date}\n---\n" if date else "---\n"
        (folder / name).write_text(head + text + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def library(tmp_path: Path):
    corpus = write_reports(tmp_path / "corpus")
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data", answerer="extractive")
    with rag.Library(settings, embedder=HashingEmbedder()) as built:
        built.ingest()
        yield built


def retrieved(library: rag.Library, question: str, **dates) -> list[str]:
    answer = library.ask(question, **dates)
    return [p.chunk.doc_id for p in answer.passages]


@pytest.mark.parametrize("mode", ["bm25", "hybrid", "dense"])
def test_since_and_until_restrict_retrieval_in_every_mode(tmp_path: Path, mode):
    corpus = write_reports(tmp_path / "corpus")
    settings = rag.Settings(
        corpus_dir=corpus, data_dir=tmp_path / "data", answerer="extractive", retrieval=mode
    )
    with rag.Library(settings, embedder=HashingEmbedder()) as library:
        library.ingest()
        question = "What happened in the Vellmar harbour strike?"
        assert set(retrieved(library, question)) == {"march", "june", "october", "undated"}
        summer = retrieved(library, question, since="2024-05-01", until=dt.date(2024, 7, 1))
        assert set(summer) == {"june", "undated"}
        dated_only = retrieved(library, question, since="2024-05", include_undated=False)
        assert set(dated_only) == {"june", "october"}
        assert set(retrieved(library, question, until="2024")) == set(REPORTS_IDS)


REPORTS_IDS = ("march", "june", "october", "undated")


def test_the_answer_quotes_only_articles_in_the_range(library):
    answer = library.ask("How did the Vellmar harbour strike end?", until="2024-06-30")
    assert {c.doc_id for c in answer.citations} <= {"march", "june", "undated"}
    assert all(p.chunk.doc_id != "october" for p in answer.passages)


def test_streaming_and_rag_ask_take_the_same_range(library):
    *_, answer = library.ask_stream("Vellmar harbour strike", since="2024-10-01")
    assert {p.chunk.doc_id for p in answer.passages} <= {"october", "undated"}


@pytest.mark.parametrize(
    "since, until, error",
    [
        ("2024-13-01", None, ValueError),
        (None, "2024-00-10", ValueError),
        ("yesterday", None, ValueError),
        (None, 20240101, TypeError),
        ("2024-10-01", "2024-09-01", ValueError),
    ],
)
def test_bad_dates_are_clear_errors(library, since, until, error):
    with pytest.raises(error) as raised:
        library.ask("Vellmar harbour strike", since=since, until=until)
    assert "since" in str(raised.value) or "until" in str(raised.value)


def test_a_date_range_reads_iso_strings_dates_and_partial_dates():
    assert date_range("2024-02", "2024-02") == DateRange(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert date_range(dt.datetime(2024, 1, 2, 9, 30)).since == dt.date(2024, 1, 2)
    assert date_range().unbounded and date_range().where() is None
    assert date_range(include_undated=False).where() == {"day": {"$gt": 0}}


def test_a_question_time_frame_is_read_from_its_words():
    assert time_frame("What is the latest on the strike?").order == "newest"
    assert time_frame("How was the strike first reported?").order == "oldest"
    before = time_frame("What did the union say before June 2024?").window
    assert before == DateRange(None, dt.date(2024, 5, 31))
    after = time_frame("What happened after 10 June 2024?").window
    assert after == DateRange(dt.date(2024, 6, 11), None)
    assert time_frame("What happened in October 2024?").window == DateRange(
        dt.date(2024, 10, 1), dt.date(2024, 10, 31)
    )
    assert not time_frame("Who runs the harbour?")
    assert not time_frame("What is the first point of the plan?")


def test_the_latest_and_the_first_prefer_articles_by_date(tmp_path: Path):
    corpus = write_reports(tmp_path / "corpus")
    # The March report names the strike most often: BM25 alone ranks it first.
    (corpus / "march.md").write_text(
        "---\ntitle: March report\ndate: 2024-03-04\n---\nVellmar harbour strike news: the "
        "Vellmar harbour strike began; dockers at the Vellmar harbour strike over pay.\n",
        encoding="utf-8",
    )
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data", top_k=1)
    with rag.Library(settings, embedder=HashingEmbedder()) as library:
        library.ingest()
        assert retrieved(library, "Vellmar harbour strike news?") == ["march"]
        assert retrieved(library, "Latest Vellmar harbour strike news?") == ["october"]
        assert retrieved(library, "Earliest Vellmar harbour strike news?") == ["march"]
        in_june = "Vellmar harbour strike news in June 2024?"
        assert retrieved(library, in_june) == ["june"]


def test_chunks_stored_without_the_date_field_get_it_before_a_filter(library):
    collection = library.index.store._collection
    old = collection.get(include=["metadatas", "embeddings", "documents"])
    collection.delete(ids=old["ids"])  # stored again as an older version did: no ``day``
    collection.add(
        ids=old["ids"],
        embeddings=old["embeddings"],
        documents=old["documents"],
        metadatas=[{k: v for k, v in m.items() if k != "day"} for m in old["metadatas"]],
    )
    reopened = rag.Library(library.settings, embedder=HashingEmbedder())  # a new process
    found = retrieved(reopened, "Vellmar harbour strike", since="2024-06-01")
    assert set(found) == {"june", "october", "undated"}
    days = {m["doc_id"]: m.get("day") for m in collection.get(include=["metadatas"])["metadatas"]}
    assert days["june"] == 20240610 and days["undated"] == 0
    reopened.close()


def test_the_order_lift_follows_the_distance_in_days_not_the_rank():
    from rag.chunking import Chunk
    from rag.retrieval import dated_preference
    from rag.store import StoredChunk

    def stored(doc: str, date: str | None) -> StoredChunk:
        return StoredChunk(Chunk(f"{doc}#0", doc, 0, "t", 0, 1), doc, date, None, "", 1)

    chunks = {s.id: s for s in (stored("old", "2023-01-01"), stored("mid", "2024-06-01"),
              stored("new", "2024-06-02"), stored("none", None))}  # fmt: skip
    fused = dict.fromkeys(chunks, 0.0)
    latest = dated_preference(fused, chunks, time_frame("the latest?"), 60)
    first = dated_preference(fused, chunks, time_frame("the earliest?"), 60)
    assert latest["new#0"] > latest["mid#0"] > 0.99 * latest["new#0"] and latest["old#0"] == 0
    assert first["old#0"] > 100 * first["mid#0"] and first["none#0"] == 0 == latest["none#0"]
