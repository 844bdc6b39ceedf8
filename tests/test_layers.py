"""The layers: the library (rag/) imports no app; the apps (ui/), eval/ and bench/ use only
the names ``rag`` exports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

import rag

APPS = ("ui", "eval", "bench")


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def rag_names_used(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every rag import or ``rag.<name>`` that is not a public name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("rag.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("rag."):
                found.append((node.lineno, node.module))
            elif node.module == "rag":
                found += [
                    (node.lineno, f"rag.{a.name}") for a in node.names if a.name not in rag.__all__
                ]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "rag" and node.attr not in rag.__all__:
                found.append((node.lineno, f"rag.{node.attr}"))
    return found


def app_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [(node.lineno, n) for n in names if n.split(".")[0] in ("ui", "eval")]
    return found


@pytest.mark.parametrize("folder", APPS)
def test_apps_eval_and_bench_use_only_public_rag_names(folder):
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in python_files(folder)
        for line, name in rag_names_used(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert bad == [], "rag internals used outside the library (export them from rag instead)"


def test_the_library_imports_no_app_and_no_eval():
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in python_files("rag")
        for line, name in app_imports(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert bad == []


def test_every_exported_name_exists():
    assert all(hasattr(rag, name) for name in rag.__all__)
    assert "Library" in rag.__all__


def test_the_checker_sees_an_internal_import():
    tree = ast.parse("from rag.store import ChunkStore\nimport rag.keyword\nrag.pipeline.x\n")
    assert [name for _, name in rag_names_used(tree)] == [
        "rag.store",
        "rag.keyword",
        "rag.pipeline",
    ]
    assert app_imports(ast.parse("from ui.app import serve\nimport eval.run")) == [
        (1, "ui.app"),
        (2, "eval.run"),
    ]
