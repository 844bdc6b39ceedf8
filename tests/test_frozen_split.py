"""The test and holdout splits stay fair tests: none of their questions (or a close paraphrase)
appears in code, tests or the dev sets, and the shipped weights were fitted without them."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from eval.run import read_questions

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "eval" / "dev" / "questions.jsonl"
NEWS = ROOT / "eval" / "news" / "questions.jsonl"
# Each frozen split, and the question sets it must not share a question with (the news split
# was written after the test split, and shares one general off-topic question with it).
FROZEN = {
    ROOT / "eval" / "test" / "questions.jsonl": (DEV,),
    ROOT / "eval" / "holdout" / "questions.jsonl": (DEV, NEWS),
}
WORD = re.compile(r"[a-z0-9]+")
COMMON = frozenset(
    "the a an of to in on at for is was are were did does do what who when where why how which "
    "and or with about by from that this it its be has have had will would".split()
)


def words(text: str) -> frozenset[str]:
    return frozenset(WORD.findall(text.lower())) - COMMON


def turns(path: Path) -> list[dict]:
    return [t for row in read_questions(path) for t in row.get("turns", [row])]


def questions_of(path: Path) -> list[str]:
    return [t["question"] for t in turns(path)]


def frozen_questions(split: Path) -> list[str]:
    # a turn that is also a dev question (tagged so) is the dev set's to use
    return [t["question"] for t in turns(split) if "dev_duplicate" not in t.get("tags", [])]


def literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def close(a: frozenset[str], b: frozenset[str]) -> bool:
    """Most content words shared both ways: the same question, or a light rewording."""
    return len(a) >= 3 and len(a & b) / len(a | b) >= 0.75


@pytest.mark.parametrize("split", list(FROZEN), ids=lambda p: p.parent.name)
def test_no_frozen_question_appears_in_code_tests_or_dev(split):
    frozen = [(q, words(q)) for q in frozen_questions(split)]
    places = [p for d in ("rag", "tests", "ui", "eval", "bench") for p in (ROOT / d).rglob("*.py")]
    texts = [(str(p.relative_to(ROOT)), s) for p in places for s in literals(p)]
    for dev in FROZEN[split]:
        texts += [(str(dev.relative_to(ROOT)), q) for q in questions_of(dev)]
    found = []
    for where, text in texts:
        for piece in re.split(r"(?<=[?.!])\s+", text):
            mine = words(piece)
            found += [(where, q) for q, theirs in frozen if close(mine, theirs)]
    assert not found, f"frozen questions outside their split: {found[:5]}"


def test_the_weights_were_fitted_without_the_frozen_splits():
    data = json.loads((ROOT / "rag" / "answer" / "weights.json").read_text())
    assert data["provenance"]["fitted_on"]
    for p in data["provenance"]["fitted_on"]:
        assert not {"test", "holdout"} & set(Path(p).parts), p


@pytest.mark.parametrize("split", list(FROZEN), ids=lambda p: p.parent.name)
def test_the_fit_refuses_a_frozen_split(split, capsys):
    from rag.answer.fit import main

    with pytest.raises(SystemExit):
        main(["seeds", str(split.relative_to(ROOT))])
    assert "frozen" in capsys.readouterr().err
