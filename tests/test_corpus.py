"""Corpus loading: ids, metadata, hashes, and files that must be skipped or ignored."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED_IDS, SEEDS

from rag.corpus import load_article, load_corpus


@pytest.fixture(scope="module")
def seeds():
    loaded = load_corpus(SEEDS)
    return {article.id: article for article in loaded.articles}


def test_seed_ids_are_file_stems_and_nothing_is_skipped():
    loaded = load_corpus(SEEDS)
    assert [a.id for a in loaded.articles] == SEED_IDS
    assert loaded.skipped == []
    for article in loaded.articles:
        assert article.path.stem == article.id


def test_article_text_is_the_file_without_its_header_line(seeds):
    for doc_id, article in seeds.items():
        source = (SEEDS / f"{doc_id}.txt").read_text(encoding="utf-8")
        if doc_id == "000_d5031ddde8e4f165":  # "date 2024-10-18 US leader ...": metadata
            assert source.startswith(" date 2024-10-18 ")
            assert article.text == source.removeprefix(" date 2024-10-18 ")
        else:
            assert article.text == source


def test_headline_line_is_the_title(seeds):
    assert seeds["004_49dc9b557f48420a"].title == "Biden holding firm on Ukraine joining NATO – CNN"


def test_a_first_line_that_is_a_paragraph_gives_no_title(seeds):
    # Four seeds open with a long sentence: their title is unknown, not a cut sentence.
    for doc_id in SEED_IDS[:4]:
        assert seeds[doc_id].title == ""


def test_a_first_sentence_is_not_a_title(tmp_path: Path):
    path = tmp_path / "short.txt"
    path.write_text("NATO leaders met in Vilnius. They talked for two days.", encoding="utf-8")
    assert load_article(path).title == ""


def test_date_comes_from_the_header_line(seeds):
    assert seeds["000_d5031ddde8e4f165"].date == "2024-10-18"


def test_a_date_in_the_text_is_not_the_articles_date(tmp_path: Path):
    path = tmp_path / "dated.txt"
    path.write_text("The summit opened on 11 July 2023 in Vilnius.", encoding="utf-8")
    assert load_article(path).date is None


def test_no_date_when_the_text_has_no_header(seeds):
    for doc_id in SEED_IDS[1:]:
        assert seeds[doc_id].date is None


@pytest.mark.parametrize(
    ("doc_id", "outlet"),
    [
        ("002_64ddeed9f9114310", "RBK-Ukraine"),
        ("003_177e5bb7354ccfd6", "Bloomberg"),
        ("004_49dc9b557f48420a", "CNN"),
    ],
)
def test_outlet(seeds, doc_id: str, outlet: str):
    assert seeds[doc_id].outlet == outlet


def test_content_hash_is_stable_and_tracks_the_text(tmp_path: Path):
    source = SEEDS / "002_64ddeed9f9114310.txt"
    first = load_article(source).content_hash
    assert load_article(source).content_hash == first
    assert len(first) == 16

    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    assert load_article(copy).content_hash == first  # depends on content, not on location
    copy.write_bytes(source.read_bytes() + b" One more sentence.")
    assert load_article(copy).content_hash != first


@pytest.fixture
def messy_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "messy"
    corpus.mkdir()
    (corpus / "good.txt").write_text("NATO leaders met in Vilnius. They agreed.", encoding="utf-8")
    (corpus / "notes.md").write_text("# Notes\n\nUkraine wants to join NATO.\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "blank.txt").write_bytes(b"  \n\t\n   \n")
    (corpus / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00\x00binary\x00data\xff\xfe")
    (corpus / "legacy.txt").write_bytes(b"caf\xe9 na\xefve \x93quoted\x94 text.")
    (corpus / "report.pdf").write_bytes(b"%PDF-1.4 not an article")
    (corpus / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (corpus / ".hidden.txt").write_text("A hidden file is not an article.", encoding="utf-8")
    (corpus / ".cache").mkdir()
    (corpus / ".cache" / "inside.txt").write_text("Nor is a file in a hidden folder.")
    return corpus


def test_bad_files_are_skipped_with_reasons_and_good_files_still_load(messy_corpus: Path):
    loaded = load_corpus(messy_corpus)

    assert sorted(a.id for a in loaded.articles) == ["good", "legacy", "notes"]
    reasons = {Path(path).name: reason for path, reason in loaded.skipped}
    assert set(reasons) == {"empty.txt", "blank.txt", "binary.txt", "report.pdf", "table.csv"}
    assert "empty" in reasons["empty.txt"]
    assert "empty" in reasons["blank.txt"]
    assert "binary" in reasons["binary.txt"]


def test_cp1252_file_loads_with_the_right_characters(messy_corpus: Path):
    article = load_article(messy_corpus / "legacy.txt")
    assert article.text == "café naïve “quoted” text."


def test_latin1_bytes_undefined_in_cp1252_still_load(tmp_path: Path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"Stra\xdfe \x81 caf\xe9.")  # 0x81 has no cp1252 character
    assert load_article(path).text == "Straße \x81 café."


def test_utf8_bom_and_crlf_are_normalised(tmp_path: Path):
    path = tmp_path / "windows.txt"
    path.write_bytes("\ufeffHeadline\r\nBody sentence.\r\n".encode())
    article = load_article(path)
    assert article.text == "Headline\nBody sentence.\n"
    assert article.title == "Headline"


def test_hidden_files_are_ignored_and_files_of_other_types_skipped(messy_corpus: Path):
    loaded = load_corpus(messy_corpus)
    mentioned = {Path(p).name for p, _ in loaded.skipped} | {a.path.name for a in loaded.articles}
    assert mentioned.isdisjoint({".hidden.txt", "inside.txt"})
    reasons = {Path(path).name: reason for path, reason in loaded.skipped}
    assert "damaged PDF" in reasons["report.pdf"]
    assert "no text column" in reasons["table.csv"]


def test_missing_corpus_dir_raises_and_names_the_setting(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="RAG_CORPUS_DIR"):
        load_corpus(tmp_path / "does-not-exist")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("date_only.txt", b"date 2024-10-18\n"),
        ("bare_heading.md", b"#\n\nUkraine wants to join NATO.\n"),
    ],
)
def test_odd_first_line_is_never_fatal(tmp_path: Path, name: str, content: bytes):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("NATO leaders met in Vilnius.", encoding="utf-8")
    (corpus / name).write_bytes(content)

    loaded = load_corpus(corpus)  # "a bad file is skipped with a warning, never fatal"

    assert "good" in {a.id for a in loaded.articles}
    accounted = {a.path.name for a in loaded.articles} | {Path(p).name for p, _ in loaded.skipped}
    assert name in accounted
