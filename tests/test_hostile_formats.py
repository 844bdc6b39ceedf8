"""Hostile news files (malformed and 20 MB pages, PDF bombs, scans, encrypted and damaged PDFs,
a JSONL dump with a broken line, a CSV in the wrong encoding): each is named in a warning,
nothing already indexed is lost, and the ingest goes on. Every file is written here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SEED_IDS, HashingEmbedder
from news_files import (
    DUMP,
    encrypted_pdf,
    jsonl,
    many_pages_pdf,
    news_page,
    pdf_report,
    scanned_pdf,
    stream_bomb_pdf,
)

import rag
from rag.cli import main
from rag.corpus import load_corpus
from rag.formats.pdf import MAX_PAGES

PAGES = [["Allies and Kyiv", "NATO leaders met in Washington on Wednesday."], ["They agreed."]]
CP1252_CSV = (
    b"id,title,text,date,source\n"
    b'c1,Caf\xe9 talks,"Ministers met at a caf\xe9 in Kyiv on Friday \x96 and agreed.",'
    b"2024-06-14,Kyiv Post\n"
)


def big_page(size: int) -> str:
    """A real article padded past ``size`` bytes with comment-section filler."""
    page = news_page()
    filler = "<div class='comment'><p>" + "spam comment text " * 50 + "</p></div>\n"
    return page.replace("</aside>", "</aside>" + filler * (size // len(filler) + 1))


@pytest.fixture
def hostile(corpus: Path) -> dict[str, str]:
    """The seeds, good files of each type, and one hostile file of each kind: name → reason."""
    (corpus / "page.html").write_text(news_page(), encoding="utf-8")
    pdf_report(corpus / "report.pdf", PAGES)
    (corpus / "wire.jsonl").write_text(
        jsonl([DUMP[0], '{"id": "broken", "title": "cut', DUMP[1]]), encoding="utf-8"
    )
    (corpus / "legacy.csv").write_bytes(CP1252_CSV)
    (corpus / "malformed.html").write_bytes(
        b"<html><head><title>Broken</ti<<tle><body><div><p>Half a tag <b"
        + b"\x00\xff\xfe garbage </p></div></span></table>" * 20
    )
    (corpus / "truncated.html").write_text(news_page()[: len(news_page()) * 3 // 4], "utf-8")
    (corpus / "huge.html").write_text(big_page(20_000_000), encoding="utf-8")
    many_pages_pdf(corpus / "many_pages.pdf", MAX_PAGES + 100)
    stream_bomb_pdf(corpus / "stream_bomb.pdf", 30_000_000)
    scanned_pdf(corpus / "scan.pdf")
    encrypted_pdf(corpus / "locked.pdf", corpus / "report.pdf")
    (corpus / "damaged.pdf").write_bytes((corpus / "report.pdf").read_bytes()[:300])
    (corpus / "not_a_dump.json").write_text('{"settings": true}', encoding="utf-8")
    return {
        "wire.jsonl": "warning: 1 record(s) skipped: line 2: not JSON",
        "legacy.csv": "warning: not UTF-8: read as cp1252",
        "malformed.html": "skipped: no article text found",
        "truncated.html": "warning: the page looks cut short",
        "huge.html": "skipped: larger than 10 MB",
        "many_pages.pdf": f"skipped: {MAX_PAGES + 100} pages, over the {MAX_PAGES}-page limit",
        "stream_bomb.pdf": "skipped: page 1's content inflates to 30 MB",
        "scan.pdf": "skipped: no text layer",
        "locked.pdf": "skipped: encrypted PDF: it needs a password",
        "damaged.pdf": "skipped: damaged PDF",
        "not_a_dump.json": "skipped: not an article dump",
    }


GOOD = {"page", "report", "wire:a1", "wire:3", "legacy:c1", "truncated"}


def test_each_hostile_file_is_named_once_in_the_summary_and_the_rest_is_indexed(
    corpus: Path, hostile: dict[str, str], make_pipeline
):
    pipeline = make_pipeline(corpus, HashingEmbedder())

    report = pipeline.ingest()

    lines = report.summary().splitlines()
    for name, expected in hostile.items():
        kind, _, reason = expected.partition(": ")
        named = [
            line for line in lines if re.match(rf"\w+ {re.escape(str(corpus / name))}: ", line)
        ]
        assert len(named) == 1, (name, named)  # one summary line per file
        assert named[0].startswith(f"{kind} ") and reason in named[0], (name, named[0])
    assert set(report.added) == set(SEED_IDS) | GOOD
    assert pipeline.status().articles == len(SEED_IDS) + len(GOOD)


def test_the_cp1252_csv_reads_its_characters(corpus: Path, hostile):
    articles = {a.id: a for a in load_corpus(corpus).articles}
    assert articles["legacy:c1"].title == "Café talks"
    assert "café in Kyiv on Friday – and agreed" in articles["legacy:c1"].text


def test_hostile_versions_of_indexed_files_lose_nothing(corpus: Path, make_pipeline):
    """Each file indexed whole first, then replaced by a hostile version: the index keeps
    what it had (a broken line may be the record it held), and the ingest goes on."""
    (corpus / "page.html").write_text(news_page(), encoding="utf-8")
    pdf_report(corpus / "report.pdf", PAGES)
    (corpus / "wire.jsonl").write_text(jsonl(DUMP), encoding="utf-8")
    pipeline = make_pipeline(corpus, HashingEmbedder())
    pipeline.ingest()
    before = pipeline.index.store.articles()
    assert {"page", "report", "wire:a1", "wire:2", "wire:a3"} <= set(before)

    (corpus / "page.html").write_text(big_page(20_000_000), encoding="utf-8")
    (corpus / "report.pdf").write_bytes((corpus / "report.pdf").read_bytes()[:300])
    records = [DUMP[0], '{"title": "Rutte takes over", "content": "Mark Rutte', DUMP[2]]
    (corpus / "wire.jsonl").write_text(jsonl(records), encoding="utf-8")
    (corpus / "new.txt").write_text("Allies met in Brussels. They agreed.", encoding="utf-8")
    report = pipeline.ingest()

    assert report.removed == []
    assert report.added == ["new"]
    after = pipeline.index.store.articles()
    assert set(after) == set(before) | {"new"}
    assert all(after[doc].content_hash == before[doc].content_hash for doc in before)


def test_a_record_deleted_from_a_whole_dump_is_removed(corpus: Path, make_pipeline):
    (corpus / "wire.jsonl").write_text(jsonl(DUMP), encoding="utf-8")
    pipeline = make_pipeline(corpus, HashingEmbedder())
    pipeline.ingest()

    (corpus / "wire.jsonl").write_text(jsonl([DUMP[0], DUMP[2]]), encoding="utf-8")
    report = pipeline.ingest()

    assert report.removed == ["wire:2"]  # its line number; "a3" keeps its id
    assert report.unchanged == len(SEED_IDS) + 2  # a1 and a3 are not embedded again
    assert report.chunks_embedded == 0


def test_rag_status_counts_a_mixed_folder(
    corpus: Path, hostile, make_pipeline, monkeypatch, tmp_path, capsys
):
    data = tmp_path / "data"
    pipeline = make_pipeline(corpus, HashingEmbedder(), data_dir=data)
    pipeline.ingest()
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_DATA_DIR", str(data))
    capsys.readouterr()

    assert main(["status", "--json"]) == 0

    status = json.loads(capsys.readouterr().out)
    assert status["articles"] == len(SEED_IDS) + len(GOOD)
    assert status["chunks"] == len(list(pipeline.index.store.all_chunks()))
    assert rag.Settings().corpus_dir == corpus
