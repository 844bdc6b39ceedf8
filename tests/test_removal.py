"""Corpus management: uploads go to the data dir, the user's corpus folder is never written,
and removing an article (or one record of a dump) keeps it out without losing anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import HashingEmbedder

import rag

RECORDS = [
    {"id": "a1", "title": "Ferry fares rise", "date": "2024-05-02", "text": "Ferry fares on "
     "the Osterby line rose by a tenth on Monday, the harbour board said."},
    {"id": "a2", "title": "Bridge reopens", "date": "2024-06-12", "text": "The Osterby bridge "
     "reopened after two years of repairs, the council said on Wednesday."},
]  # fmt: skip
PAGE = (
    b"<html><head><title>Quay market returns</title></head><body><article><h1>Quay market "
    b"returns</h1><p>The Osterby quay market returned on Saturday with forty stalls selling "
    b"fish, bread and cheese, its organisers said.</p><p>The market had been closed since the "
    b"storm in March damaged the quay.</p></article></body></html>"
)


def dump(records=RECORDS) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


@pytest.fixture
def library(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(
        "# Osterby harbour dredged\n\nThe Osterby harbour was dredged in April.\n", "utf-8"
    )
    (corpus / "wire.jsonl").write_bytes(dump())
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data", answerer="extractive")
    with rag.Library(settings, embedder=HashingEmbedder()) as built:
        built.ingest()
        yield built


def ids(library: rag.Library) -> set[str]:
    return {a.doc_id for a in library.articles()}


def corpus_bytes(library: rag.Library) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in Path(library.settings.corpus_dir).iterdir()}


def test_articles_list_date_outlet_source_and_chunks(library):
    listed = {a.doc_id: a for a in library.articles()}
    assert set(listed) == {"notes", "wire:a1", "wire:a2"}
    assert listed["wire:a2"].date == "2024-06-12"
    assert listed["wire:a1"].source.endswith("wire.jsonl") and listed["wire:a1"].chunks == 1
    assert [a.doc_id for a in library.articles()][:2] == ["wire:a2", "wire:a1"]  # newest first


def test_uploads_of_every_type_go_to_the_data_dir_and_are_indexed(library):
    before = corpus_bytes(library)
    report = library.add_files(
        [
            ("market.html", PAGE),
            (
                "more.jsonl",
                dump(
                    [
                        RECORDS[0]
                        | {"id": "b1", "text": "x " * 9 + "The Osterby ferry got a new captain."}
                    ]
                ),
            ),
        ]  # fmt: skip
    )
    assert report.saved == ["market.html", "more.jsonl"], report.lines()
    uploads = Path(library.settings.data_dir) / "uploads"
    assert {p.name for p in uploads.iterdir()} == {"market.html", "more.jsonl"}
    assert corpus_bytes(library) == before  # the user's folder is not written
    assert {"market", "more:b1"} <= ids(library)
    library.ingest()  # a later ingest reads both folders: nothing drops out
    assert {"notes", "wire:a1", "market", "more:b1"} <= ids(library)


def test_an_upload_under_a_corpus_file_id_is_refused(library):
    report = library.add_files([("notes.md", b"# Other\n\nAnother text.")])
    assert report.saved == [] and "rename the file" in report.refused[0][1]


def test_removing_a_corpus_article_leaves_its_file_and_keeps_it_out(library):
    before = corpus_bytes(library)
    removal = library.remove("notes")
    assert removal.removed == ["notes"] and removal.moved_to is None
    assert "untouched" in " ".join(removal.lines()) and "excluded" in " ".join(removal.lines())
    assert corpus_bytes(library) == before
    assert "notes" not in ids(library)
    library.ingest()
    assert "notes" not in ids(library)
    assert "notes" in removal.excluded_in.read_text()


def test_removing_one_record_of_a_dump_keeps_the_others(library):
    removal = library.remove("wire:a1")
    assert removal.removed == ["wire:a1"]
    assert ids(library) == {"notes", "wire:a2"}
    report = library.ingest()
    assert ids(library) == {"notes", "wire:a2"} and report.added == []


def test_removing_an_uploaded_dump_by_its_stem_removes_every_record_and_keeps_the_file(library):
    batch = [r | {"id": f"u{r['id']}", "text": r["text"] + " More later."} for r in RECORDS]
    library.add_files([("batch.jsonl", dump(batch))])
    assert {"batch:ua1", "batch:ua2"} <= ids(library)
    removal = library.remove("batch")
    assert removal.removed == ["batch:ua1", "batch:ua2"]
    assert removal.moved_to is not None and removal.moved_to.read_bytes().startswith(b'{"id"')
    library.ingest()
    assert not any(d.startswith("batch") for d in ids(library))


def test_removing_an_unknown_id_is_a_clear_error(library):
    with pytest.raises(KeyError, match="no article 'nothing-here'"):
        library.remove("nothing-here")
    with pytest.raises(ValueError, match="not an article id"):
        library.remove("../notes")
