"""A real OpenAI-compatible ``/v1/embeddings`` server on 127.0.0.1 for subprocess tests.

It answers with :class:`conftest.HashingEmbedder` vectors, so a ``rag`` command run with
``RAG_EMBEDDER=openai RAG_EMBED_BASE_URL=<url>`` stores exactly what an in-process pipeline
built with ``HashingEmbedder`` stores, without loading a model. It counts the requests it
has answered, so a test can act (e.g. kill the client) right after the n-th one.
"""

from __future__ import annotations

import base64
import json
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import HashingEmbedder

MODEL = "hashing-test"


class EmbeddingServer:
    def __init__(self) -> None:
        self.answered = 0
        self.texts = 0
        self._changed = threading.Condition()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def env(self) -> dict[str, str]:
        """The ``RAG_*`` variables that point a ``rag`` process at this server."""
        return {"RAG_EMBEDDER": "openai", "RAG_EMBED_MODEL": MODEL, "RAG_EMBED_BASE_URL": self.url}

    def __enter__(self) -> EmbeddingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for(self, answered: int, timeout: float) -> bool:
        """True once ``answered`` requests have been answered; False after ``timeout`` s."""
        with self._changed:
            return self._changed.wait_for(lambda: self.answered >= answered, timeout)

    def _record(self, texts: int) -> None:
        with self._changed:
            self.answered += 1
            self.texts += texts
            self._changed.notify_all()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                as_base64 = body.get("encoding_format") == "base64"
                data = [
                    {"object": "embedding", "index": i, "embedding": encode(vector, as_base64)}
                    for i, vector in enumerate(HashingEmbedder.vector(t) for t in texts)
                ]
                payload = json.dumps(
                    {
                        "object": "list",
                        "data": data,
                        "model": body.get("model", MODEL),
                        "usage": {"prompt_tokens": 0, "total_tokens": 0},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
                server._record(len(texts))

            def log_message(self, *args) -> None:
                pass

        return Handler


def encode(vector: list[float], as_base64: bool):
    if not as_base64:
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
