"""The ingest tests again, and retrieval, against a real Chroma server (`chroma run`).

The pipeline reaches the server only through RAG_CHROMA_HOST / RAG_CHROMA_PORT, as a
deployment would; the server runs for the module and is stopped by its process id.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import HashingEmbedder, stop_process
from test_ingest import *  # noqa: F403  (every ingest test, collected again here)
from test_ingest import KIRBY

import rag
from rag.chroma import chroma_client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """``(host, port)`` of a `chroma run` server on its own folder, up until the module ends."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).with_name("chroma")
    log = open(path.parent / f"chroma-{port}.log", "wb")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma run did not start; see {log.name}") from None
                time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        stop_process(server, timeout=20)
        log.close()


@pytest.fixture(autouse=True)
def remote_chroma(chroma_server, monkeypatch):
    """Every pipeline in this module talks to the server; each test starts from no collections."""
    host, port = chroma_server
    monkeypatch.setenv("RAG_CHROMA_HOST", host)
    monkeypatch.setenv("RAG_CHROMA_PORT", str(port))
    client = chroma_client(rag.Settings())
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    yield


def test_the_pipeline_really_uses_the_server(corpus: Path, tmp_path: Path, chroma_server):
    host, port = chroma_server
    pipeline = rag.Library(
        rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data"), embedder=HashingEmbedder()
    )
    pipeline.ingest()

    assert pipeline.status().store.startswith(f"chroma://{host}:{port}/articles-")
    assert not (tmp_path / "data" / "chroma").exists()  # nothing stored locally but BM25
    names = [c.name for c in chroma_client(pipeline.settings).list_collections()]
    assert names == [pipeline.settings.collection_name()]


def test_retrieval_and_answers_equal_the_embedded_stores(corpus: Path, tmp_path: Path):
    def pipeline(**where):
        settings = rag.Settings(corpus_dir=corpus, retrieval="hybrid", **where)
        built = rag.Library(settings, embedder=HashingEmbedder())
        built.ingest()
        return built

    remote = pipeline(data_dir=tmp_path / "remote")
    local = pipeline(data_dir=tmp_path / "local", chroma_host=None, chroma_port=None)
    assert remote.status().store.startswith("chroma://")
    assert not local.status().store.startswith("chroma://")

    for question in [
        "Who is the head of the NATO Parliamentary Assembly?",
        "Where will the NATO summit be held in July?",
        "What did John Kirby say about NATO membership for Ukraine?",
    ]:
        for mode in ("dense", "bm25", "hybrid"):
            got = remote.retrieve(question, 5, mode=mode)
            want = local.retrieve(question, 5, mode=mode)
            assert [p.chunk.id for p in got] == [p.chunk.id for p in want]
            assert got
        answer = remote.ask(question)
        assert answer.to_dict() == local.ask(question).to_dict()
        for citation in answer.citations:
            source = (corpus / f"{citation.doc_id}.txt").read_text(encoding="utf-8")
            assert citation.quote == source[citation.start : citation.end]


def test_a_second_machine_sees_the_same_index(corpus: Path, tmp_path: Path):
    """Two data folders (two machines) share the vectors on the server; the second one's
    keyword index is built from the server's chunks, not from its own files."""
    first = rag.Library(
        rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "a"), embedder=HashingEmbedder()
    )
    first.ingest()
    (corpus / f"{KIRBY}.txt").unlink()  # the second machine has no corpus copy of this one

    second = rag.Library(
        rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "b"), embedder=HashingEmbedder()
    )

    assert second.status().chunks == first.status().chunks
    assert sorted(second.index.keywords.ids) == sorted(first.index.keywords.ids)
    assert second.index.keywords.search("Kirby", 1)[0][0].startswith(KIRBY)
