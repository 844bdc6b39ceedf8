"""Shared test doubles and fixtures: a deterministic hashing embedder and tmp corpora."""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import rag

# No test may reach a model hub; the bundled MiniLM loads from site-packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_IDS = [
    "000_d5031ddde8e4f165",
    "001_5e5283315bc32363",
    "002_64ddeed9f9114310",
    "003_177e5bb7354ccfd6",
    "004_49dc9b557f48420a",
]
DIM = 384


class HashingEmbedder:
    """Bag of hashed words → a unit-length 384-dim vector; counts every text it embeds."""

    name = "hashing-test"

    def __init__(self) -> None:
        self.embedded = 0  # texts embedded over the embedder's life
        self.calls = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        self.embedded += len(texts)
        return [self.vector(text) for text in texts]

    @staticmethod
    def vector(text: str) -> list[float]:
        counts = [0.0] * DIM
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            counts[int.from_bytes(digest, "big") % DIM] += 1.0
        norm = math.sqrt(sum(c * c for c in counts))
        if norm == 0.0:  # no words at all: a fixed unit vector rather than zeros
            counts[0], norm = 1.0, 1.0
        return [c / norm for c in counts]


_MINILM: list = []


def shared_minilm(settings: rag.Settings):
    """The bundled MiniLM as ``rag.Library`` builds it, loaded once for the whole session."""
    if not _MINILM:
        from rag.pipeline import build_embedder

        _MINILM.append(build_embedder(settings))
    return _MINILM[0]


def seeded_pipeline(root: Path, real_model: bool = False) -> rag.Library:
    """A Library over a private copy of the seeds under ``root``, ingested; the hashing
    embedder unless ``real_model`` (the bundled MiniLM, shared by every module that loads it)."""
    shutil.copytree(SEEDS, root / "corpus")
    settings = rag.Settings(corpus_dir=root / "corpus", data_dir=root / "data")
    embedder = shared_minilm(settings) if real_model else HashingEmbedder()
    built = rag.Library(settings, embedder=embedder)
    built.ingest()
    return built


@pytest.fixture(scope="session", autouse=True)
def _no_rag_environment():
    """RAG_* and OPENAI_* variables of whoever runs the tests must not change what they build."""
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.upper().startswith("RAG_") or key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
                mp.delenv(key)
        yield


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private, editable copy of the five seed articles."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def make_pipeline(tmp_path: Path):
    """``make_pipeline(corpus_dir)`` → a Library on real Chroma in tmp_path, hashing embedder."""

    def make(
        corpus_dir: Path, embedder: HashingEmbedder | None = None, data_dir: Path | None = None
    ):
        settings = rag.Settings(corpus_dir=corpus_dir, data_dir=data_dir or tmp_path / "data")
        return rag.Library(settings, embedder=embedder or HashingEmbedder())

    return make


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    """The real pipeline over the seeds; the model is shared with any module that loaded it."""
    return seeded_pipeline(tmp_path_factory.mktemp("seeds-minilm"), real_model=True)


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
