"""`make bench`: timings measured in one run on this machine (a script, not a test).

Warm ``ask()`` against one query-embedding forward pass of the same model; re-ingest of
the unchanged corpus (embeddings computed and time); cold ``rag ask`` in a new process.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class CountingEmbedder:
    """Wraps the real embedder and counts the texts it embeds."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.count = 0

    def embed(self, texts):
        self.count += len(texts)
        return self.inner.embed(texts)


def median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def p95_ms(samples: list[float]) -> float:
    return 1000 * sorted(samples)[int(0.95 * (len(samples) - 1))]


def main() -> int:
    from eval.run import read_questions
    from rag import Settings
    from rag.embedding import MiniLMEmbedder
    from rag.pipeline import build_pipeline

    questions = [q["question"] for q in read_questions() if "question" in q]
    data = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    settings = Settings(corpus_dir=ROOT / "seeds", data_dir=data, answerer="extractive")
    embedder = CountingEmbedder(MiniLMEmbedder())
    pipeline = build_pipeline(settings, embedder=embedder)
    started = time.perf_counter()
    first = pipeline.ingest()
    first_ingest = time.perf_counter() - started
    chunks = pipeline.status().chunks

    embedder.count = 0
    started = time.perf_counter()
    pipeline.ingest()
    reingest = time.perf_counter() - started
    reembedded = embedder.count

    for q in questions[:10]:
        pipeline.ask(q)
        embedder.inner.embed([q])
    forward, asks = [], []
    for _ in range(3):
        for q in questions:
            t = time.perf_counter()
            embedder.inner.embed([q])
            forward.append(time.perf_counter() - t)
            t = time.perf_counter()
            pipeline.ask(q)
            asks.append(time.perf_counter() - t)

    env = dict(os.environ, RAG_CORPUS_DIR=str(ROOT / "seeds"), RAG_DATA_DIR=str(data))
    rag = Path(sys.executable).with_name("rag")
    cold = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([str(rag), "ask", questions[0]], env=env, check=True, capture_output=True)
        cold.append(time.perf_counter() - t)

    rows = [
        ("machine", f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"),
        ("corpus", f"seeds/: {len(pipeline.store.articles())} articles, {chunks} chunks (real)"),
        ("first ingest", f"{first_ingest:.2f} s, {first.chunks_embedded} chunks embedded"),
        ("re-ingest, unchanged corpus", f"{reingest:.3f} s, {reembedded} chunks embedded"),
        ("query embedding (1 forward pass)", f"median {median_ms(forward):.1f} ms"),
        ("warm ask()", f"median {median_ms(asks):.1f} ms, p95 {p95_ms(asks):.1f} ms"),
        (
            "warm ask() / forward pass",
            f"{statistics.median(asks) / statistics.median(forward):.2f}x",
        ),
        ("cold `rag ask` (new process)", f"median {statistics.median(cold):.2f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    print("| measure | value |\n|---|---|")
    for key, value in rows:
        print(f"| {key.ljust(width)} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
