"""How well the citation check (rag/verify.py) tells supported sentences from unsupported ones.

For each labelled pair file it prints the AUC of the support score (the chance that a
supported sentence scores above an unsupported one) and, at ``Settings.support_threshold``,
how many supported sentences keep their marker and how many unsupported ones lose it.

- ``eval/support_pairs.jsonl``: hand-written paraphrases and near misses (the calibration set).
- ``eval/restatement_pairs.jsonl``: sentences real local models wrote (SmolLM2-135M and
  Qwen2.5-Coder-1.5B through RAG_ANSWERER=local on eval questions), labelled by reading the
  article; ``model`` says which wrote it. Not tuned on: held out from calibration.

    python -m eval.support_auc
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
PAIR_FILES = (HERE / "support_pairs.jsonl", HERE / "restatement_pairs.jsonl")


def scores(path: Path, corpus_dir: Path = Path("seeds")) -> list[tuple[bool, float, str]]:
    """(label, best support score over the pair's article, sentence) for every pair."""
    from eval.calibrate_support import source_indexes

    _, index_of = source_indexes(corpus_dir)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        index = index_of(pair["doc"])
        _, score = index.best(index.scores(pair["sentence"]))
        rows.append((bool(pair["supported"]), score, pair["sentence"]))
    return rows


def auc(rows: list[tuple[bool, float, str]]) -> float:
    positives = [s for label, s, _ in rows if label]
    negatives = [s for label, s, _ in rows if not label]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def main() -> None:
    from rag import Settings

    threshold = Settings().support_threshold
    for path in PAIR_FILES:
        rows = scores(path)
        positives = [s for label, s, _ in rows if label]
        negatives = [s for label, s, _ in rows if not label]
        print(
            f"{path.name}: {len(positives)} supported, {len(negatives)} unsupported; "
            f"AUC {auc(rows):.3f}; at {threshold}: supported kept "
            f"{sum(s >= threshold for s in positives)}/{len(positives)}, unsupported "
            f"rejected {sum(s < threshold for s in negatives)}/{len(negatives)}"
        )
        for label, score, sentence in rows:
            if (score >= threshold) != label:
                print(f"  miss ({score:.2f}, supported={label}): {sentence}")


if __name__ == "__main__":
    main()
