"""A damaged or missing data dir is caught at start: a clear message and a rebuild hint.

Each test damages a fresh copy of one pristine index (a copy this process never opened,
as Chroma caches open databases per path), then runs the CLI on it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, HashingEmbedder
from embedding_server import MODEL, EmbeddingServer

import rag
from rag.cli import main
from rag.keyword import KeywordIndex

QUESTION = "Who is the US Ambassador to NATO?"


def settings_for(corpus: Path, data: Path, url: str) -> rag.Settings:
    return rag.Settings(
        corpus_dir=corpus, data_dir=data, embedder="openai", embed_model=MODEL, embed_base_url=url
    )


@pytest.fixture(scope="module")
def server():
    with EmbeddingServer() as running:
        yield running


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, server) -> dict:
    root = tmp_path_factory.mktemp("pristine")
    shutil.copytree(SEEDS, root / "corpus")
    settings = settings_for(root / "corpus", root / "data", server.url)
    pipeline = rag.Library(settings, embedder=HashingEmbedder())
    pipeline.ingest()
    status = pipeline.status()
    return {
        "corpus": root / "corpus",
        "data": root / "data",
        "keyword_dir": Path(pipeline.index.keyword_dir).relative_to(root / "data"),
        "counts": {"articles": status.articles, "chunks": status.chunks},
    }


@pytest.fixture
def damaged(pristine, server, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the pristine data dir that the CLI (RAG_* set here) will use."""
    data = tmp_path / "data"
    shutil.copytree(pristine["data"], data)
    env = {**server.env(), "RAG_CORPUS_DIR": str(pristine["corpus"]), "RAG_DATA_DIR": str(data)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return data


def status_counts(capsys) -> dict:
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    return {"articles": status["articles"], "chunks": status["chunks"]}


def garble(path: Path) -> None:
    path.write_bytes(os.urandom(max(path.stat().st_size, 4096)))


def test_garbage_database_is_reported_at_start_then_rebuilt(damaged: Path, pristine, server):
    garble(damaged / "chroma" / "chroma.sqlite3")
    env = {
        **os.environ,
        **server.env(),
        "RAG_CORPUS_DIR": str(pristine["corpus"]),
        "RAG_DATA_DIR": str(damaged),
    }

    def rag_cli(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "rag", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    status = rag_cli("status")
    rebuild = rag_cli("ingest", "--rebuild")

    assert status.returncode == 2
    assert "damaged" in status.stderr and "rag ingest --rebuild" in status.stderr
    assert "Traceback" not in status.stderr
    assert rebuild.returncode == 0, rebuild.stderr
    assert "moved the damaged index" in rebuild.stderr
    kept = list(damaged.glob("chroma.damaged-*"))
    assert len(kept) == 1 and (kept[0] / "chroma.sqlite3").exists()  # set aside, not deleted
    reopened = rag.Library(
        settings_for(pristine["corpus"], damaged, server.url), embedder=HashingEmbedder()
    )
    status = reopened.status()
    assert {"articles": status.articles, "chunks": status.chunks} == pristine["counts"]
    assert reopened.ask(QUESTION).citations[0].doc_id == "001_5e5283315bc32363"


def test_truncated_database_is_a_clear_error_not_a_traceback(damaged: Path, capsys):
    with open(damaged / "chroma" / "chroma.sqlite3", "r+b") as database:
        database.truncate(50_000)

    assert main(["status"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("error: The index in") and "rag ingest --rebuild" in err


@pytest.mark.parametrize("damage", ["manifest.json", "ids.npy", "vocab.npy", "tfs.npy", "all"])
def test_damaged_keyword_files_are_rebuilt_from_the_vectors_with_a_warning(
    damaged: Path, pristine, damage: str, capsys, caplog
):
    keyword_dir = damaged / pristine["keyword_dir"]
    segments = [p for p in keyword_dir.iterdir() if p.is_dir()]
    assert segments
    if damage == "all":  # every segment gone, the manifest naming them left
        for segment in segments:
            shutil.rmtree(segment)
    elif damage == "manifest.json":
        garble(keyword_dir / damage)
    else:
        garble(segments[0] / damage)
    caplog.set_level(logging.WARNING, logger="rag")

    assert status_counts(capsys) == pristine["counts"]

    assert any("unreadable: rebuilt" in r.getMessage() for r in caplog.records)
    rebuilt = KeywordIndex.load(keyword_dir)
    assert rebuilt is not None and len(rebuilt) == pristine["counts"]["chunks"]


def test_a_missing_vector_store_is_named_and_the_next_question_rebuilds_it(
    damaged: Path, pristine, capsys, caplog
):
    shutil.rmtree(damaged / "chroma")
    caplog.set_level(logging.WARNING, logger="rag")

    assert main(["status", "--json"]) == 0
    out, err = capsys.readouterr()
    assert (json.loads(out)["articles"], json.loads(out)["chunks"]) == (0, 0)
    assert "`rag ingest` builds it" in err
    assert any("keyword index lists" in r.getMessage() for r in caplog.records)

    assert main(["ask", QUESTION]) == 0

    assert "Julianne Smith" in capsys.readouterr().out
    assert any("building it from" in r.getMessage() for r in caplog.records)
    assert status_counts(capsys) == pristine["counts"]


def test_an_empty_index_status_hints_at_ingest(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "never-used"))
    monkeypatch.setenv("RAG_CORPUS_DIR", str(SEEDS))
    assert main(["status"]) == 0
    assert "`rag ingest` builds it" in capsys.readouterr().err


def test_a_data_dir_that_is_a_file_is_a_clear_error(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / "data").write_text("not a folder")
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))

    assert main(["status"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("error: Cannot use") and "RAG_DATA_DIR" in err
