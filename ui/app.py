"""The Gradio app: a chat whose answers carry checkable source cards, and the corpus panel.

``build_app`` wires it (nothing is launched; ``ui.serve`` serves it beside the HTTP API).
Answers come from the public ``rag.Library``; all HTML comes from ``ui.cards``.
"""

from __future__ import annotations

import logging
import threading
import typing
from collections.abc import Callable, Iterator
from pathlib import Path

import gradio as gr

import rag
from rag import LARGEST_UPLOAD_BYTES, UPLOAD_LIMITS, UPLOAD_SUFFIXES, Settings
from ui import cards
from ui.feedback import FeedbackLog
from ui.library import LazyLibrary

log = logging.getLogger("rag")

CSS = (Path(__file__).parent / "style.css").read_text(encoding="utf-8")
EXAMPLES = [
    "Who is the US Ambassador to NATO?",
    "What did John Kirby say about NATO membership for Ukraine?",
    "Who is Biden meeting with in Germany?",
]
ANSWERERS = [
    ("Auto (as configured by RAG_ANSWERER)", "auto"),
    ("Offline extractive (quotes the articles)", "extractive"),
    ("OpenAI-compatible (needs an LLM configured)", "openai"),
    ("Local model (RAG_LLM_GGUF, served by llama.cpp)", "local"),
]
MAX_SOURCES = 10
CONCURRENT_ANSWERS = 4  # chat requests served at once; the rest wait in Gradio's queue
GRADIO_UPLOAD_CAP = LARGEST_UPLOAD_BYTES + 1_000_000  # the HTTP layer's cap; ours say why

AskStream = Callable[..., Iterator[str | rag.Answer]]


def plain_history(history: list[dict]) -> list[dict[str, str]]:
    """Chat messages as ``ask`` takes them: text only, answers without their source cards."""
    messages = []
    for message in history:
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if message.get("role") not in ("user", "assistant") or not isinstance(content, str):
            continue
        if message["role"] == "assistant":
            content = cards.answer_text_of(content)
        messages.append({"role": message["role"], "content": content})
    return messages


def chosen(answerer: str, top_k: object) -> tuple[str, int]:
    """The answerer and number of sources the Settings panel asked for, checked."""
    if answerer not in typing.get_args(Settings.model_fields["answerer"].annotation):
        raise ValueError(f"unknown answerer {answerer!r}; choose one from Settings")
    k = int(top_k)  # type: ignore[call-overload]
    if not 1 <= k <= MAX_SOURCES:
        raise ValueError(f"number of sources must be between 1 and {MAX_SOURCES}")
    return answerer, k


def chosen_dates(since: object = "", until: object = "") -> dict:
    """The Settings panel's date fields as ``ask``'s keywords; none when both are empty (the
    library checks the dates and says what is wrong)."""
    dates = {k: str(v).strip() for k, v in (("since", since), ("until", until)) if v}
    return {k: v for k, v in dates.items() if v}


def make_chat(library, ask_stream: AskStream | None = None, ready: threading.Event | None = None):
    """The ChatInterface function: the draft as it streams, then the answer with its cards.

    ``ready`` (set once `rag serve` has synced the index) holds questions back meanwhile.
    """

    def chat(
        message: str,
        history: list[dict],
        answerer: str,
        top_k: float,
        since: str = "",
        until: str = "",
    ) -> Iterator[str]:
        key = len(history)  # unique per turn, so card anchors never clash
        draft = ""
        if ready is not None and not ready.is_set():
            yield cards.draft_html("Bringing the index up to date with the corpus folder…")
            ready.wait()
        try:
            name, k = chosen(answerer, top_k)
            if name in ("openai", "local"):  # seconds to a first sentence
                yield cards.draft_html("The language model is reading the sources…")
            stream = ask_stream or library.ask_stream
            dates = chosen_dates(since, until)
            for item in stream(message, plain_history(history), top_k=k, answerer=name, **dates):
                if isinstance(item, rag.Answer):
                    texts = library.texts(c.doc_id for c in item.citations)
                    yield cards.answer_html(item, texts, key)
                else:
                    draft += item
                    yield cards.draft_html(draft)
        except (ValueError, TypeError) as err:
            yield cards.error_html(str(err))
        except Exception as err:  # a backend failing (network, server) must not kill the chat
            log.exception("answering failed")
            yield cards.error_html(
                f"The {answerer} answerer failed ({type(err).__name__}: {err}). "
                "Try the offline extractive answerer under Settings."
            )

    return chat


def article_rows(library) -> list[list]:
    return [[a.title, a.date or "", a.outlet or "", a.chunks, a.doc_id] for a in library.articles()]


def build_app(
    settings: Settings | None = None,
    *,
    library: rag.Library | LazyLibrary | None = None,
    ask_stream: AskStream | None = None,
    ready: threading.Event | None = None,
) -> gr.Blocks:
    """The page over ``library`` (default: one opened on first use); ``ask_stream`` stands in
    for ``library.ask_stream`` (tests)."""
    settings = settings or Settings()
    library = library or LazyLibrary(settings)
    feedback = FeedbackLog(Path(settings.data_dir) / "feedback.jsonl")

    with gr.Blocks(title="Ask the news", analytics_enabled=False) as app:
        gr.HTML(
            '<div class="rag-header"><h1>Ask the news</h1><p>Answers quote the articles; '
            "every [n] points at its source card below the answer.</p></div>"
        )
        with gr.Tabs():
            with gr.Tab("Chat"):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    show_label=False,
                    height="68vh",
                    latex_delimiters=[],
                    sanitize_html=True,
                    placeholder="Ask a question about the articles, or pick an example.",
                )
                answerer = gr.Dropdown(
                    ANSWERERS, value=settings.answerer, label="Answerer", render=False
                )
                top_k = gr.Slider(
                    1, MAX_SOURCES, value=min(settings.top_k, MAX_SOURCES), step=1,
                    label="Passages to answer from (number of sources)", render=False,
                )  # fmt: skip
                gr.ChatInterface(
                    make_chat(library, ask_stream, ready),
                    chatbot=chatbot,
                    additional_inputs=[answerer, top_k, *date_fields()],
                    additional_inputs_accordion=gr.Accordion("Settings", open=False, render=False),
                    examples=[[q] for q in EXAMPLES],
                    concurrency_limit=CONCURRENT_ANSWERS,
                    analytics_enabled=False,
                    api_name="chat",
                    fill_height=False,
                )
            with gr.Tab("Articles") as articles_tab:
                with gr.Row():
                    with gr.Column(scale=1):
                        upload = gr.File(
                            label=f"Add articles: {upload_limits_text()}",
                            file_count="multiple",
                            file_types=list(UPLOAD_SUFFIXES),
                            type="filepath",
                            elem_id="upload",
                            height=140,
                        )
                        status = gr.HTML(elem_id="upload-status")
                        table = gr.Dataframe(
                            headers=["Title", "Date", "Outlet", "Chunks", "Id"],
                            datatype=["str", "str", "str", "number", "str"],
                            type="array",
                            interactive=False,
                            wrap=True,
                            column_widths=["46%", "14%", "14%", "9%", "17%"],
                            label="Indexed articles (click one to read it)",
                            elem_id="articles",
                        )
                    with gr.Column(scale=1):
                        reader = gr.HTML(
                            '<p class="rag-hint">Click an article to read it.</p>',
                            elem_id="reader",
                        )
                        delete_controls(library, table, reader, status)

        def on_load() -> list[list]:
            return article_rows(library)

        def on_select(evt: gr.SelectData) -> str:
            doc_id = str((evt.row_value or [""])[-1])
            try:
                info = library.article(doc_id)
            except (KeyError, ValueError):
                return cards.notice_html([f"{doc_id} is not in the index."], "error")
            return cards.article_html(info.title, info.date, info.outlet, info.text)

        def on_upload(files: list[dict] | dict | None, progress=gr.Progress(track_tqdm=True)):  # noqa: B008
            try:
                report = library.add_files(uploaded(files), lambda f, text: progress(f, desc=text))
            except (OSError, ValueError, RuntimeError) as err:
                return cards.notice_html([f"Upload failed: {err}"], "error"), gr.skip(), None
            kind = "error" if report.refused and not report.saved else "info"
            return cards.notice_html(report.lines(), kind), article_rows(library), None

        def on_like(history: list[dict], data: gr.LikeData) -> None:
            _record(feedback, history, data)

        chatbot.like(on_like, chatbot, None, api_visibility="private")
        app.load(on_load, None, table, api_visibility="private")
        articles_tab.select(on_load, None, table, api_visibility="private")
        table.select(on_select, None, reader, api_visibility="private")
        # Unprocessed (Gradio has checked the paths are its uploads) to see the names as sent.
        upload.upload(
            on_upload, upload, [status, table, upload], preprocess=False, api_visibility="private"
        )
    return app


def date_fields() -> list[gr.Textbox]:
    """The chat Settings' date filter: only articles dated in the range are read (undated
    ones stay in)."""
    hint = "YYYY-MM-DD (or YYYY-MM, YYYY); empty: no limit"
    return [
        gr.Textbox("", label="Articles dated from", placeholder=hint, render=False),
        gr.Textbox("", label="Articles dated until", placeholder=hint, render=False),
    ]


def upload_limits_text() -> str:
    """'.txt, .md up to 1 MB; .html, .htm up to 5 MB; ...', from the library's limits."""
    by_limit: dict[int, list[str]] = {}
    for suffix, limit in UPLOAD_LIMITS.items():
        by_limit.setdefault(limit, []).append(suffix)
    return "; ".join(f"{', '.join(s)} up to {n // 1_000_000} MB" for n, s in by_limit.items())


def remove_article(library, doc_id: str) -> tuple[str, list[list] | None]:
    """The Articles tab's confirmed delete: a notice saying what was done, and the new rows
    (None when nothing changed)."""
    if not doc_id:
        return cards.notice_html(["Click an article first."], "error"), None
    try:
        removal = library.remove(doc_id)
    except (KeyError, ValueError) as err:
        message = err.args[0] if err.args else str(err)
        return cards.notice_html([f"Not removed: {message}"], "error"), None
    return cards.notice_html(removal.lines()), article_rows(library)


def delete_controls(library, table: gr.Dataframe, reader: gr.HTML, status: gr.HTML) -> None:
    """A delete button under the reader for the article clicked, asking for confirmation."""
    selected = gr.State("")
    delete = gr.Button("Remove this article…", variant="stop", interactive=False, size="sm")
    with gr.Row(visible=False) as confirm:
        question = gr.HTML()
        yes = gr.Button("Yes, remove it", variant="stop", size="sm", elem_id="confirm-remove")
        no = gr.Button("Cancel", size="sm")

    def on_pick(evt: gr.SelectData):
        doc_id = str((evt.row_value or [""])[-1])
        return doc_id, gr.update(interactive=bool(doc_id)), gr.update(visible=False)

    def on_delete(doc_id: str):
        text = f"Remove {doc_id} from the index? An uploaded file is set aside in the data "
        text += "folder; a file of your corpus folder is left as it is and skipped from now on."
        return cards.notice_html([text], "error"), gr.update(visible=True)

    def on_confirm(doc_id: str):
        notice, rows = remove_article(library, doc_id)
        return (
            notice,
            rows if rows is not None else gr.skip(),
            '<p class="rag-hint">Click an article to read it.</p>'
            if rows is not None
            else gr.skip(),
            "",
            gr.update(interactive=False),
            gr.update(visible=False),
        )

    private = {"api_visibility": "private"}
    table.select(on_pick, None, [selected, delete, confirm], **private)
    delete.click(on_delete, selected, [question, confirm], **private)
    outputs = [status, table, reader, selected, delete, confirm]
    yes.click(on_confirm, selected, outputs, **private)
    no.click(lambda: gr.update(visible=False), None, confirm, **private)


def uploaded(files: list[dict] | dict | None) -> list[tuple[str, Path]]:
    """(name as the browser sent it, temp path) per uploaded file."""
    files = [files] if isinstance(files, dict) else files or []
    return [(f.get("orig_name") or Path(f["path"]).name, Path(f["path"])) for f in files]


def _record(feedback: FeedbackLog, history: list[dict], data: gr.LikeData) -> None:
    index = data.index if isinstance(data.index, int) else data.index[0]
    messages = plain_history(history[: index + 1])
    question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    answer = messages[-1]["content"] if messages else ""
    ratings = {True: "up", "Like": "up", False: "down", "Dislike": "down"}
    feedback.record(ratings.get(data.liked, "cleared"), question, answer)


def launch(app: gr.Blocks, settings: Settings, **kwargs):
    """Start serving ``app`` on RAG_UI_HOST:RAG_UI_PORT, behind a login when RAG_UI_AUTH is set."""
    app.queue(default_concurrency_limit=CONCURRENT_ANSWERS)
    return app.launch(**served_options(settings), **kwargs)


def served_options(settings: Settings) -> dict:
    """How the page is served, launched alone or mounted beside the HTTP API."""
    return {
        "server_name": settings.ui_host,
        "server_port": settings.ui_port,
        "auth": settings.ui_credentials(),
        "auth_message": "Log in (RAG_UI_AUTH)" if settings.ui_auth else None,
        "max_file_size": GRADIO_UPLOAD_CAP,
        "css": CSS,
        "footer_links": ["api"],
        "show_error": True,
    }
