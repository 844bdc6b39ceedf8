"""A real OpenAI-compatible chat server on 127.0.0.1 that answers from a script.

It speaks ``POST /v1/chat/completions``, plain JSON and streaming (server-sent events),
records every request it gets, and can fail, stall or answer slowly on cue.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering (cut short when the server stops)
    stall_after: int | None = None  # streaming: pieces sent before going silent
    yes: float | None = None  # asked for logprobs: P("Yes") of the first token (rest "No")


Script = Callable[[dict], Reply]


def sources(body: dict) -> dict[int, str]:
    """The numbered source texts inside the fence of the request's user message."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    found = re.finditer(r'<source number="(\d+)"[^>]*>\n(.*?)\n</source>', user, re.DOTALL)
    return {int(m.group(1)): m.group(2) for m in found}


def number_of(body: dict, phrase: str) -> int:
    """The source number whose text holds ``phrase``."""
    return next(n for n, text in sources(body).items() if phrase in text)


def number_without(body: dict, phrase: str) -> int:
    """A source number whose text does not hold ``phrase``."""
    return next(n for n, text in sources(body).items() if phrase not in text)


def is_condense(body: dict) -> bool:
    return "standalone question" in body["messages"][0]["content"]


class _Handler(BaseHTTPRequestHandler):
    server: ChatServer

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        if self.path.rstrip("/") != "/v1/chat/completions":
            return self._json(404, {"error": {"message": f"no route {self.path}"}})
        reply = self.server.script(body)
        if reply.delay:
            self.server.stopping.wait(reply.delay)
        try:
            if reply.status != 200:
                error = {"message": f"scripted failure {reply.status}", "type": "server_error"}
                return self._json(reply.status, {"error": error})
            if body.get("stream"):
                return self._stream(body, reply)
            return self._json(200, completion(body, reply.text, reply.yes))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: dict, reply: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        pieces = re.findall(r".{1,7}", reply.text, re.DOTALL)  # small pieces split markers
        for i, piece in enumerate(pieces):
            if reply.stall_after is not None and i >= reply.stall_after:
                self.server.stopping.wait(30)
                return
            self._event(chunk(body, {"content": piece}, None))
        self._event(chunk(body, {}, "stop"))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, payload: dict) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


def is_judge(body: dict) -> bool:
    return body["messages"][0]["content"].startswith("You check a sentence")


def completion(body: dict, text: str, yes: float | None = None) -> dict:
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": text},
        "finish_reason": "stop",
    }
    if body.get("logprobs") and yes is not None:
        top = [("Yes", yes), ("No", 1 - yes)]
        choice["logprobs"] = {
            "content": [
                {
                    "token": max(top, key=lambda t: t[1])[0],
                    "logprob": math.log(max(yes, 1 - yes)),
                    "bytes": None,
                    "top_logprobs": [
                        {"token": t, "logprob": math.log(max(p, 1e-9)), "bytes": None}
                        for t, p in top
                    ],
                }
            ]
        }
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", ""),
        "choices": [choice],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(body: dict, delta: dict, finish: str | None) -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", ""),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, script: Script):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.requests: list[dict] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def bodies(self, condense: bool | None = None) -> list[dict]:
        """Request bodies received, optionally only the condense (or only answer) ones."""
        found = [r["body"] for r in self.requests if "messages" in r["body"]]
        if condense is None:
            return found
        return [b for b in found if is_condense(b) == condense]

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
