"""Sentence vectors on disk: embedded once for good, a cache that never breaks an answer."""

from __future__ import annotations

import logging
import sqlite3

import numpy as np
from conftest import SEEDS, HashingEmbedder

import rag
from rag.answer.meaning import E5Vectors, SentenceVectors
from rag.vector_cache import FILE_NAME, VectorCache

SENTENCES = ["The ferry to Vigo leaves at noon.", "Tickets cost twelve euros.", "It was late."]


def test_vectors_come_back_by_model_and_text(tmp_path):
    cache = VectorCache(tmp_path / FILE_NAME)
    v = np.arange(4, dtype=np.float32)
    cache.put("m1", {SENTENCES[0]: v, SENTENCES[1]: v + 1})
    again = VectorCache(tmp_path / FILE_NAME)  # another process on the same folder
    found = again.get("m1", SENTENCES)
    assert set(found) == {SENTENCES[0], SENTENCES[1]}
    assert np.array_equal(found[SENTENCES[1]], v + 1)
    assert again.get("m2", SENTENCES) == {}  # another model's vectors are not these


def test_past_the_limit_the_oldest_go_first(tmp_path):
    cache = VectorCache(tmp_path / FILE_NAME, limit=2)
    for i, text in enumerate(SENTENCES):
        cache.put("m", {text: np.full(3, i, dtype=np.float32)})
    assert set(cache.get("m", SENTENCES)) == {SENTENCES[1], SENTENCES[2]}


def test_a_damaged_file_turns_the_cache_off_with_a_warning(tmp_path, caplog):
    path = tmp_path / FILE_NAME
    path.write_bytes(b"not a database at all" * 100)
    cache = VectorCache(path)
    with caplog.at_level(logging.WARNING, logger="rag"):
        assert cache.get("m", SENTENCES) == {}
        cache.put("m", {SENTENCES[0]: np.zeros(3, dtype=np.float32)})
    assert "not kept on disk" in caplog.text
    embedder = HashingEmbedder()
    vectors = SentenceVectors(embedder, cache=cache)(SENTENCES, keep=True)
    assert vectors.shape == (3, 384) and embedder.embedded == 3  # computed as before


def test_a_folder_it_cannot_write_turns_it_off(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = VectorCache(blocker / "sub" / FILE_NAME)  # a parent that is a file
    cache.put("m", {SENTENCES[0]: np.zeros(3, dtype=np.float32)})
    assert cache.get("m", SENTENCES) == {}


def test_sentences_are_embedded_once_across_processes_queries_every_time(tmp_path):
    first, second = HashingEmbedder(), HashingEmbedder()
    SentenceVectors(first, cache=VectorCache(tmp_path / FILE_NAME))(SENTENCES, keep=True)
    later = SentenceVectors(second, cache=VectorCache(tmp_path / FILE_NAME))
    kept = later(SENTENCES, keep=True)
    assert second.embedded == 0
    assert np.allclose(kept[0], HashingEmbedder.vector(SENTENCES[0]), atol=1e-6)
    later(["where does the ferry go?"])  # a query: not looked up, not kept
    assert second.embedded == 1
    assert VectorCache(tmp_path / FILE_NAME).get(second.name, ["where does the ferry go?"]) == {}


def test_e5_reads_kept_passages_without_loading_its_model(tmp_path):
    path = tmp_path / FILE_NAME
    computed = E5Vectors(cache=VectorCache(path))(SENTENCES)
    later = E5Vectors(cache=VectorCache(path))
    assert np.array_equal(later(SENTENCES), computed)
    assert later._model is None  # nothing was embedded: every passage came from disk


def test_a_library_keeps_sentence_vectors_in_its_data_folder(tmp_path):
    settings = rag.Settings(corpus_dir=SEEDS, data_dir=tmp_path / "data")
    with rag.Library(settings, embedder=HashingEmbedder()) as library:
        library.ingest()
        answer = library.ask("Who is the US Ambassador to NATO?")
    assert (tmp_path / "data" / FILE_NAME).exists()
    fresh = HashingEmbedder()
    with rag.Library(settings, embedder=fresh) as library:
        again = library.ask("Who is the US Ambassador to NATO?")
    assert again.text == answer.text
    assert fresh.embedded == 1  # the question; its sentences came from disk
    assert library.embedder.cache._db is None  # closing the library let go of the file


def test_prepared_sentences_leave_a_question_nothing_to_embed_but_itself(tmp_path):
    import threading

    from rag.answer.meaning import E5_NAME
    from rag.sentences import split_sentences

    settings = rag.Settings(corpus_dir=SEEDS, data_dir=tmp_path / "data")
    with rag.Library(settings, embedder=HashingEmbedder()) as library:
        library.ingest()
        stopped = threading.Event()
        stopped.set()
        assert library.prepare_sentences(stop=stopped) == 0  # asked to stop: stops at once
        done = library.prepare_sentences()
        chunks = [s.chunk.text for s in library.index.store.all_chunks()]
    sentences = [t[s:e] for t in chunks for s, e in split_sentences(t)]
    assert done == len(sentences) > 50
    cache = VectorCache(tmp_path / "data" / FILE_NAME)
    assert set(cache.get(E5_NAME, sentences)) == set(sentences)
    assert set(cache.get(HashingEmbedder.name, sentences)) == set(sentences)
    fresh = HashingEmbedder()
    with rag.Library(settings, embedder=fresh) as library:
        library.ask("What did Kirby say about the leftover funds?")
    assert fresh.embedded == 1


def test_rag_ingest_prepare_readies_every_sentence(monkeypatch, tmp_path, capsys):
    from rag.cli import main

    monkeypatch.setenv("RAG_CORPUS_DIR", str(SEEDS))
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    assert main(["ingest", "--prepare"]) == 0
    out = capsys.readouterr().out
    ready = int(out.split(" sentences ready for questions")[0].split()[-1])
    assert ready > 50
    with sqlite3.connect(tmp_path / "data" / FILE_NAME) as db:
        kept = dict(db.execute("SELECT model, COUNT(*) FROM vectors GROUP BY model").fetchall())
    assert len(kept) == 2  # MiniLM's and e5's
    minilm, e5 = kept.values()
    assert minilm == e5 and 50 < e5 <= ready  # each distinct sentence once (chunks overlap)


def test_a_file_another_process_holds_is_skipped_not_given_up(tmp_path, caplog):
    path = tmp_path / FILE_NAME
    cache = VectorCache(path)
    cache.put("m", {SENTENCES[0]: np.ones(3, dtype=np.float32)})
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing, for longer than the timeout
    slow = VectorCache(path, timeout=0.1)
    with caplog.at_level(logging.WARNING, logger="rag"):
        slow.put("m", {SENTENCES[1]: np.ones(3, dtype=np.float32)})
    holder.rollback()
    holder.close()
    assert "not kept on disk" not in caplog.text
    slow.put("m", {SENTENCES[2]: np.ones(3, dtype=np.float32)})
    assert set(slow.get("m", SENTENCES)) == {SENTENCES[0], SENTENCES[2]}


def test_preparing_stops_where_the_cache_would_push_out_what_it_just_kept(tmp_path):
    settings = rag.Settings(corpus_dir=SEEDS, data_dir=tmp_path / "data")
    small = VectorCache(tmp_path / "small.sqlite", limit=40)  # 20 sentences under two models
    with rag.Library(settings, embedder=SentenceVectors(HashingEmbedder(), cache=small)) as lib:
        lib.ingest()
        assert 20 <= lib.prepare_sentences() < 30
    with sqlite3.connect(tmp_path / "small.sqlite") as db:
        (kept,) = db.execute("SELECT COUNT(*) FROM vectors").fetchone()
    assert kept <= 40


def test_many_threads_share_one_memory_past_its_limit(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    vectors = SentenceVectors(HashingEmbedder(), limit=5, cache=VectorCache(tmp_path / FILE_NAME))
    texts = [f"Sentence number {i} about the ferry." for i in range(40)]

    def read(k: int) -> bool:
        chosen = [texts[(k * 7 + j) % 40] for j in range(6)]
        got = vectors(chosen, keep=k % 2 == 0)
        return all(
            np.allclose(v, HashingEmbedder.vector(t), atol=1e-6)
            for v, t in zip(got, chosen, strict=True)
        )

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(read, range(400)))
    assert len(vectors._known) <= 5
