"""The feedback log: append-only JSON Lines; concurrent writers; a torn line costs one entry."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest

from rag.feedback import append_feedback, feedback_path, read_feedback


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return feedback_path(tmp_path / "data")


def test_entries_are_appended_as_json_lines_and_earlier_bytes_never_change(log_path: Path):
    first = append_feedback(log_path, {"question": "Who?", "rating": 1, "note": "Київ ✓"})
    before = log_path.read_bytes()

    append_feedback(log_path, {"question": "Where?", "rating": -1})

    after = log_path.read_bytes()
    assert after.startswith(before)
    lines = after.decode("utf-8").splitlines()
    assert [json.loads(line)["question"] for line in lines] == ["Who?", "Where?"]
    assert read_feedback(log_path)[0] == first
    assert first["note"] == "Київ ✓" and "time" in first


def test_concurrent_writers_never_interleave_lines(log_path: Path):
    errors = []

    def write(thread: int) -> None:
        try:
            for n in range(50):
                append_feedback(log_path, {"thread": thread, "n": n, "comment": "x" * 2000})
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=write, args=(t,), daemon=True) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert not any(t.is_alive() for t in threads)
    assert errors == []
    entries = read_feedback(log_path)
    assert sorted((e["thread"], e["n"]) for e in entries) == [
        (t, n) for t in range(8) for n in range(50)
    ]


def test_a_line_torn_by_a_crash_costs_only_that_entry(log_path: Path, caplog):
    append_feedback(log_path, {"rating": 1})
    with open(log_path, "ab") as torn:  # a writer killed half-way through its line
        torn.write(b'{"rating": -1, "comm')

    append_feedback(log_path, {"rating": 0})

    caplog.set_level(logging.WARNING, logger="rag")
    assert [e["rating"] for e in read_feedback(log_path)] == [1, 0]
    assert any("line 2" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("entry", "error"),
    [({"when": object()}, TypeError), ({"score": float("nan")}, ValueError), (["x"], TypeError)],
)
def test_an_entry_that_is_not_json_is_refused_and_nothing_is_written(log_path: Path, entry, error):
    append_feedback(log_path, {"rating": 1})
    before = log_path.read_bytes()

    with pytest.raises(error):
        append_feedback(log_path, entry)

    assert log_path.read_bytes() == before


def test_a_missing_log_reads_as_empty(log_path: Path):
    assert read_feedback(log_path) == []
