"""`make eval-local` / `python -m eval.local`: the local answerer (llama.cpp serving a GGUF
model) beside the extractive one, on the frozen test split and the public benchmark.

    python -m eval.local --model qwen=PATH.gguf --model smollm2=PATH.gguf [--splits test,squad]

Per split, one column per answerer: accuracy, abstention, hallucination after the check
(a stated answer that is wrong or answers an unanswerable question), what the check did
to the model's markers, how often the gate kept the model from being asked, and the median
time to the first text and to the whole answer. Qwen-1.5B took a median 10 s a question
on 2 cores (the 199 test turns in 32 minutes, 2026-12-01), so it stays out of CI.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from eval.report import table, write
from eval.run import OUT, SPLITS, evaluate, read_questions
from eval.squad import SQUAD, squad_corpus
from rag import Settings


def split_questions(split: str, limit: int | None, every: int = 1) -> tuple[Path, Path, list]:
    if split == "squad":
        corpus, rows = squad_corpus(SQUAD, OUT / "squad")
        index = OUT / "index-squad"
    else:
        corpus, index = Path("seeds"), OUT / "index"
        rows = read_questions(SPLITS[split])
    singles = [r for r in rows if r.get("type") != "conversation"][::every]
    rows = [r for r in rows if r.get("type") == "conversation"] + singles
    return corpus, index, rows[:limit] if limit else rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.local", description=__doc__)
    parser.add_argument("--model", action="append", default=[], help="NAME=PATH.gguf")
    parser.add_argument("--splits", default="test,squad")
    parser.add_argument("--limit", type=int, help="only the first N rows of each split")
    parser.add_argument(
        "--every", type=int, default=1, help="every Nth single question (all conversations)"
    )
    parser.add_argument("--summarize", action="store_true", help="only report the row logs")
    args = parser.parse_args(argv)
    models = dict(m.split("=", 1) for m in args.model)
    for split in args.splits.split(","):
        if args.summarize:
            print(f"\n## {split}\n\n" + logged_table(split, ["extractive", *models]))
            continue
        corpus, index, rows = split_questions(split, args.limit, args.every)
        mode = (Settings().retrieval,)
        report = evaluate(
            corpus, index, False, mode, "extractive", rows, fresh_log(split, "extractive")
        )
        for name, path in models.items():
            os.environ["RAG_LLM_GGUF"] = path
            found = evaluate(corpus, index, False, mode, "local", rows, fresh_log(split, name))
            (system,) = found["systems"].values()
            report["systems"][f"local: {name}"] = system
        print(f"\n## {split}: {len(rows)} rows\n\n" + table(report))
        print(f"report: {write(report, OUT, f'report-{split}-local')}")
    return 0


def row_log(split: str, name: str) -> Path:
    return OUT / f"local-rows-{split}-{name}.jsonl"


def fresh_log(split: str, name: str) -> Path:
    path = row_log(split, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return path


def logged_table(split: str, names: list[str]) -> str:
    """The report table from the rows logged so far (a run cut short counts what it did)."""
    import json

    from eval.scoring import summarize, summarize_retrieval

    logged = {}
    for name in names:
        path = row_log(split, name)
        if path.is_file():
            logged[name] = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    # Compared on the questions every answerer got to (a cut-short run has fewer).
    common = set.intersection(*({r["id"] for r in rows} for rows in logged.values()))
    systems = {}
    for name, rows in logged.items():
        rows = [r for r in rows if r["id"] in common]
        answerable = [r for r in rows if r["answerable"]]
        systems[f"{name} ({len(rows)} rows)"] = {
            "summary": summarize(rows, [r["latency_s"] for r in rows]),
            "retrieval": summarize_retrieval(answerable),
        }
    return table({"systems": systems})


if __name__ == "__main__":
    raise SystemExit(main())
