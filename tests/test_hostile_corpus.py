"""Hostile corpus files: each is skipped or loaded with a warning naming it; the rest ingests."""

from __future__ import annotations

import logging
import random
import re
from pathlib import Path

import pytest
from conftest import SEED_IDS, HashingEmbedder
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import seed_sentences

import rag.chunking
import rag.corpus
from rag.corpus import MAX_ARTICLE_BYTES, load_article, load_corpus
from rag.sentences import _ABBREVIATIONS, split_sentences

AMBASSADOR = "001_5e5283315bc32363"
PAGE = """<!DOCTYPE html>
<html><head><title>Summit</title><script>alert("x")</script></head>
<body><h1>Allies meet in Brussels</h1>
<p>Defence ministers met in <b>Brussels</b> on Thursday.</p>
<p>They discussed air defence for Ukraine.</p></body></html>
"""


def one_line(size: int) -> str:
    text = " ".join(seed_sentences())
    return (text * (size // len(text) + 1))[:size].rsplit(" ", 1)[0]


@pytest.fixture
def hostile(corpus: Path) -> dict[str, str]:
    """The seeds plus one file of each hostile kind; returns name → what should happen."""
    (corpus / "legacy.txt").write_bytes(b"Caf\xe9 talks: the \x93Vilnius\x94 summit opened.")
    (corpus / "utf16.txt").write_bytes("Ministers met in Kyiv on Friday.".encode("utf-16"))
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(4096))
    with open(corpus / "huge.txt", "w", encoding="utf-8") as big:  # 20 MB of real text
        chunk = one_line(1_000_000) + "\n"
        for _ in range(20):
            big.write(chunk)
    (corpus / "one_line.txt").write_text(one_line(1_000_000), encoding="utf-8")
    rng = random.Random(2)
    blob = "".join(rng.choice("ABCDEFabcdef0123456789+/") for _ in range(200_000))
    (corpus / "blob.md").write_text(blob, encoding="utf-8")
    (corpus / "page.txt").write_text(PAGE, encoding="utf-8")
    (corpus / "zz_copy.txt").write_bytes((corpus / f"{AMBASSADOR}.txt").read_bytes())
    (corpus / "vanishing.txt").write_text("This file is deleted mid-ingest.", encoding="utf-8")
    return {
        "legacy.txt": "not UTF-8: read as cp1252",
        "utf16.txt": "not UTF-8: read as utf-16",
        "empty.txt": "skipped: empty file",
        "binary.txt": "skipped: binary",
        "huge.txt": "skipped: larger than 5 MB",
        "one_line.txt": "has a line of",
        "blob.md": "has a line of",
        "page.txt": "HTML markup",
        "zz_copy.txt": f"skipped: same text as {corpus / AMBASSADOR}.txt",
        "vanishing.txt": "skipped: vanished",
    }


@pytest.fixture
def vanish_mid_ingest(monkeypatch):
    """``vanishing.txt`` is listed with the corpus, then deleted just before it is read."""
    real = rag.corpus.read_source

    def load(path: Path):
        if path.name == "vanishing.txt":
            path.unlink()
        return real(path)

    monkeypatch.setattr(rag.corpus, "read_source", load)


def test_each_hostile_file_is_named_in_a_warning_and_the_rest_is_ingested(
    corpus: Path, hostile: dict[str, str], make_pipeline, caplog, vanish_mid_ingest
):
    pipeline = make_pipeline(corpus, HashingEmbedder())
    caplog.set_level(logging.WARNING, logger="rag")

    report = pipeline.ingest()

    logged = [r.getMessage() for r in caplog.records]
    summary = report.summary()
    for name, expected in hostile.items():
        mentions = [m for m in logged if str(corpus / name) in m]
        assert any(expected.replace("skipped: ", "") in m for m in mentions), (name, mentions)
        assert re.search(rf"(skipped|warning) {re.escape(str(corpus / name))}: ", summary), name
    loaded = {"legacy", "utf16", "one_line", "blob", "page"}
    assert sorted(report.added) == sorted(SEED_IDS + list(loaded))
    articles = pipeline.index.store.articles()
    assert set(articles) == set(SEED_IDS) | loaded
    assert all(a.complete for a in articles.values())
    assert pipeline.status().articles == 10
    assert sorted(pipeline.index.keywords.ids) == sorted(
        s.id for s in pipeline.index.store.all_chunks()
    )
    # Spans stay verbatim; an unbreakable run is cut to chunks the model can read.
    texts = {a.id: a.text for a in load_corpus(corpus).articles}
    longest = pipeline.settings.chunk_size * rag.chunking.CHARS_PER_PIECE
    for stored in pipeline.index.store.all_chunks():
        chunk = stored.chunk
        assert texts[chunk.doc_id][chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= longest
    assert "<script>" in texts["page"]  # markup is kept as text, never interpreted


def test_a_duplicate_indexed_under_the_later_name_gives_way_to_the_first(
    corpus: Path, make_pipeline
):
    pipeline = make_pipeline(corpus, HashingEmbedder())
    copy = corpus / "zz_copy.txt"
    copy.write_bytes((corpus / f"{AMBASSADOR}.txt").read_bytes())
    (corpus / f"{AMBASSADOR}.txt").unlink()
    pipeline.ingest()
    assert "zz_copy" in pipeline.index.store.articles()

    (corpus / f"{AMBASSADOR}.txt").write_bytes(copy.read_bytes())
    report = pipeline.ingest()

    assert report.added == [AMBASSADOR]
    assert report.removed == ["zz_copy"]
    assert set(pipeline.index.store.articles()) == set(SEED_IDS)


def test_a_file_growing_past_the_cap_is_read_no_further(tmp_path: Path):
    path = tmp_path / "growing.txt"
    path.write_bytes(b"NATO " * (MAX_ARTICLE_BYTES // 5 + 1))
    with pytest.raises(ValueError, match="larger than 5 MB"):
        load_article(path)


def test_utf16_without_a_valid_body_is_refused_as_binary(tmp_path: Path):
    path = tmp_path / "odd.txt"
    path.write_bytes(b"\xff\xfeA")  # a mark and half a character
    with pytest.raises(ValueError, match="binary"):
        load_article(path)


def quadratic_split(text: str) -> list[tuple[int, int]]:
    """The original sentence splitter (whole-prefix look-back), as the reference."""
    boundary = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9…])")

    def abbreviation(dot: int) -> bool:
        if text[dot] != ".":
            return False
        word = re.search(r"([\w.]+)$", text[:dot])
        if not word:
            return False
        token = word.group(1)
        if re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", token):
            return len(token) == 1 and token.isupper() or "." in token
        return token.lower() in _ABBREVIATIONS

    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for b in boundary.finditer(line.group()):
            end = line.start() + b.end()
            if abbreviation(line.start() + b.start()):
                continue
            seg = text[start:end]
            if seg.strip():
                lead = len(seg) - len(seg.lstrip())
                spans.append((start + lead, start + lead + len(seg.strip())))
            start = end
        seg = text[start : line.end()]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            spans.append((start + lead, start + lead + len(seg.strip())))
    return spans


WORDS = st.sampled_from(
    ["U.S.", "Mr.", "NATO", "a", "J.", "Gen.", "x" * 45 + ".", "etc.", "Kyiv.", "U.S.A.", "9."]
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.one_of(WORDS, st.sampled_from([" ", "  ", "\n", ". ", "? "])), max_size=40))
def test_bounded_look_back_splits_exactly_like_the_whole_prefix(parts: list[str]):
    text = " ".join(parts)
    assert split_sentences(text) == quadratic_split(text)
