"""`python -m eval.generation_gate`: what the pre-generation gate stops, per split.

The gate (the extractive answerer's confidence, threshold ``generation_threshold`` in
rag/answer/weights.json, calibrated on dev by rag/answer/fit.py) keeps a language model
from being asked when the passages are unlikely to hold the answer. Here: on each split,
how many unanswerable questions it stops (good) and how many answerable ones (bad). No
model is needed: the gate runs before it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.run import OUT, SPLITS
from eval.squad import SQUAD, squad_corpus


def stops(corpus: Path, questions: Path, data_dir: Path, threshold: float) -> dict[str, tuple]:
    from rag.answer.fit import collect, outcomes
    from rag.answer.model import ScoringModel

    results = outcomes(ScoringModel.load(), collect(corpus, questions, data_dir))
    answerable = [s for _, a, s, _ in results if a]
    unanswerable = [s for _, a, s, _ in results if not a]
    return {
        "unanswerable stopped": (sum(s < threshold for s in unanswerable), len(unanswerable)),
        "answerable stopped": (sum(s < threshold for s in answerable), len(answerable)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.generation_gate", description=__doc__)
    parser.add_argument("--splits", default="dev,test,squad")
    parser.add_argument("--threshold", type=float, help="default: the calibrated one")
    args = parser.parse_args(argv)
    from rag.answer.model import ScoringModel

    threshold = args.threshold or ScoringModel.load().generation_threshold
    print(f"generation gate: {threshold:.3f}\n")
    print("| split | unanswerable stopped | answerable stopped |\n|---|---|---|")
    for split in args.splits.split(","):
        if split == "squad":
            corpus, _ = squad_corpus(SQUAD, OUT / "squad")
            questions = OUT / "squad" / "questions.jsonl"
        else:
            corpus, questions = Path("seeds"), SPLITS[split]
        found = stops(corpus, questions, OUT / f"gate-{split}", threshold)
        cells = " | ".join(f"{n}/{d} ({n / max(1, d):.3f})" for n, d in found.values())
        print(f"| {split} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
