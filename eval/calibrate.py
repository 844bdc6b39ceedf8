"""Calibrates the abstention threshold on the whole eval set (never per question).

Runs every question with the gate open (threshold 0), then picks the threshold that
abstains on the most unanswerable questions while false abstentions stay within 5% (the
product's bound); on a tie, the one with the better accuracy. Prints the curve; the
chosen value goes into ``Settings.abstain_threshold`` by hand, with the figures in the
commit message.
"""

from __future__ import annotations

from pathlib import Path

from eval.run import OUT, eval_settings, read_questions, run_system
from eval.scoring import load_items

MAX_FALSE_ABSTENTION = 0.05


def scored_confidences(corpus_dir: Path = Path("seeds")) -> list[tuple[float, bool, bool]]:
    """(confidence, answerable, correct-if-answered) per question, gate open."""
    from rag import load_corpus

    settings = eval_settings(corpus_dir, OUT / "index", abstain_threshold=0.0)
    articles = {a.id: a.text for a in load_corpus(corpus_dir).articles}
    rows, _ = run_system(load_items(read_questions()), settings, articles)
    return [(r["confidence"], r["answerable"], r["correct"]) for r in rows]


def sweep(points: list[tuple[float, bool, bool]]) -> list[dict]:
    answerable = sum(a for _, a, _ in points)
    unanswerable = len(points) - answerable
    curve = []
    for step in range(0, 101):
        t = step / 100
        correct = sum(c >= t and a and ok for c, a, ok in points)
        abstained_right = sum(c < t and not a for c, a, _ in points)
        false_abstentions = sum(c < t and a for c, a, _ in points)
        curve.append(
            {
                "threshold": t,
                "accuracy": correct / answerable,
                "abstention_recall": abstained_right / unanswerable,
                "false_abstention": false_abstentions / answerable,
                "objective": (correct + abstained_right) / len(points),
            }
        )
    return curve


def main() -> None:
    curve = sweep(scored_confidences())
    allowed = [row for row in curve if row["false_abstention"] <= MAX_FALSE_ABSTENTION]
    best = max(allowed, key=lambda row: (row["abstention_recall"], row["accuracy"]))
    for row in curve[::5]:
        print(
            f"t={row['threshold']:.2f} acc={row['accuracy']:.3f} "
            f"abstain={row['abstention_recall']:.3f} false_abstain={row['false_abstention']:.3f}"
        )
    print(f"best: {best}")


if __name__ == "__main__":
    main()
