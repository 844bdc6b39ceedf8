"""The keyword index: bm25s scores, updated per article exactly as a rebuild would be."""

from __future__ import annotations

import logging
import math
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SEED_IDS, SEEDS

import rag.keyword
from rag.chunking import Chunk, Chunker, minilm_token_counter
from rag.corpus import load_article, load_corpus
from rag.keyword import MAX_SEGMENTS, ArticleChunks, KeywordIndex
from rag.terms import terms

QUERIES = [
    "Who is the head of the NATO Parliamentary Assembly?",
    "Julianne Smith ambassador",
    "summit in Vilnius in July",
    "Kirby said the White House would continue",
    "Ramstein air base Germany Biden",
    "NATO NATO NATO membership",  # repeated words count again
    "zzzz qqqq",
]


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker(96, 16, minilm_token_counter())


@pytest.fixture(scope="module")
def seed_articles(chunker) -> list[ArticleChunks]:
    return [
        ArticleChunks(a.id, a.content_hash, [(c.id, c.text) for c in chunker.chunks(a)])
        for a in load_corpus(SEEDS).articles
    ]


def edited(article: ArticleChunks, chunker: Chunker, suffix: str) -> ArticleChunks:
    """The same article id with new text (a new version of the file)."""
    old = load_article(SEEDS / f"{article.doc_id}.txt")
    new = replace(old, text=old.text + suffix, content_hash="edited")
    return ArticleChunks(article.doc_id, "edited", [(c.id, c.text) for c in chunker.chunks(new)])


def scores(index: KeywordIndex, query: str) -> dict[str, float]:
    return dict(index.search(query, 1000))


def assert_same_index(a: KeywordIndex, b: KeywordIndex) -> None:
    assert len(a) == len(b)
    assert sorted(a.ids) == sorted(b.ids)
    assert a.articles == b.articles
    vocabulary = {t for q in QUERIES for t in terms(q)} | {"nato", "said", "ukrain"}
    for term in vocabulary:
        assert a.doc_freq(term) == b.doc_freq(term)
        assert math.isclose(a.idf(term), b.idf(term))
    for query in QUERIES:
        got, want = scores(a, query), scores(b, query)
        assert got.keys() == want.keys()
        for cid in want:
            assert math.isclose(got[cid], want[cid], rel_tol=1e-9)


def test_scores_equal_bm25s_on_the_seed_chunks(seed_articles):
    import bm25s

    chunks = [chunk for article in seed_articles for chunk in article.chunks]
    index = KeywordIndex.build(chunks)
    reference = bm25s.BM25()  # bm25s's defaults: lucene BM25, k1=1.5, b=0.75
    reference.index([terms(text) for _, text in chunks], show_progress=False)
    for query in QUERIES:
        query_terms = [t for t in terms(query) if t in reference.vocab_dict]
        want = {}
        if query_terms:
            docs, values = reference.retrieve([query_terms], k=len(chunks), show_progress=False)
            want = {chunks[d][0]: float(v) for d, v in zip(docs[0], values[0]) if v > 0}
        got = scores(index, query)
        assert got.keys() == want.keys(), query
        for cid in want:
            assert math.isclose(got[cid], want[cid], rel_tol=1e-5), (query, cid)
    assert scores(index, QUERIES[0])  # the comparison is not vacuous
    assert scores(index, "zzzz qqqq") == {}


def test_article_by_article_updates_equal_a_full_rebuild(seed_articles, chunker, tmp_path: Path):
    a, b, c, d, e = seed_articles
    index = KeywordIndex().updated(add=[a, b])
    index = index.updated(add=[c])
    index = index.updated(add=[d, e], remove=[b.doc_id])  # delete one, add two
    new_c = edited(c, chunker, "\n\nKirby added that the talks in Vilnius would continue.")
    index = index.updated(add=[new_c])  # a changed article replaces its old version
    index = index.updated(remove=[e.doc_id, "never-indexed"])
    index = index.updated(add=[e])

    rebuilt = KeywordIndex().updated(add=[a, new_c, d, e])
    assert_same_index(index, rebuilt)
    assert not any(cid.startswith(b.doc_id) for cid in index.ids)
    assert scores(index, "talks in Vilnius would continue")

    index.save(tmp_path / "kw")
    assert_same_index(KeywordIndex.load(tmp_path / "kw"), rebuilt)


def test_many_small_updates_are_merged_without_changing_scores(seed_articles, tmp_path: Path):
    # Every chunk its own article, added one update at a time; every third one removed later.
    pieces = [
        ArticleChunks(f"p{i}", "h", [(f"p{i}#0", text)])
        for i, text in enumerate(text for a in seed_articles for _, text in a.chunks)
    ]
    index = KeywordIndex()
    for i, piece in enumerate(pieces):
        index = index.updated(add=[piece], remove=[pieces[i - 3].doc_id] if i % 3 == 0 else [])
        index.save(tmp_path / "kw")
        assert len(index.segments) <= MAX_SEGMENTS
    kept = [p for i, p in enumerate(pieces) if (i + 3) % 3 or i + 3 >= len(pieces)]

    assert max(len(s) for s in index.segments) > 1  # segments were merged
    assert_same_index(index, KeywordIndex().updated(add=kept))
    folders = {p.name for p in (tmp_path / "kw").iterdir() if p.is_dir()}
    assert folders == {s.name for s in index.segments}  # merged-away segments are deleted
    assert_same_index(KeywordIndex.load(tmp_path / "kw"), index)


def test_an_update_tokenizes_only_the_chunks_it_adds(seed_articles, monkeypatch):
    index = KeywordIndex().updated(add=seed_articles[:4])
    tokenized: list[str] = []

    def counting_terms(text: str) -> list[str]:
        tokenized.append(text)
        return terms(text)

    monkeypatch.setattr(rag.keyword, "terms", counting_terms)
    index = index.updated(add=[seed_articles[4]], remove=[seed_articles[0].doc_id])

    assert tokenized == [text for _, text in seed_articles[4].chunks]
    assert len(index) == sum(len(a.chunks) for a in seed_articles[1:])


def test_an_index_of_empty_or_stopword_chunks_saves_and_loads(tmp_path: Path):
    index = KeywordIndex().updated(add=[ArticleChunks("x", "h", [("x#0", "the and of it")])])
    index.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert len(loaded) == 1 and loaded.search("the", 5) == []
    assert len(KeywordIndex().updated(remove=["x"])) == 0


def test_a_missing_or_older_format_index_loads_as_none(tmp_path: Path):
    assert KeywordIndex.load(tmp_path / "nothing") is None
    old = tmp_path / "old"
    old.mkdir()
    (old / "ids.json").write_text("[]")
    assert KeywordIndex.load(old) is None


# Pipeline: the keyword index follows the store through ingests, restarts and interruptions.


@pytest.fixture
def ingested(corpus: Path, make_pipeline):
    pipeline = make_pipeline(corpus)
    pipeline.ingest()
    return pipeline


def rebuilt_from_store(pipeline) -> KeywordIndex:
    return KeywordIndex.build((s.id, s.chunk.text) for s in pipeline.index.store.all_chunks())


def assert_matches_store(pipeline) -> None:
    index = pipeline.index.keywords
    assert sorted(index.ids) == sorted(s.id for s in pipeline.index.store.all_chunks())
    reference = rebuilt_from_store(pipeline)
    for query in QUERIES:
        got, want = scores(index, query), scores(reference, query)
        assert got.keys() == want.keys()
        assert all(math.isclose(got[c], want[c], rel_tol=1e-9) for c in want)


def test_ingest_of_an_edit_tokenizes_only_the_edited_article(ingested, corpus, monkeypatch):
    kirby = corpus / f"{SEED_IDS[2]}.txt"
    kirby.write_text(kirby.read_text() + "\nKirby added that the talks would continue.")
    tokenized: list[str] = []

    def counting_terms(text: str) -> list[str]:
        tokenized.append(text)
        return terms(text)

    monkeypatch.setattr(rag.keyword, "terms", counting_terms)
    ingested.ingest()

    assert len(tokenized) == len(ingested.index.chunker.chunks(load_article(kirby)))
    assert_matches_store(ingested)
    saved = KeywordIndex.load(ingested.index.keyword_dir)
    assert sorted(saved.ids) == sorted(ingested.index.keywords.ids)


def test_a_new_process_neither_tokenizes_nor_rebuilds(ingested, corpus, make_pipeline, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the keyword index was touched at start")

    monkeypatch.setattr(rag.keyword, "terms", refuse)
    monkeypatch.setattr(KeywordIndex, "updated", refuse)
    again = make_pipeline(corpus)
    assert sorted(again.index.keywords.ids) == sorted(ingested.index.keywords.ids)


def test_an_index_made_under_other_word_rules_is_rebuilt_at_the_next_start(
    ingested, corpus, make_pipeline, monkeypatch, caplog
):
    """A new version that makes text into terms differently (a stop word added) must not
    read the old index's term counts: its lengths and postings were made by the old rules."""
    monkeypatch.setattr(rag.keyword, "rules", lambda: "older rules")
    ingested.index.keywords.save(ingested.index.keyword_dir)
    assert KeywordIndex.load(ingested.index.keyword_dir) is not None
    monkeypatch.undo()
    assert KeywordIndex.load(ingested.index.keyword_dir) is None

    caplog.set_level(logging.WARNING, logger="rag")
    again = make_pipeline(corpus)

    assert any("made under other word rules: rebuilt" in r.getMessage() for r in caplog.records)
    assert_matches_store(again)
    assert KeywordIndex.load(again.index.keyword_dir) is not None  # saved under today's rules


def test_an_interrupted_ingest_is_caught_up_at_the_next_start(ingested, corpus, make_pipeline):
    """The store changed (same chunk count) but the process died before the keyword update."""
    store = ingested.index.store
    doc = SEED_IDS[3]
    old = [store.get([f"{doc}#{n}"])[f"{doc}#{n}"] for n in range(store.articles()[doc].n_chunks)]
    changed = replace(load_article(corpus / f"{doc}.txt"), content_hash="changed")
    new_chunks = [
        Chunk(s.id, doc, s.chunk.n, f"Zanzibar walrus number {s.chunk.n}.", 0, 10) for s in old
    ]
    ingested.index.ingest_marker.touch()  # what ingest() leaves behind until the keywords follow
    store.delete_article(doc)
    store.add(changed, new_chunks, ingested.embedder.embed([c.text for c in new_chunks]))

    again = make_pipeline(corpus)

    assert again.index.keywords.search("zanzibar walrus", 1)[0][0].startswith(doc)
    assert again.index.keywords.articles[doc] == "changed"
    assert_matches_store(again)
    again.ingest()  # the marker stays until an ingest completes (another may be running)
    assert not again.index.ingest_marker.exists()


def test_a_lost_keyword_index_is_rebuilt_once_and_an_old_one_replaced(
    ingested, corpus, make_pipeline
):
    shutil.rmtree(ingested.index.keyword_dir)
    ingested.index.keyword_dir.mkdir()
    (ingested.index.keyword_dir / "ids.json").write_text("[]")  # the pre-segment format

    again = make_pipeline(corpus)

    assert_matches_store(again)
    assert not (again.index.keyword_dir / "ids.json").exists()
    assert KeywordIndex.load(again.index.keyword_dir) is not None


def test_equal_scores_rank_the_later_indexed_chunk_first():
    """bm25s's order for ties on an index built in store order, kept so rankings match it."""
    same = "Defence ministers met in Brussels."
    index = KeywordIndex().updated(
        add=[ArticleChunks(doc, "h", [(f"{doc}#0", same)]) for doc in ("a", "b", "c")]
    )
    index = index.updated(add=[ArticleChunks("d", "h", [("d#0", same)])])  # a second segment
    assert [cid for cid, _ in index.search("ministers Brussels", 4)] == ["d#0", "c#0", "b#0", "a#0"]
    assert index.search("ministers Brussels", 1)[0][0] == "d#0"


def test_articles_using_a_term_are_the_live_ones():
    index = KeywordIndex.build(
        [("a#0", "NATO allies met."), ("b#0", "NATO and the EU."), ("c#0", "Rain.")]
    )
    assert index.articles_using("nato") == {"a", "b"}
    assert index.articles_using("nato") == {"a", "b"}  # remembered, same answer
    later = index.updated(remove=["a"])
    assert later.articles_using("nato") == {"b"}  # a new index does not see the old's memory
    assert index.articles_using("absent") == set()
