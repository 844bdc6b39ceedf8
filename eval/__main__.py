"""`python -m eval` / `rag eval` / `make eval`: our pipeline beside the naive peer."""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.report import breakdown_table, table, write
from eval.run import MODES, OUT, QUESTIONS, corpus_with_distractors, evaluate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag eval", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path("seeds"))
    parser.add_argument("--distractors", type=Path, help="folder of unrelated articles to add")
    parser.add_argument("--no-peer", action="store_true", help="skip the naive llama-index peer")
    parser.add_argument(
        "--answerer",
        choices=("extractive", "openai"),
        default="extractive",
        help="openai: the model at OPENAI_BASE_URL / OPENAI_API_KEY (RAG_LLM_MODEL), "
        "on the default retrieval mode only",
    )
    parser.add_argument(
        "--questions", type=Path, default=QUESTIONS, help="eval set (default eval/questions.jsonl)"
    )
    args = parser.parse_args(argv)

    from rag import Settings

    default = Settings().retrieval
    modes = MODES if args.answerer == "extractive" else (default,)
    report = evaluate(
        args.corpus,
        OUT / "index",
        peer=not args.no_peer,
        modes=modes,
        answerer=args.answerer,
        questions=args.questions,
    )
    print(table(report))
    if report["default"] in report["systems"]:
        print("\n" + breakdown_table(report, report["default"]))
    if args.distractors:
        corpus = corpus_with_distractors(args.corpus, args.distractors, OUT / "corpus-distractors")
        noisy = evaluate(
            corpus,
            OUT / "index-distractors",
            peer=False,
            modes=(default,),
            answerer=args.answerer,
            questions=args.questions,
        )
        report["distractors"] = noisy
        print(f"\nWith {noisy['articles'] - report['articles']} distractor articles added:")
        print(table(noisy))
        ours = next(iter(noisy["systems"]))
        for key in ("accuracy", "abstention_recall", "false_abstention"):
            before = report["systems"][ours]["summary"][key]["rate"]
            after = noisy["systems"][ours]["summary"][key]["rate"]
            print(f"{key}: {before:.3f} -> {after:.3f} ({100 * (after - before):+.1f} points)")
    name = "report" if args.answerer == "extractive" else f"report-{args.answerer}"
    print(f"\nreport: {write(report, OUT, name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
