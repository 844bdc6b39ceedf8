"""`python -m eval` / `rag eval` / `make eval`: our pipeline beside the naive peer."""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.report import breakdown_table, table, write
from eval.run import OUT, corpus_with_distractors, evaluate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag eval", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path("seeds"))
    parser.add_argument("--distractors", type=Path, help="folder of unrelated articles to add")
    parser.add_argument("--no-peer", action="store_true", help="skip the naive llama-index peer")
    args = parser.parse_args(argv)

    report = evaluate(args.corpus, OUT / "index", peer=not args.no_peer)
    print(table(report))
    if report["default"] in report["systems"]:
        print("\n" + breakdown_table(report, report["default"]))
    if args.distractors:
        corpus = corpus_with_distractors(args.corpus, args.distractors, OUT / "corpus-distractors")
        from rag import Settings

        default = Settings().retrieval
        noisy = evaluate(corpus, OUT / "index-distractors", peer=False, modes=(default,))
        report["distractors"] = noisy
        print(f"\nWith {noisy['articles'] - report['articles']} distractor articles added:")
        print(table(noisy))
        for key in ("accuracy", "abstention_recall", "false_abstention"):
            before = report["systems"][default]["summary"][key]["rate"]
            after = noisy["systems"][default]["summary"][key]["rate"]
            print(f"{key}: {before:.3f} -> {after:.3f} ({100 * (after - before):+.1f} points)")
    print(f"\nreport: {write(report, OUT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
