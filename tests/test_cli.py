"""The `rag` command line in-process (cheap paths: no model is loaded), and import weight."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, HashingEmbedder

import rag
from rag.cli import main


@pytest.fixture
def env(monkeypatch, tmp_path: Path, corpus: Path) -> Path:
    """RAG_CORPUS_DIR (a seed copy) and RAG_DATA_DIR point into tmp_path."""
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_help_exits_zero_and_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("ingest", "ask", "chat", "serve", "status"):
        assert command in out


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_status_json_on_an_empty_index(env, capsys):
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["articles"] == 0
    assert status["chunks"] == 0


def test_status_json_counts_what_is_indexed(env: Path, corpus: Path, capsys):
    # Index with the hashing double into the collection the CLI opens (same settings).
    indexed = rag.Library(rag.Settings(corpus_dir=corpus, data_dir=env), embedder=HashingEmbedder())
    indexed.ingest()
    capsys.readouterr()

    assert main(["status", "--json"]) == 0

    status = json.loads(capsys.readouterr().out)
    assert isinstance(status["articles"], int) and isinstance(status["chunks"], int)
    assert status["articles"] == 5
    assert status["chunks"] == indexed.status().chunks > 5
    assert status["corpus_dir"] == str(corpus)


def test_status_plain_text(env, capsys):
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "articles: 0" in out and "chunks: 0" in out


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_empty_question_exits_2_with_an_error(env, capsys, question):
    assert main(["ask", question]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error:")
    assert "empty" in captured.err
    assert captured.out == ""


def test_ask_overlong_question_exits_2(env, capsys):
    assert main(["ask", "x" * 2001]) == 2
    assert "error:" in capsys.readouterr().err


def test_ingest_of_a_missing_corpus_exits_2_and_names_the_setting(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    assert main(["ingest"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:")
    assert "RAG_CORPUS_DIR" in err


HEAVY = ("torch", "sentence_transformers", "chromadb", "llama_index", "gradio", "trafilatura")
HEAVY += ("pypdf", "lxml", "yaml")


@pytest.mark.parametrize("statement", ["import rag", "import rag, rag.cli"])
def test_importing_rag_loads_no_heavy_library(statement):
    code = (
        f"{statement}, sys, json; heavy = {HEAVY!r}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_articles_article_and_remove_from_the_command_line(tmp_path, monkeypatch, capsys):
    import shutil

    from conftest import SEEDS

    from rag.cli import main

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    assert main(["ingest"]) == 0
    capsys.readouterr()
    assert main(["articles", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 5 and {"doc_id", "title", "date", "outlet", "chunks"} <= listed[0].keys()
    doc = listed[0]["doc_id"]
    assert main(["article", doc]) == 0
    assert len(capsys.readouterr().out) > 500  # the article's text
    assert main(["remove", doc]) == 0
    assert "4 articles" in capsys.readouterr().out
    assert main(["article", doc]) == 2
    assert f"no article '{doc}'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["ask", "q?", "--since", "2024-13-01"], ["chat", "--until", "last week"]]
)
def test_a_bad_date_option_exits_2_and_says_which(env, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and ("since" in err or "until" in err)


def test_ask_since_until_restricts_the_sources(env: Path, corpus: Path, capsys):
    indexed = rag.Library(rag.Settings(corpus_dir=corpus, data_dir=env), embedder=HashingEmbedder())
    indexed.ingest()
    indexed.close()
    capsys.readouterr()
    # Only 000 is dated (2024-10-18): a range that leaves it out, undated ones excluded too
    argv = ["ask", "What did the White House say?", "--json", "--until", "2024-01-01"]
    assert main(argv + ["--exclude-undated"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["abstained"] and answer["citations"] == []
