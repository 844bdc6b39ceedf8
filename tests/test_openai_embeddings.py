"""Embeddings from an OpenAI-compatible /v1/embeddings server (TEI, vLLM, Ollama, OpenAI):
a real HTTP server on 127.0.0.1, written here, that returns deterministic vectors."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import SEED_IDS, HashingEmbedder

import rag

MODEL = "test-embed-small"


class EmbeddingsHandler(BaseHTTPRequestHandler):
    """POST /v1/embeddings → the hashing vectors, scaled by 3 (clients must normalize)."""

    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 (the stdlib's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v1/embeddings":
            return self._send(404, {"error": {"message": f"no route {self.path}"}})
        if body.get("model") != MODEL:
            return self._send(404, {"error": {"message": f"model {body.get('model')} not found"}})
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        type(self).requests.append(body)
        data = [
            {"object": "embedding", "index": i, "embedding": [3 * x for x in vector(text)]}
            for i, text in enumerate(inputs)
        ]
        usage = {"prompt_tokens": 0, "total_tokens": 0}
        self._send(200, {"object": "list", "data": data, "model": MODEL, "usage": usage})

    def _send(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


def vector(text: str) -> list[float]:
    return HashingEmbedder.vector(text)


@pytest.fixture
def embeddings_server():
    EmbeddingsHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), EmbeddingsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def openai_settings(embeddings_server, corpus: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDER", "openai")
    monkeypatch.setenv("RAG_EMBED_MODEL", MODEL)
    monkeypatch.setenv("RAG_EMBED_BASE_URL", embeddings_server)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    return rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data")


def test_ingest_and_ask_embed_through_the_server(openai_settings):
    pipeline = rag.Library(openai_settings)
    report = pipeline.ingest()

    assert sorted(report.added) == SEED_IDS
    texts = [text for request in EmbeddingsHandler.requests for text in request["input"]]
    assert len(texts) == report.chunks_embedded == pipeline.status().chunks
    assert all(len(r["input"]) <= 128 for r in EmbeddingsHandler.requests)  # batched requests
    assert pipeline.status().model == MODEL
    assert MODEL.replace("-", "") in pipeline.settings.collection_name().replace("-", "")

    stored = next(iter(pipeline.index.store.all_chunks()))
    got = pipeline.index.store.embeddings([stored.id])[stored.id]
    assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(got, vector(stored.chunk.text)))

    question = "Who is the head of the NATO Parliamentary Assembly?"
    EmbeddingsHandler.requests.clear()
    answer = pipeline.ask(question)
    sent = [r["input"] for r in EmbeddingsHandler.requests]
    assert sent[0] == [question]  # retrieval's; then the passages' sentences, for the answerer
    assert all(question not in batch for batch in sent[1:])
    assert answer.citations and not answer.abstained
    EmbeddingsHandler.requests.clear()
    pipeline.ask(question)
    assert EmbeddingsHandler.requests == []  # every vector remembered


def test_a_second_ingest_sends_nothing_to_the_server(openai_settings):
    pipeline = rag.Library(openai_settings)
    pipeline.ingest()
    EmbeddingsHandler.requests.clear()

    assert pipeline.ingest().chunks_embedded == 0
    assert EmbeddingsHandler.requests == []


def test_a_server_error_is_reported_with_the_endpoint(openai_settings, monkeypatch):
    monkeypatch.setenv("RAG_EMBED_MODEL", "no-such-model")
    settings = rag.Settings(
        corpus_dir=openai_settings.corpus_dir, data_dir=openai_settings.data_dir
    )
    pipeline = rag.Library(settings)

    with pytest.raises(RuntimeError, match="RAG_EMBED_BASE_URL.*no-such-model"):
        pipeline.ingest()
    assert pipeline.status().chunks == 0
