"""How well the citation check (rag/verify.py) tells supported sentences from unsupported ones.

For each labelled pair file it prints the AUC of the support score (the chance that a
supported sentence scores above an unsupported one) and, at ``Settings.support_threshold``,
how many supported sentences keep their marker and how many unsupported ones lose it.

- ``eval/support_pairs.jsonl``: hand-written paraphrases and near misses (the calibration set).
- ``eval/restatement_pairs.jsonl``: sentences real local models wrote (SmolLM2-135M and
  Qwen2.5-Coder-1.5B through RAG_ANSWERER=local on eval questions), labelled by reading the
  article; ``model`` says which wrote it. Not tuned on: held out from calibration.

    python -m eval.support_auc [--judge MODEL.gguf]

``--judge`` also asks that model (served by llama.cpp, as RAG_VERIFY=model does) about the
span the embedding check finds best, and prints the AUC of its P(yes) and of the check's
decision score with the judge (P(yes) where the span is near enough to be judged, else 0).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
PAIR_FILES = (HERE / "support_pairs.jsonl", HERE / "restatement_pairs.jsonl")


def scores(path: Path, corpus_dir: Path = Path("seeds"), judge=None) -> list[tuple]:
    """(label, best support score over the pair's article, sentence, the judge's P(yes) on
    that span or None) for every pair."""
    from eval.calibrate_support import source_indexes

    _, index_of = source_indexes(corpus_dir)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        index = index_of(pair["doc"])
        span, score = index.best(index.scores(pair["sentence"]))
        yes = judge.probability(span.text, pair["sentence"]) if judge and span else None
        rows.append((bool(pair["supported"]), score, pair["sentence"], yes))
    return rows


def auc(rows: list[tuple]) -> float:
    positives = [r[1] for r in rows if r[0]]
    negatives = [r[1] for r in rows if not r[0]]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def with_judge(rows: list[tuple], judged_from: float) -> tuple[list[tuple], list[tuple]]:
    """The rows scored by the judge's P(yes) alone, and by the check's decision with it."""
    alone = [(r[0], r[3] if r[3] is not None else 0.5) for r in rows]
    decided = [
        (r[0], (r[3] if r[3] is not None else r[1]) if r[1] >= judged_from else 0.0) for r in rows
    ]
    return alone, decided


def main(argv: list[str] | None = None) -> None:
    import argparse

    from rag import Settings

    parser = argparse.ArgumentParser(prog="python -m eval.support_auc")
    parser.add_argument("--judge", type=Path, help="a GGUF model to ask yes/no as well")
    args = parser.parse_args(argv)
    judge, library = None, None
    if args.judge:  # the judge RAG_VERIFY=model builds, over the local server for the file
        from rag import Library

        settings = Settings(answerer="local", llm_gguf=args.judge, verify="model")
        library = Library(settings)
        judge = library.backend().answerer.judge
    threshold = Settings().support_threshold
    try:
        for path in PAIR_FILES:
            report(path, scores(path, judge=judge), threshold, judge)
    finally:
        if library is not None:
            library.close()


def report(path: Path, rows: list[tuple], threshold: float, judge) -> None:
    if judge is not None:
        yes = judge.yes
        alone, decided = with_judge(rows, judge.judged_from)
        print(
            f"{path.name}: judge P(yes) AUC {auc(alone):.3f}; check with judge AUC "
            f"{auc(decided):.3f}; supported kept {sum(s >= yes for ok, s in decided if ok)}/"
            f"{sum(ok for ok, _ in decided)}, unsupported rejected "
            f"{sum(s < yes for ok, s in decided if not ok)}/{sum(not ok for ok, _ in decided)}"
        )
    positives = [r[1] for r in rows if r[0]]
    negatives = [r[1] for r in rows if not r[0]]
    print(
        f"{path.name}: {len(positives)} supported, {len(negatives)} unsupported; "
        f"AUC {auc(rows):.3f}; at {threshold}: supported kept "
        f"{sum(s >= threshold for s in positives)}/{len(positives)}, unsupported "
        f"rejected {sum(s < threshold for s in negatives)}/{len(negatives)}"
    )
    for label, score, sentence, _ in rows:
        if (score >= threshold) != label:
            print(f"  miss ({score:.2f}, supported={label}): {sentence}")


if __name__ == "__main__":
    main()
