"""The CI quality gate: fails when a metric drops below eval/thresholds.toml."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from eval.run import OUT, evaluate

THRESHOLDS = Path(__file__).parent / "thresholds.toml"


def failures(summary: dict, thresholds: dict[str, float]) -> list[str]:
    return [
        f"{key} {summary[key]['rate']:.3f} < {minimum}"
        for key, minimum in thresholds.items()
        if summary[key]["rate"] < minimum
    ]


def main() -> int:
    thresholds = tomllib.loads(THRESHOLDS.read_text())
    from rag import Settings

    default = Settings().retrieval
    report = evaluate(Path("seeds"), OUT / "index", peer=False, modes=(default,))
    summary = report["systems"][default]["summary"]
    for key in thresholds:
        print(f"gate: {key} = {summary[key]['rate']:.3f} (minimum {thresholds[key]})")
    failed = failures(summary, thresholds)
    for line in failed:
        print(f"gate FAILED: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
