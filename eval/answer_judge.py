"""Can the local model tell an answer from a near miss? A measurement, not a feature.

For every answer the extractive answerer gave in ``eval/out/report-SPLIT.json`` (written by
``make eval``), the model (served by llama.cpp, as RAG_ANSWERER=local does) is asked whether
the quoted sentence answers the question (``eval/answer_judge.txt``; P(yes) from the first
token's logprobs). Prints the AUC of P(yes), of the gate's confidence and of their sum for
telling right answers from wrong ones and from answers to unanswerable questions.

    python -m eval.answer_judge MODEL.gguf [--split dev] [--limit N]

Measured 2026-12-01 with Qwen2.5-Coder-1.5B on 124 dev answers: AUC 0.653 (the gate 0.744,
the sum 0.745), so the gate does not read it. Never run it on test to choose anything.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

HERE = Path(__file__).parent
LEAD = " \u2014 "  # the short answer's dash: "Julianne Smith. — US Ambassador ..."


def quoted(answer: str) -> str:
    """The answer's quotes without its lead and markers."""
    text = answer.split(LEAD, 1)[1] if LEAD in answer else answer
    return re.sub(r"\s*\[\d+\]", "", text).strip()


def judge_messages(question: str, sentence: str) -> list[dict[str, str]]:
    system = (HERE / "answer_judge.txt").read_text(encoding="utf-8").strip()
    ask = "Does the sentence answer the question? yes or no?"
    user = f"Question: {question}\n\nSentence: {sentence}\n\n{ask}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def main(argv: list[str] | None = None) -> int:
    from sklearn.metrics import roc_auc_score

    from rag import Library, Settings

    parser = argparse.ArgumentParser(prog="python -m eval.answer_judge", description=__doc__)
    parser.add_argument("gguf", type=Path)
    parser.add_argument("--split", default="dev", choices=("dev", "squad"))
    parser.add_argument("--limit", type=int, help="only the first N answers")
    args = parser.parse_args(argv)
    report = json.loads((HERE / "out" / f"report-{args.split}.json").read_text())
    rows = [r for r in report["systems"]["bm25"]["rows"] if not r["abstained"]][: args.limit]
    # the model RAG_ANSWERER=local serves, through the same client the answerer asks
    library = Library(Settings(answerer="local", llm_gguf=args.gguf))
    client = library.backend().answerer.client
    judged = []
    try:
        for r in rows:
            p = client.yes_probability(judge_messages(r["query"], quoted(r["answer"])))
            if p is not None:
                judged.append((r["answerable"] and r["correct"], p, r["confidence"]))
    finally:
        library.close()
    right = [j[0] for j in judged]
    print(f"{len(judged)} answers judged, {sum(right)} right")
    for name, values in (
        ("model P(yes)", [j[1] for j in judged]),
        ("gate confidence", [j[2] for j in judged]),
        ("sum", [j[1] + j[2] for j in judged]),
    ):
        print(f"AUC {name}: {roc_auc_score(right, values):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
