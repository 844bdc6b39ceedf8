"""`rag` command line: ingest, ask, chat, serve, status (the help path imports nothing heavy)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
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
    except KeyError as err:  # an unknown article id: its message, not its repr
        print(f"error: {err.args[0] if err.args else err}", file=sys.stderr)
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
    p.add_argument(
        "--prepare",
        action="store_true",
        help="also embed every sentence for the answerer now (kept in the data folder; "
        "~50 ms a sentence once), so no later question waits for it",
    )
    p.set_defaults(run=cmd_ingest)

    p = sub.add_parser("ask", help="answer one question with numbered sources")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    add_date_options(p)
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser(
        "chat", help="a terminal conversation (follow-ups use the history), saved in RAG_DATA_DIR"
    )
    p.add_argument("--resume", metavar="ID", help="go on with a saved chat (see --list)")
    p.add_argument("--list", action="store_true", help="list the saved chats, newest first")
    add_date_options(p)
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

    p = sub.add_parser(
        "articles", help="the indexed articles: id, title, date, outlet, source file, chunks"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_articles)

    p = sub.add_parser("article", help="an indexed article's text (what citations quote)")
    p.add_argument("id")
    p.set_defaults(run=cmd_article)

    p = sub.add_parser(
        "remove",
        help="take an article out of the index (an upload's file set aside; a corpus file "
        "left alone and recorded as excluded)",
    )
    p.add_argument("id")
    p.set_defaults(run=cmd_remove)

    p = sub.add_parser("status", help="articles, chunks, model and store location")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_status)
    return parser


def add_date_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="DATE", help="only articles dated on or after (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="only articles dated on or before (YYYY-MM-DD)")
    p.add_argument(
        "--exclude-undated",
        action="store_true",
        help="with --since/--until, leave out articles that have no date (kept by default)",
    )


def date_options(args) -> dict:
    return {
        "since": args.since,
        "until": args.until,
        "include_undated": not args.exclude_undated,
    }


def _library(corpus_dir: Path | None = None):
    from rag import Library, Settings

    settings = Settings()
    if corpus_dir is not None:
        settings = settings.model_copy(update={"corpus_dir": corpus_dir})
    return Library(settings)


def cmd_ingest(args) -> int:
    if args.rebuild:  # before opening: a damaged index is set aside, not opened
        from rag.chroma import drop_collection
        from rag.settings import Settings

        drop_collection(Settings())
    with _library(args.dir) as library:
        report = library.ingest(progress=True)
        print(report.summary())
        if args.prepare:
            print(f"{library.prepare_sentences()} sentences ready for questions")
        status = library.status()
    print(f"index: {status.articles} articles, {status.chunks} chunks")
    return 0


def cmd_ask(args) -> int:
    with _library() as library:
        answer = library.ask(args.question, **date_options(args))
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


def transcript_answer(answer) -> str:
    """`rag chat`'s turn: the plain-text form the web chat copies, then any notice."""
    from rag import answer_text

    lines = [answer_text(answer.to_message())]
    if answer.notice:
        lines.append(f"({answer.notice})")
    lines += [f"(not backed by any retrieved article: {s})" for s in answer.unsupported]
    return "\n".join(lines)


TERMINAL = "terminal"  # the owner of chats started by `rag chat`


def cmd_chat(args) -> int:
    from rag import ChatStore, Settings
    from rag.dates import date_range

    dates = date_range(**date_options(args))  # a bad date: the error now, not at each question
    store = ChatStore(Settings().data_dir)
    if args.list:
        for info in store.chats(None):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.updated))
            print(f"{info.id}\t{when}\t{info.messages // 2} questions\t{info.title}")
        return 0
    if args.resume:
        store.get(None, args.resume)  # an unknown id fails before the model loads
    if not dates.unbounded:
        print(f"Only articles dated {dates.describe()}.")
    with _library() as library:
        return run_chat(library, store, args.resume, input, print, date_options(args))


def run_chat(library, store, chat_id: str | None, read, write, dates: dict | None = None) -> int:
    """The terminal conversation: each turn saved to ``store`` (a new chat from the first
    question, or ``chat_id`` resumed, its transcript shown first); ``dates`` the since/until
    options every question is asked with."""
    from rag import answer_text

    history: list[dict] = store.messages(None, chat_id) if chat_id else []
    for message in history:
        prefix = "> " if message["role"] == "user" else ""
        write(prefix + (message["content"] if prefix else answer_text(message)) + "\n")
    write("Ask about the articles (empty line or Ctrl-D to quit).")
    while True:
        try:
            question = read("> ").strip()
        except EOFError:
            write("")
            return 0
        if not question:
            return 0
        try:
            answer = library.ask(question, history, **(dates or {}))
        except (ValueError, TypeError) as err:
            write(f"error: {err}")
            continue
        message = answer.to_message()
        write(transcript_answer(answer) + "\n")
        turn = [{"role": "user", "content": question}, message]
        if chat_id is None:
            chat_id = store.create(TERMINAL, question)
            write(f"(saved as chat {chat_id}: `rag chat --resume {chat_id}` goes on with it)")
        store.append(None, chat_id, turn)
        history += turn


APPS = "rag.apps"  # entry-point group: the web app registers "serve" there (pyproject.toml)


def cmd_serve(args) -> int:
    """The web chat and HTTP API, found through an entry point: the library imports no app."""
    from importlib.metadata import entry_points

    from rag.settings import Settings

    overrides = {"ui_host": args.host, "ui_port": args.port}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    found = entry_points(group=APPS, name="serve")
    if not found:
        raise RuntimeError("rag serve needs the web app: pip install -e '.[ui]'")
    try:
        serve = next(iter(found)).load()
    except ImportError as err:
        raise RuntimeError(f"rag serve needs the web app ({err}): pip install -e '.[ui]'") from err
    try:
        serve(settings)
    except OSError as err:  # typically the port is taken
        raise RuntimeError(
            f"cannot serve on {settings.ui_host}:{settings.ui_port} ({err}); "
            "pick another port with RAG_UI_PORT or --port"
        ) from err
    return 0


def cmd_eval(args) -> int:
    """`python -m eval` in the checkout (eval/ sits beside rag/; it is not installed)."""
    import os
    import subprocess

    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "eval" / "__main__.py").is_file():
        raise RuntimeError("rag eval runs from a checkout of the repository (needs eval/)")
    argv = ["--distractors", str(args.distractors)] if args.distractors else []
    argv += ["--answerer", args.answerer] + (["--no-peer"] if args.no_peer else [])
    path = os.pathsep.join(p for p in (str(checkout), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=path)
    return subprocess.call([sys.executable, "-m", "eval", *argv], env=env)


def cmd_articles(args) -> int:
    with _library() as library:
        articles = library.articles()
    if args.json:
        print(json.dumps([a.to_dict() for a in articles], ensure_ascii=False))
        return 0
    for a in articles:
        print(
            f"{a.doc_id}\t{a.title or '(no title)'}\t{a.date or 'undated'}\t{a.outlet or '—'}"
            f"\t{a.source or '—'}\t{a.chunks} chunks"
        )
    return 0


def cmd_article(args) -> int:
    with _library() as library:
        article = library.article(args.id)
    meta = ", ".join(x for x in (article.date, article.outlet) if x)
    print(f"{article.title or article.doc_id}" + (f" ({meta})" if meta else ""))
    print()
    print(article.text or "")
    return 0


def cmd_remove(args) -> int:
    with _library() as library:
        removal = library.remove(args.id)
        status = library.status()
    print("\n".join(removal.lines()))
    print(f"index: {status.articles} articles, {status.chunks} chunks")
    return 0


def cmd_status(args) -> int:
    with _library() as library:
        status = library.status()
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
