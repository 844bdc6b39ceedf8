"""`rag` command line: ingest, ask, chat, serve, status (the help path imports nothing heavy)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
    try:
        return args.run(args)
    except (ValueError, TypeError, FileNotFoundError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Ask questions of news articles; answers cite exact sentences."
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser(
        "ingest", help="index new and changed articles (embeds nothing if unchanged)"
    )
    p.add_argument("dir", nargs="?", type=Path, help="corpus folder (default: RAG_CORPUS_DIR)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it")
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("ask", help="answer one question with numbered sources")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("chat", help="a terminal conversation (follow-ups use the history)")
    p.set_defaults(run=cmd_chat)

    p = sub.add_parser(
        "serve", help="the chat UI in the browser, http://127.0.0.1:7860 (RAG_UI_HOST/PORT/AUTH)"
    )
    p.add_argument("--host", help="interface to bind (default RAG_UI_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default RAG_UI_PORT, 7860)")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("eval", help="score answers on eval/ questions beside a naive pipeline")
    p.add_argument("--distractors", type=Path, help="folder of unrelated articles to add")
    p.add_argument("--no-peer", action="store_true")
    p.add_argument(
        "--answerer",
        choices=("extractive", "openai"),
        default="extractive",
        help="openai: score the model at OPENAI_BASE_URL (reports markers repaired/removed)",
    )
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser("status", help="articles, chunks, model and store location")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_status)
    return parser


def _pipeline(corpus_dir: Path | None = None):
    from rag.pipeline import build_pipeline
    from rag.settings import Settings

    settings = Settings()
    if corpus_dir is not None:
        settings = settings.model_copy(update={"corpus_dir": corpus_dir})
    return build_pipeline(settings)


def cmd_ingest(args) -> int:
    if args.rebuild:
        from rag.settings import Settings
        from rag.store import drop_collection

        drop_collection(Settings())
    pipeline = _pipeline(args.dir)
    report = pipeline.ingest(progress=True)
    print(report.summary())
    status = pipeline.status()
    print(f"index: {status.articles} articles, {status.chunks} chunks")
    return 0


def cmd_ask(args) -> int:
    answer = _pipeline().ask(args.question)
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_answer(answer))
    return 0


def format_answer(answer) -> str:
    lines = [answer.text]
    if answer.notice:
        lines.append(f"({answer.notice})")
    for sentence in answer.unsupported:
        lines.append(f"(not backed by any retrieved article: {sentence})")
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
    for c in answer.citations:
        meta = ", ".join(x for x in (c.date, c.outlet) if x)
        lines.append(f"[{c.number}] {c.title}" + (f" ({meta})" if meta else "") + f" — {c.doc_id}")
        lines.append(f'    "{c.quote}"')
    return "\n".join(lines)


def cmd_chat(args) -> int:
    pipeline = _pipeline()
    history: list[dict] = []
    print("Ask about the articles (empty line or Ctrl-D to quit).")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        try:
            answer = pipeline.ask(question, history)
        except (ValueError, TypeError) as err:
            print(f"error: {err}")
            continue
        print(format_answer(answer) + "\n")
        history += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.text},
        ]


def cmd_serve(args) -> int:
    from rag.settings import Settings

    overrides = {"ui_host": args.host, "ui_port": args.port}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    try:
        from ui.app import serve
    except ImportError as err:
        raise RuntimeError(f"rag serve needs the web UI ({err}): pip install -e .") from err
    try:
        serve(settings)
    except OSError as err:  # typically the port is taken
        raise RuntimeError(
            f"cannot serve on {settings.ui_host}:{settings.ui_port} ({err}); "
            "pick another port with RAG_UI_PORT or --port"
        ) from err
    return 0


def cmd_eval(args) -> int:
    checkout = Path(__file__).resolve().parents[1]  # eval/ sits beside rag/ in a checkout
    if (checkout / "eval").is_dir() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        from eval.__main__ import main as eval_main
    except ImportError as err:
        raise RuntimeError("rag eval runs from a checkout of the repository (needs eval/)") from err
    argv = ["--distractors", str(args.distractors)] if args.distractors else []
    argv += ["--answerer", args.answerer]
    return eval_main(argv + (["--no-peer"] if args.no_peer else []))


def cmd_status(args) -> int:
    status = _pipeline().status()
    if args.json:
        print(json.dumps(status.to_dict()))
    else:
        for key, value in status.to_dict().items():
            print(f"{key}: {value}")
    if not status.chunks:
        print(
            f"hint: the index is empty: `rag ingest` builds it from {status.corpus_dir}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
