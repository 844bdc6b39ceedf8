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

from eval.run import OUT, SPLITS, read_questions
from eval.squad import SQUAD, squad_corpus


def confidences(corpus: Path, questions: Path, data_dir: Path) -> tuple[list, float]:
    """(answerable, the gate's probability) per turn, asked in conversation order through
    the public Library: the passages and query the answer used, scored by the extractive
    answerer's gate; and the gate's calibrated threshold."""
    from rag import Library, Settings

    rows = read_questions(questions)
    out = []
    with Library(Settings(corpus_dir=corpus, data_dir=data_dir, answerer="extractive")) as lib:
        lib.ingest()
        gate = lib.backend("extractive").answerer
        for row in rows:
            history: list[dict] = []
            for turn in row["turns"] if row.get("type") == "conversation" else [row]:
                answer = lib.ask(turn["question"], history)
                p = gate.confidence(turn["question"], answer.passages, answer.query, history)
                out.append((bool(turn["answerable"]), p))
                history += [{"role": "user", "content": turn["question"]}, answer.to_message()]
        return out, gate.model.generation_threshold


def stops(found: list[tuple[bool, float]], threshold: float) -> dict[str, tuple]:
    answerable = [p for a, p in found if a]
    unanswerable = [p for a, p in found if not a]
    return {
        "unanswerable stopped": (sum(p < threshold for p in unanswerable), len(unanswerable)),
        "answerable stopped": (sum(p < threshold for p in answerable), len(answerable)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.generation_gate", description=__doc__)
    parser.add_argument("--splits", default="dev,test,squad")
    parser.add_argument("--threshold", type=float, help="default: the calibrated one")
    args = parser.parse_args(argv)
    threshold = args.threshold or 0.0
    lines = ["| split | unanswerable stopped | answerable stopped |", "|---|---|---|"]
    for split in args.splits.split(","):
        if split == "squad":
            corpus, _ = squad_corpus(SQUAD, OUT / "squad")
            questions = OUT / "squad" / "questions.jsonl"
        else:
            corpus, questions = Path("seeds"), SPLITS[split]
        found, calibrated = confidences(corpus, questions, OUT / f"gate-{split}")
        threshold = args.threshold or calibrated
        cells = " | ".join(
            f"{n}/{d} ({n / max(1, d):.3f})" for n, d in stops(found, threshold).values()
        )
        lines.append(f"| {split} | {cells} |")
    print(f"generation gate: {threshold:.3f}\n\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
