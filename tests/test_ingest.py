"""Incremental ingest into real Chroma (in tmp_path) with the hashing embedder."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import DIM, SEED_IDS, HashingEmbedder

from rag.corpus import load_article, load_corpus
from rag.keyword import KeywordIndex

KIRBY = "002_64ddeed9f9114310"
BLOOMBERG = "003_177e5bb7354ccfd6"


def stored_ids(pipeline) -> set[str]:
    return {stored.id for stored in pipeline.index.store.all_chunks()}


def expected_chunks(pipeline, corpus: Path) -> dict[str, int]:
    return {a.id: len(pipeline.index.chunker.chunks(a)) for a in load_corpus(corpus).articles}


def assert_keywords_in_step(pipeline) -> None:
    assert len(pipeline.index.keywords) == pipeline.index.store.count()
    assert set(pipeline.index.keywords.ids) == stored_ids(pipeline)


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def ingested(corpus: Path, make_pipeline, embedder: HashingEmbedder):
    pipeline = make_pipeline(corpus, embedder)
    pipeline.ingest()
    embedder.embedded = 0
    return pipeline


def test_hashing_embedder_is_deterministic_unit_length_and_counts():
    embedder = HashingEmbedder()
    first, second, blank = embedder.embed(["NATO summit in Vilnius", "NATO summit in Vilnius", ""])
    assert first == second
    assert len(first) == DIM
    assert math.isclose(sum(x * x for x in first), 1.0)
    assert math.isclose(sum(x * x for x in blank), 1.0)
    assert embedder.embedded == 3
    embedder.embed(["one more"])
    assert (embedder.embedded, embedder.calls) == (4, 2)


def test_first_ingest_embeds_every_chunk(corpus: Path, make_pipeline, embedder):
    pipeline = make_pipeline(corpus, embedder)
    assert pipeline.status().articles == 0

    report = pipeline.ingest()

    per_article = expected_chunks(pipeline, corpus)
    total = sum(per_article.values())
    assert sorted(report.added) == SEED_IDS
    assert report.chunks_embedded == embedder.embedded == total
    status = pipeline.status()
    assert (status.articles, status.chunks) == (5, total)
    assert status.model == HashingEmbedder.name
    assert stored_ids(pipeline) == {
        f"{doc}#{n}" for doc, k in per_article.items() for n in range(k)
    }
    assert_keywords_in_step(pipeline)


def test_stored_chunks_keep_their_article_span_and_metadata(ingested, corpus: Path):
    for stored in ingested.index.store.all_chunks():
        article = load_article(corpus / f"{stored.chunk.doc_id}.txt")
        assert stored.chunk.text == article.text[stored.chunk.start : stored.chunk.end]
        assert (stored.title, stored.date, stored.outlet) == (
            article.title,
            article.date,
            article.outlet,
        )
        assert stored.content_hash == article.content_hash


def test_second_ingest_embeds_nothing_and_adds_no_duplicates(ingested, embedder):
    before = (ingested.status().chunks, stored_ids(ingested), list(ingested.index.keywords.ids))

    report = ingested.ingest()

    assert embedder.embedded == 0
    assert report.chunks_embedded == 0
    assert not report.changed
    assert report.unchanged == 5
    assert (
        ingested.status().chunks,
        stored_ids(ingested),
        list(ingested.index.keywords.ids),
    ) == before
    assert ingested.status().articles == 5


def test_editing_one_file_reembeds_only_that_article(ingested, embedder, corpus: Path):
    path = corpus / f"{KIRBY}.txt"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nKirby added that the talks would continue.",
        encoding="utf-8",
    )
    others_before = {cid for cid in stored_ids(ingested) if not cid.startswith(KIRBY)}

    report = ingested.ingest()

    new_chunks = len(ingested.index.chunker.chunks(load_article(path)))
    assert report.updated == [KIRBY]
    assert report.added == report.removed == []
    assert embedder.embedded == report.chunks_embedded == new_chunks
    assert {cid for cid in stored_ids(ingested) if not cid.startswith(KIRBY)} == others_before
    assert ingested.status().chunks == sum(expected_chunks(ingested, corpus).values())
    assert ingested.status().articles == 5
    assert_keywords_in_step(ingested)
    assert ingested.index.keywords.search("talks would continue", 1)[0][0].startswith(KIRBY)


def test_shrinking_an_article_drops_its_surplus_chunks(ingested, corpus: Path):
    path = corpus / f"{KIRBY}.txt"
    path.write_text("Kirby spoke briefly. Nothing else was said.", encoding="utf-8")

    ingested.ingest()

    assert sorted(cid for cid in stored_ids(ingested) if cid.startswith(KIRBY)) == [f"{KIRBY}#0"]
    assert_keywords_in_step(ingested)


def test_deleting_a_file_removes_its_chunks(ingested, embedder, corpus: Path):
    (corpus / f"{BLOOMBERG}.txt").unlink()

    report = ingested.ingest()

    assert report.removed == [BLOOMBERG]
    assert embedder.embedded == 0
    assert ingested.status().articles == 4
    assert not any(cid.startswith(BLOOMBERG) for cid in stored_ids(ingested))
    assert BLOOMBERG not in ingested.index.store.articles()
    assert_keywords_in_step(ingested)
    assert not any(cid.startswith(BLOOMBERG) for cid in ingested.index.keywords.ids)


def test_adding_a_file_embeds_only_its_chunks(ingested, embedder, corpus: Path):
    chunks_before = ingested.status().chunks
    path = corpus / "005_new.md"
    path.write_text(
        "# Allies meet in Brussels\n\nDefence ministers met in Brussels on Thursday. "
        "They discussed air defence for Ukraine.\n",
        encoding="utf-8",
    )

    report = ingested.ingest()

    new_chunks = len(ingested.index.chunker.chunks(load_article(path)))
    assert report.added == ["005_new"]
    assert embedder.embedded == new_chunks
    assert ingested.status().articles == 6
    assert ingested.status().chunks == chunks_before + new_chunks
    assert_keywords_in_step(ingested)


def test_a_bad_file_is_reported_and_does_not_stop_the_ingest(ingested, embedder, corpus: Path):
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02 not text")
    (corpus / "005_new.txt").write_text("Defence ministers met in Brussels.", encoding="utf-8")

    report = ingested.ingest()

    assert [(Path(p).name, "binary" in why) for p, why in report.skipped] == [("broken.txt", True)]
    assert "broken.txt" in report.summary()
    assert report.added == ["005_new"]
    assert embedder.embedded == 1
    assert ingested.status().articles == 6
    assert_keywords_in_step(ingested)


def test_an_indexed_article_that_becomes_unreadable_keeps_its_indexed_version(
    ingested, corpus: Path
):
    ids_before = stored_ids(ingested)
    (corpus / f"{KIRBY}.txt").write_bytes(b"\x00corrupted")

    report = ingested.ingest()

    assert report.removed == []
    assert [Path(p).name for p, _ in report.skipped] == [f"{KIRBY}.txt"]
    assert stored_ids(ingested) == ids_before
    assert ingested.status().articles == 5


def test_ingest_of_an_emptied_corpus_refuses_to_wipe_the_index(ingested, corpus: Path):
    before = (ingested.status(), stored_ids(ingested))
    for path in corpus.iterdir():
        path.unlink()

    with pytest.raises(FileNotFoundError, match="refusing"):
        ingested.ingest()

    assert (ingested.status(), stored_ids(ingested)) == before
    assert ingested.status().articles == 5
    assert_keywords_in_step(ingested)


def test_ingest_of_a_missing_corpus_raises(make_pipeline, tmp_path: Path):
    pipeline = make_pipeline(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="RAG_CORPUS_DIR"):
        pipeline.ingest()
    assert pipeline.status().chunks == 0


def test_keyword_index_is_saved_and_reloaded_not_rebuilt(
    ingested, corpus: Path, make_pipeline, monkeypatch
):
    saved = KeywordIndex.load(ingested.index.keyword_dir)
    assert saved is not None
    assert saved.ids == ingested.index.keywords.ids
    assert saved.articles == ingested.index.keywords.articles
    for term in ("nato", "kirbi", "summit", "absent-term"):
        assert saved.idf(term) == ingested.index.keywords.idf(term)

    def no_update(*args, **kwargs):
        raise AssertionError("the keyword index was updated instead of loaded")

    monkeypatch.setattr(KeywordIndex, "updated", no_update)
    again = make_pipeline(corpus)

    assert again.index.keywords.ids == ingested.index.keywords.ids
    assert again.index.keywords.search("Julianne Smith", 3)[0][0].startswith("001_")
    assert again.status().chunks == ingested.status().chunks


def test_missing_keyword_index_is_rebuilt_from_the_store(ingested, corpus: Path, make_pipeline):
    import shutil

    shutil.rmtree(ingested.index.keyword_dir)
    assert KeywordIndex.load(ingested.index.keyword_dir) is None

    again = make_pipeline(corpus)

    assert sorted(again.index.keywords.ids) == sorted(ingested.index.keywords.ids)
    assert KeywordIndex.load(again.index.keyword_dir) is not None


def test_bm25_finds_the_article_that_uses_the_words(ingested):
    hits = ingested.index.keywords.search("Jerry Connolly Parliamentary Assembly", 3)
    assert hits and hits[0][0].startswith(BLOOMBERG)
    assert all(score > 0 for _, score in hits)
    assert ingested.index.keywords.search("zzzz qqqq", 3) == []


def test_ask_on_an_empty_index_ingests_first(corpus: Path, make_pipeline, embedder):
    pipeline = make_pipeline(corpus, embedder)
    answer = pipeline.ask("Who is the head of the NATO Parliamentary Assembly?")
    assert pipeline.status().articles == 5
    # the chunks, then the question and the sentences of its passages (for the answerer)
    embedded = embedder.embedded
    assert embedded > pipeline.status().chunks + 1
    pipeline.ask("Who is the head of the NATO Parliamentary Assembly?")
    assert embedder.embedded == embedded  # each vector is remembered
    assert answer.query == "Who is the head of the NATO Parliamentary Assembly?"
