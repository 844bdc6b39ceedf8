"""Crash-safe ingest: an ingest killed at any point and run again leaves the index consistent.

Every article is wholly present or absent, no chunk is duplicated or orphaned, and the
keyword index describes exactly the stored chunks. One test SIGKILLs real ``rag ingest``
processes (embedding through a local OpenAI-compatible server, so no model loads); the
others stop an in-process ingest at exact points by raising ``Killed``, a BaseException
that no ``except Exception`` cleanup sees, which leaves the files as a kill would.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, HashingEmbedder
from embedding_server import MODEL, EmbeddingServer
from synthetic import write_articles

import rag
import rag.keyword
from rag.corpus import load_corpus
from rag.keyword import MANIFEST, KeywordIndex
from rag.store import ChunkStore

AMBASSADOR = "001_5e5283315bc32363"


class Killed(BaseException):
    """The process dies here: nothing after this point runs, no handler cleans up."""


def settings_for(corpus: Path, data: Path, url: str = "http://127.0.0.1:9/v1") -> rag.Settings:
    """What a ``rag`` process pointed at the embedding server uses (the same collection)."""
    return rag.Settings(
        corpus_dir=corpus, data_dir=data, embedder="openai", embed_model=MODEL, embed_base_url=url
    )


def open_pipeline(corpus: Path, data: Path):
    """A fresh pipeline over an existing data dir, as a newly started process builds one."""
    return rag.Library(settings_for(corpus, data), embedder=HashingEmbedder())


def assert_index_matches_corpus(pipeline, corpus: Path) -> None:
    articles = {a.id: a for a in load_corpus(corpus).articles}
    expected = {c.id: c.text for a in articles.values() for c in pipeline.index.chunker.chunks(a)}
    stored = {s.id: s.chunk.text for s in pipeline.index.store.all_chunks()}
    assert stored == expected  # nothing missing, no orphan, no stale text
    assert pipeline.index.store.count() == len(expected)  # no duplicates
    indexed = pipeline.index.store.articles()
    assert {d: a.content_hash for d, a in indexed.items()} == {
        d: a.content_hash for d, a in articles.items()
    }
    assert all(a.complete for a in indexed.values())
    assert_keywords_in_step(pipeline)
    for doc_id, article in articles.items():  # the keyword index holds the current texts
        token = re.search(r"\b(?:syn|upd)\d+x\b", article.text)
        if token:
            assert pipeline.index.keywords.search(token.group(), 1)[0][0].startswith(doc_id + "#")
    # Vectors are searchable: a chunk's own vector finds it (when no other chunk has the
    # same one: the hashing embedder gives chunks with the same words the same vector).
    vectors = {
        cid: [float(x) for x in v]
        for cid, v in pipeline.index.store.embeddings(sorted(expected)).items()
    }
    same = Counter(tuple(round(x, 5) for x in v) for v in vectors.values())
    sample = [c for c in sorted(expected)[::5] if same[tuple(round(x, 5) for x in vectors[c])] == 1]
    assert sample
    for cid in sample:
        assert cid in {s.id for s, _ in pipeline.index.store.query(vectors[cid], 3)}


def assert_keywords_in_step(pipeline) -> None:
    ids = sorted(s.id for s in pipeline.index.store.all_chunks())
    assert sorted(pipeline.index.keywords.ids) == ids
    reloaded = KeywordIndex.load(pipeline.index.keyword_dir)
    assert reloaded is not None and sorted(reloaded.ids) == ids


def expected_status(corpus: Path, tmp_path: Path) -> dict:
    """Articles and chunks after a clean, uninterrupted ingest of ``corpus``."""
    clean = open_pipeline(corpus, tmp_path / "clean")
    clean.ingest()
    status = clean.status()
    return {"articles": status.articles, "chunks": status.chunks}


def change_corpus(corpus: Path) -> None:
    """Edits (one grows by a sentence), deletions and additions between two ingests."""
    for n in range(0, 16, 2):
        path = corpus / f"syn_{n:04d}.txt"
        text = path.read_text(encoding="utf-8").replace(f"syn{n}x", f"upd{n}x")
        if n == 0:
            text += "Ministers agreed to meet again in Brussels before the summit.\n"
        path.write_text(text, encoding="utf-8")
    for n in range(30, 34):
        (corpus / f"syn_{n:04d}.txt").unlink()
    write_articles(corpus, 4, seed=9, first=100)


@pytest.fixture
def big_corpus(corpus: Path) -> Path:
    write_articles(corpus, 45)
    return corpus


@pytest.fixture
def server():
    with EmbeddingServer() as running:
        yield running


class RagProcess:
    """``python -m rag ...`` from the checkout, with RAG_* pointing into tmp_path."""

    def __init__(self, server: EmbeddingServer, corpus: Path, data: Path, logs: Path):
        self.server = server
        self.logs = logs
        self.runs = 0
        self.env = {
            **os.environ,
            **server.env(),
            "RAG_CORPUS_DIR": str(corpus),
            "RAG_DATA_DIR": str(data),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
        }

    def start(self, *args: str) -> tuple[subprocess.Popen, Path]:
        self.runs += 1
        out = self.logs / f"run{self.runs}.out"
        with open(out, "wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "rag", *args],
                cwd=ROOT,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        return process, out

    def run(self, *args: str) -> tuple[int, str]:
        process, out = self.start(*args)
        return process.wait(timeout=300), out.read_text()

    def ingest_killed(self, delay: float) -> int:
        """``rag ingest``, SIGKILLed ``delay`` s after its first embedding batch came back."""
        process, _ = self.start("ingest")
        first = self.server.answered + 1
        while not self.server.wait_for(first, 0.05):
            if process.poll() is not None:
                return process.returncode
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        return process.wait(timeout=60)


def test_rag_ingest_killed_mid_way_then_rerun_matches_a_clean_ingest(
    big_corpus: Path, server: EmbeddingServer, tmp_path: Path
):
    data = tmp_path / "data"
    rag_cli = RagProcess(server, big_corpus, data, tmp_path)

    first = rag_cli.ingest_killed(delay=0.0)  # while the first batch's chunks are written
    change_corpus(big_corpus)
    second = rag_cli.ingest_killed(delay=0.3)  # a different moment, over a changed corpus
    code, output = rag_cli.run("ingest")
    status_code, status_json = rag_cli.run("status", "--json")

    assert first == -signal.SIGKILL, "the first ingest finished before it could be killed"
    assert second in (0, -signal.SIGKILL)
    assert code == 0, output
    if second == -signal.SIGKILL and "0 added, 0 updated, 0 removed" not in output:
        # killed with work left (not in the moment between its last write and its exit):
        assert "interrupted" in output  # the rerun says the last ingest did not finish
    assert status_code == 0, status_json
    status = json.loads(status_json.splitlines()[-1])
    expected = expected_status(big_corpus, tmp_path)
    assert {"articles": status["articles"], "chunks": status["chunks"]} == expected
    assert_index_matches_corpus(open_pipeline(big_corpus, data), big_corpus)


@pytest.fixture
def small_corpus(corpus: Path) -> Path:
    write_articles(corpus, 8)
    return corpus


def kill_on_call(monkeypatch, owner, name: str, call: int) -> None:
    """``owner.name`` dies on its ``call``-th call (earlier calls run normally)."""
    real = getattr(owner, name)
    calls = []

    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise Killed(f"{name} call {call}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, dying)


def test_killed_between_an_articles_delete_and_add_leaves_it_absent_not_half(
    small_corpus: Path, tmp_path: Path, monkeypatch
):
    data = tmp_path / "data"
    pipeline = open_pipeline(small_corpus, data)
    pipeline.ingest()
    changed = set()
    for path in small_corpus.glob("syn_*.txt"):  # every article changes: each is replaced
        path.write_text(path.read_text(encoding="utf-8") + "Talks resumed.\n", encoding="utf-8")
        changed.add(path.stem)
    with monkeypatch.context() as patch:
        # The first replacing write: its articles' old chunks deleted, the new ones not added.
        kill_on_call(patch, ChunkStore, "add_articles", 1)
        with pytest.raises(Killed):
            pipeline.ingest()

    restarted = open_pipeline(small_corpus, data)

    indexed = restarted.index.store.articles()
    assert all(a.complete for a in indexed.values())
    absent = {a.id for a in load_corpus(small_corpus).articles} - set(indexed)
    assert absent and absent <= changed  # absent between delete and add, not half present
    assert len(indexed) == 13 - len(absent)
    assert restarted.status().articles == len(indexed)
    assert_keywords_in_step(restarted)
    restarted.ingest()
    assert_index_matches_corpus(restarted, small_corpus)


def test_killed_before_the_keyword_index_is_saved_rebuilds_it_at_the_next_start(
    small_corpus: Path, tmp_path: Path, monkeypatch, caplog
):
    data = tmp_path / "data"
    pipeline = open_pipeline(small_corpus, data)
    pipeline.ingest()
    path = small_corpus / f"{AMBASSADOR}.txt"  # an edit that keeps the chunk count
    path.write_text(path.read_text(encoding="utf-8").replace("Smith", "Smyth"), encoding="utf-8")
    with monkeypatch.context() as patch:
        kill_on_call(patch, KeywordIndex, "save", 1)
        with pytest.raises(Killed):
            pipeline.ingest()
    assert KeywordIndex.load(pipeline.index.keyword_dir).search("Smyth", 1) == []  # the stale save

    caplog.set_level(logging.WARNING, logger="rag")
    restarted = open_pipeline(small_corpus, data)

    assert any("interrupted" in r.getMessage() for r in caplog.records)
    assert restarted.index.keywords.search("Smyth", 1)[0][0].startswith(AMBASSADOR)
    report = restarted.ingest()
    assert not report.changed
    assert not restarted.index.ingest_marker.exists()
    caplog.clear()
    again = open_pipeline(small_corpus, data)
    assert not any("interrupted" in r.getMessage() for r in caplog.records)
    assert_index_matches_corpus(again, small_corpus)


def test_killed_half_way_through_saving_the_keyword_index(
    small_corpus: Path, tmp_path: Path, monkeypatch
):
    data = tmp_path / "data"
    pipeline = open_pipeline(small_corpus, data)
    pipeline.ingest()
    before = sorted(KeywordIndex.load(pipeline.index.keyword_dir).ids)
    write_articles(small_corpus, 3, seed=5, first=50)
    real_replace = os.replace

    def replace(source, target):
        if Path(target).name == MANIFEST:  # the new segment written, the manifest not swapped
            raise Killed("before the manifest is swapped in")
        return real_replace(source, target)

    with monkeypatch.context() as patch:
        patch.setattr(rag.keyword.os, "replace", replace)
        with pytest.raises(Killed):
            pipeline.ingest()
    assert sorted(KeywordIndex.load(pipeline.index.keyword_dir).ids) == before  # the old one, whole

    restarted = open_pipeline(small_corpus, data)

    assert_index_matches_corpus(restarted, small_corpus)
    restarted.ingest()
    siblings = {p.name for p in pipeline.index.keyword_dir.parent.iterdir()}
    assert siblings == {pipeline.index.keyword_dir.name}  # no marker left behind
    saved = KeywordIndex.load(pipeline.index.keyword_dir)
    inside = {p.name for p in pipeline.index.keyword_dir.iterdir()}
    assert inside == {MANIFEST} | {seg.name for seg in saved.segments}  # no orphan segment


class FailingEmbedder(HashingEmbedder):
    """Fails on its n-th call, as a remote embedding service can half-way through."""

    def __init__(self, fail_on: int):
        super().__init__()
        self.fail_on = fail_on

    def embed(self, texts):
        if self.calls + 1 == self.fail_on:
            self.calls += 1
            raise RuntimeError("embedding service unavailable")
        return super().embed(texts)


def test_an_embedder_error_half_way_keeps_what_was_written_in_step(
    corpus: Path, tmp_path: Path, monkeypatch
):
    write_articles(corpus, 70)  # more than one embedding batch
    data = tmp_path / "data"
    pipeline = rag.Library(settings_for(corpus, data), embedder=FailingEmbedder(fail_on=2))

    with pytest.raises(RuntimeError, match="unavailable"):
        pipeline.ingest()

    written = pipeline.index.store.articles()
    assert 0 < len(written) < 75 and all(a.complete for a in written.values())
    assert_keywords_in_step(pipeline)
    assert not pipeline.index.ingest_marker.exists()  # handled in-process: nothing to recover
    report = pipeline.ingest()
    assert len(report.added) == 75 - len(written)
    assert_index_matches_corpus(pipeline, corpus)


def test_rebuild_from_the_corpus_folder_at_any_time(small_corpus: Path, tmp_path: Path):
    """``rag ingest --rebuild`` = drop this model's collection and keywords, then ingest."""
    from rag.chroma import drop_collection

    data = tmp_path / "data"
    pipeline = open_pipeline(small_corpus, data)
    pipeline.ingest()
    (small_corpus / "syn_0003.txt").unlink()

    drop_collection(pipeline.settings)
    rebuilt = open_pipeline(small_corpus, data)
    rebuilt.ingest()

    assert_index_matches_corpus(rebuilt, small_corpus)
    shutil.rmtree(data / "bm25")
    assert_index_matches_corpus(open_pipeline(small_corpus, data), small_corpus)
