"""`python -m eval` / `rag eval` / `make eval`: dev and test splits and a public benchmark,
our pipeline beside the naive peer."""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.distractors import DistractorSourceMissing
from eval.report import breakdown_table, side_by_side, table, tag_side_by_side, write
from eval.run import (
    MODES,
    NEWS_SPLITS,
    OUT,
    SPLITS,
    corpus_with_distractors,
    evaluate,
    evaluate_news_split,
)
from eval.squad import SQUAD, squad_corpus

DROPS = ("accuracy", "abstention_recall", "false_abstention", "follow_up_accuracy")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag eval", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path("seeds"))
    parser.add_argument("--distractors", type=Path, help="folder of unrelated articles to add")
    parser.add_argument("--no-peer", action="store_true", help="skip the naive llama-index peer")
    parser.add_argument("--all-modes", action="store_true", help="dev on every retrieval mode")
    parser.add_argument(
        "--answerer",
        choices=("extractive", "openai", "local"),
        default="extractive",
        help="openai: the model at OPENAI_BASE_URL / OPENAI_API_KEY (RAG_LLM_MODEL); "
        "local: the GGUF model of RAG_LLM_GGUF served by llama.cpp",
    )
    parser.add_argument(
        "--splits", default="dev,test,squad,news,holdout", help="comma-separated subset"
    )
    parser.add_argument("--squad", type=Path, default=SQUAD, help="SQuAD 2.0 JSON benchmark")
    args = parser.parse_args(argv)

    from rag import Settings

    default = Settings().retrieval
    wanted = [s.strip() for s in args.splits.split(",") if s.strip()]
    reports: dict[str, dict] = {}
    for split in wanted:
        if split == "squad":
            if not args.squad.is_file():
                print(f"skipping squad: {args.squad} not found")
                continue
            corpus, rows = squad_corpus(args.squad, OUT / "squad")
            reports[split] = evaluate(
                corpus, OUT / "index-squad", not args.no_peer, (default,), args.answerer, rows
            )
            continue
        if split in NEWS_SPLITS:
            try:
                reports[split] = evaluate_news_split(
                    split, not args.no_peer, (default,), args.answerer
                )
            except DistractorSourceMissing as exc:
                print(f"skipping {split}: {exc}")
            continue
        modes = MODES if args.all_modes and split == "dev" else (default,)
        reports[split] = evaluate(
            args.corpus,
            OUT / "index",
            peer=not args.no_peer,
            modes=modes,
            answerer=args.answerer,
            questions=SPLITS[split],
        )
    print(side_by_side(reports))
    print("\n" + tag_side_by_side(reports, "time"))
    for split, report in reports.items():
        if args.all_modes and split == "dev":
            print(f"\n## {split}, every retrieval mode\n\n" + table(report))
        ours = next(iter(report["systems"]))
        print(f"\n## Where it falls short: {split}\n\n" + breakdown_table(report, ours))
    if args.distractors:
        corpus = corpus_with_distractors(args.corpus, args.distractors, OUT / "corpus-distractors")
        for split in (s for s in wanted if s in SPLITS):
            noisy = evaluate(
                corpus, OUT / "index-distractors", False, (default,), args.answerer, SPLITS[split]
            )
            reports[split]["distractors"] = noisy
            added = noisy["articles"] - reports[split]["articles"]
            print(f"\n## {split} with {added} distractor articles added\n\n" + table(noisy))
            ours = next(iter(noisy["systems"]))
            for key in DROPS:
                before = reports[split]["systems"][ours]["summary"][key]["rate"]
                after = noisy["systems"][ours]["summary"][key]["rate"]
                print(f"{key}: {before:.3f} -> {after:.3f} ({100 * (after - before):+.1f} points)")
    suffix = "" if args.answerer == "extractive" else f"-{args.answerer}"
    for split, report in reports.items():
        print(f"report: {write(report, OUT, f'report-{split}{suffix}')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
