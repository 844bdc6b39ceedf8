"""The eval's unrelated articles: deterministic, and a later slice for the fit's news questions."""

from __future__ import annotations

from eval.distractors import build_articles, write_distractors


def test_a_skipped_slice_numbers_on_and_keeps_its_own_prefix(tmp_path):
    first = write_distractors(tmp_path, count=2, source="generated")
    later = write_distractors(tmp_path, count=3, source="generated", skip=2, prefix="nw_")
    assert [p.name for p in first] == ["dx_0001.txt", "dx_0002.txt"]
    assert [p.name for p in later] == ["nw_0003.txt", "nw_0004.txt", "nw_0005.txt"]
    articles, _ = build_articles(5, "generated")
    assert [p.read_text(encoding="utf-8") for p in first + later] == articles
    assert len(list(tmp_path.iterdir())) == 5  # one prefix's files never remove the other's
