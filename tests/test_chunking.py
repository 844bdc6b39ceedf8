"""Chunking: exact article spans, ids, and the MiniLM word-piece window."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS

from rag import Settings
from rag.chunking import MODEL_WINDOW, Chunker, minilm_token_counter
from rag.corpus import Article, load_corpus


@pytest.fixture(scope="module")
def count_tokens():
    return minilm_token_counter()


@pytest.fixture(scope="module")
def chunker(count_tokens) -> Chunker:
    settings = Settings()
    return Chunker(settings.chunk_size, settings.chunk_overlap, count_tokens)


@pytest.fixture(scope="module")
def seed_articles() -> list[Article]:
    return load_corpus(SEEDS).articles


def article(doc_id: str, text: str) -> Article:
    return Article(doc_id, Path(f"{doc_id}.txt"), text, doc_id, None, None, "0" * 16)


def assert_well_formed(chunks, art: Article, count_tokens, limit: int = MODEL_WINDOW) -> None:
    assert chunks, f"{art.id} has no chunks"
    for n, chunk in enumerate(chunks):
        assert chunk.id == f"{art.id}#{n}"
        assert (chunk.doc_id, chunk.n) == (art.id, n)
        assert chunk.text == art.text[chunk.start : chunk.end]
        assert chunk.text.strip() == chunk.text != ""
        assert len(count_tokens(chunk.text)) <= limit
    # In order, and together they cover every word of the article.
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
    assert chunks[0].start == len(art.text) - len(art.text.lstrip())
    assert chunks[-1].end == len(art.text.rstrip())
    for before, after in zip(chunks, chunks[1:]):
        gap = art.text[before.end : after.start]
        assert after.start <= before.end or gap.strip() == ""


def test_seed_chunks_are_exact_spans_within_the_model_window(chunker, seed_articles, count_tokens):
    for art in seed_articles:
        assert_well_formed(chunker.chunks(art), art, count_tokens)


def test_largest_allowed_chunk_size_still_fits_the_window(seed_articles, count_tokens):
    big = Chunker(250, 16, count_tokens)
    for art in seed_articles:
        assert_well_formed(big.chunks(art), art, count_tokens)


def test_default_chunks_respect_the_configured_size(chunker, seed_articles, count_tokens):
    size = Settings().chunk_size
    for art in seed_articles:
        assert max(len(count_tokens(c.text)) for c in chunker.chunks(art)) <= size


def test_chunking_is_deterministic(chunker, seed_articles):
    art = seed_articles[1]
    assert chunker.chunks(art) == chunker.chunks(art)


def test_huge_one_line_article_without_punctuation(chunker, count_tokens):
    text = " ".join(f"word{i}" for i in range(5000))
    art = article("huge", text)
    chunks = chunker.chunks(art)
    assert len(chunks) > 10
    assert_well_formed(chunks, art, count_tokens)


def test_chunker_refuses_a_size_beyond_the_model_window(count_tokens):
    with pytest.raises(ValueError, match="window"):
        Chunker(MODEL_WINDOW + 1, 16, count_tokens)


def test_token_counter_counts_word_pieces_without_special_tokens(count_tokens):
    assert count_tokens("") == []
    assert 1 <= len(count_tokens("NATO")) <= 3
    assert len(count_tokens("NATO summit in Vilnius")) > len(count_tokens("NATO"))
