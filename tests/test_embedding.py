"""MiniLM on onnxruntime: an export made once from the bundled torch model, equal to it within
1e-4, readable by chromadb's own ONNX embedding function, and a cold start without torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SEEDS

import rag
import rag.embedding
from rag.embedding import MiniLMEmbedder
from rag.settings import MINILM

pytestmark = pytest.mark.slow

TEXTS = [
    "Who is the US Ambassador to NATO?",
    "NATO",
    "",
    *(SEEDS / "000_d5031ddde8e4f165.txt").read_text(encoding="utf-8").split("\n\n")[:6],
]
LONG = "The alliance met in Brussels and agreed on air defence for Ukraine. " * 60  # > 256 pieces


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> MiniLMEmbedder:
    """An embedder whose first embed made the ONNX export (in chromadb's folder layout)."""
    directory = tmp_path_factory.mktemp("data") / "onnx" / MINILM / "onnx"
    embedder = MiniLMEmbedder(onnx_dir=directory)
    embedder.embed(["warm up"])
    assert (directory / "model.onnx").exists()
    return embedder


def test_onnx_vectors_equal_torch_within_1e_4(exported):
    texts = [*TEXTS, LONG]
    want = exported.torch_embed(texts)
    batched = np.array(exported.embed(texts))
    one_by_one = np.array([exported.embed([t])[0] for t in texts])
    assert batched.shape == want.shape == (len(texts), 384)
    assert np.abs(batched - want).max() <= 1e-4
    assert np.abs(one_by_one - want).max() <= 1e-4
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_chromadb_onnx_embedding_function_runs_on_the_export(exported):
    from chromadb.utils.embedding_functions import ONNXMiniLM_L6_V2

    function = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    function.DOWNLOAD_PATH = exported.onnx_dir.parent  # it reads <DOWNLOAD_PATH>/onnx/*
    got = np.array(function(TEXTS))
    assert np.abs(got - exported.torch_embed(TEXTS)).max() <= 1e-4


def test_a_new_process_answers_from_an_index_without_torch_or_llama_index(exported, tmp_path):
    data = tmp_path / "data"
    settings = rag.Settings(corpus_dir=SEEDS, data_dir=data)
    shutil.copytree(exported.onnx_dir, rag.embedding.onnx_dir(settings))
    rag.Library(settings, embedder=exported).ingest()
    script = (
        "import json, sys\n"
        "import rag\n"
        "answer = rag.Library().ask('Who is the US Ambassador to NATO?')\n"
        "heavy = ('torch', 'sentence_transformers', 'transformers', 'llama_index', 'nltk')\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
        "print(json.dumps({'text': answer.text, 'heavy': loaded}))\n"
    )
    env = dict(os.environ, RAG_DATA_DIR=str(data), RAG_CORPUS_DIR=str(SEEDS))
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["heavy"] == []
    assert "Julianne Smith" in result["text"]


def test_a_failed_export_leaves_torch_in_charge(exported, tmp_path, monkeypatch, caplog):
    import torch

    def broken_export(*args, **kwargs):
        raise RuntimeError("no exporter here")

    monkeypatch.setattr(torch.onnx, "export", broken_export)
    embedder = MiniLMEmbedder(onnx_dir=tmp_path / "onnx")
    embedder._model = exported.model  # the torch model already loaded

    vectors = embedder.embed(TEXTS[:2])

    assert np.abs(np.array(vectors) - exported.torch_embed(TEXTS[:2])).max() == 0
    assert "using torch" in caplog.text and "no exporter here" in caplog.text
    assert list(tmp_path.iterdir()) == []  # no half export left behind


def test_an_export_whose_vectors_disagree_is_discarded(exported, tmp_path, monkeypatch):
    monkeypatch.setattr(rag.embedding, "ONNX_TOLERANCE", -1.0)  # nothing can pass
    embedder = MiniLMEmbedder(onnx_dir=tmp_path / "onnx")
    embedder._model = exported.model

    with pytest.raises(rag.embedding.OnnxExportError, match="differ from torch"):
        rag.embedding.export_onnx(embedder, tmp_path / "onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_export_leaves_torch_in_charge(exported, tmp_path, caplog):
    shutil.copytree(exported.onnx_dir, tmp_path / "onnx")
    (tmp_path / "onnx" / "model.onnx").write_bytes(b"not a model")
    embedder = MiniLMEmbedder(onnx_dir=tmp_path / "onnx")
    embedder._model = exported.model

    vectors = embedder.embed(TEXTS[:2])

    assert np.abs(np.array(vectors) - exported.torch_embed(TEXTS[:2])).max() == 0
    assert "is unusable" in caplog.text
