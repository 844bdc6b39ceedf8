"""`make eval-local` / `python -m eval.local`: the local answerer (llama.cpp serving a GGUF
model) beside the extractive one, on the frozen test split and the public benchmark.

    python -m eval.local --model qwen=PATH.gguf --model smollm2=PATH.gguf [--splits test,squad]

Per split, one column per answerer: accuracy, abstention, hallucination after the check
(a stated answer that is wrong or answers an unanswerable question), what the check did
to the model's markers, how often the gate kept the model from being asked, and the median
time to the first text and to the whole answer. About 6-10 s a question with Qwen-1.5B
on 2 cores, so it stays out of CI.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from eval.report import table, write
from eval.run import OUT, SPLITS, evaluate
from eval.squad import SQUAD, squad_corpus
from rag.settings import Settings


def split_questions(split: str, limit: int | None) -> tuple[Path, Path, list[dict]]:
    import json

    if split == "squad":
        corpus, rows = squad_corpus(SQUAD, OUT / "squad")
        index = OUT / "index-squad"
    else:
        corpus, index = Path("seeds"), OUT / "index"
        rows = [json.loads(x) for x in SPLITS[split].read_text().splitlines() if x.strip()]
    return corpus, index, rows[:limit] if limit else rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.local", description=__doc__)
    parser.add_argument("--model", action="append", default=[], help="NAME=PATH.gguf")
    parser.add_argument("--splits", default="test,squad")
    parser.add_argument("--limit", type=int, help="only the first N questions of each split")
    args = parser.parse_args(argv)
    models = dict(m.split("=", 1) for m in args.model)
    for split in args.splits.split(","):
        corpus, index, rows = split_questions(split, args.limit)
        report = evaluate(corpus, index, False, (Settings().retrieval,), "extractive", rows)
        for name, path in models.items():
            os.environ["RAG_LLM_GGUF"] = path
            found = evaluate(corpus, index, False, (Settings().retrieval,), "local", rows)
            (system,) = found["systems"].values()
            report["systems"][f"local: {name}"] = system
        print(f"\n## {split}: {len(rows)} rows\n\n" + table(report))
        print(f"report: {write(report, OUT, f'report-{split}-local')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
