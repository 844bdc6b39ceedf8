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
from rag import LARGEST_UPLOAD_BYTES, UPLOAD_LIMITS, Settings
from ui import cards, chats
from ui.chats import plain_history
from ui.feedback import FeedbackLog
from ui.library import LazyLibrary, prepare_in_background

log = logging.getLogger("rag")

CSS = (Path(__file__).parent / "style.css").read_text(encoding="utf-8")
JS = (Path(__file__).parent / "page.js").read_text(encoding="utf-8")
# Tried on the seeds with the offline answerer: a place with its quote (the follow-up in the
# placeholder resolves "they" and "there"), a statement quoted, two articles giving two
# dates for one meeting, and a question the articles do not answer.
EXAMPLES = [
    "Where will NATO leaders meet in July?",
    "Is inviting Ukraine to NATO a priority for Biden?",
    "When did Biden meet the leaders of Germany, France and Britain?",
    "What is the price of wheat in Kyiv?",
]
FOLLOW_UP = "What else will they discuss there?"  # after EXAMPLES[0]
ANSWERERS = {
    "auto": "Automatic (the best one available)",
    "extractive": "Offline (quotes the articles)",
    "openai": "Language model server",
    "local": "Local language model",
}
WAITING = (
    "The index is still being built from the articles; this question is answered as soon "
    "as it is ready…"
)
MAX_SOURCES = 10
CONCURRENT_ANSWERS = 4  # chat requests served at once; the rest wait in Gradio's queue
GRADIO_UPLOAD_CAP = LARGEST_UPLOAD_BYTES + 1_000_000  # the HTTP layer's cap; ours say why

AskStream = Callable[..., Iterator[str | rag.Answer]]


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
    """The chat function without saving: the draft as it streams, then the answer's cards."""
    answering = make_answering(library, ask_stream, ready)

    def chat(
        message: str,
        history: list[dict],
        answerer: str,
        top_k: float,
        since: str = "",
        until: str = "",
    ) -> Iterator[str]:
        dates = chosen_dates(since, until)
        for shown, _ in answering(message, history, answerer, top_k, dates=dates):
            yield shown

    return chat


def make_saving_chat(
    library,
    store: rag.ChatStore,
    ask_stream: AskStream | None = None,
    ready: threading.Event | None = None,
):
    """The ChatInterface function: as ``make_chat``, and each answered turn saved to ``store``
    under the page session's chat (its new state is the second output)."""
    answering = make_answering(library, ask_stream, ready)

    def chat(
        message: str,
        history: list[dict],
        answerer: str,
        top_k: float,
        session: dict,
        since: str = "",
        until: str = "",
    ):
        session = session or dict(chats.EMPTY_SESSION)
        saved = []
        if session.get("chat"):
            try:
                saved = store.messages(session["owner"], session["chat"])
            except KeyError:
                saved = []
        asked = chats.history_for_ask(history, saved)
        dates = chosen_dates(since, until)
        for shown, answer in answering(message, history, answerer, top_k, asked, dates):
            if answer is None:
                yield shown, gr.skip()
            else:
                yield shown, chats.save_turn(store, session, history, message, answer, shown)

    return chat


def make_answering(library, ask_stream: AskStream | None, ready: threading.Event | None):
    """(HTML to show, the Answer once complete) per step of answering one question.

    ``ready`` (set once `rag serve` has synced the index) holds questions back meanwhile.
    """

    def answering(message, history, answerer, top_k, asked=None, dates=None):
        key = len(history)  # unique per turn, so card anchors never clash
        draft = ""
        if ready is not None and not ready.is_set():
            yield cards.draft_html(WAITING), None
            ready.wait()
        try:
            name, k = chosen(answerer, top_k)
            if name in ("openai", "local"):  # seconds to a first sentence
                yield cards.draft_html("The language model is reading the sources…"), None
            stream = ask_stream or library.ask_stream
            messages = asked if asked is not None else chats.plain_history(history)
            for item in stream(message, messages, top_k=k, answerer=name, **(dates or {})):
                if isinstance(item, rag.Answer):
                    texts = library.texts(c.doc_id for c in item.citations)
                    yield cards.answer_html(item, texts, key), item
                else:
                    draft += item
                    yield cards.draft_html(draft), None
        except (ValueError, TypeError) as err:
            yield cards.error_html(str(err)), None
        except Exception as err:  # a backend failing (network, server) must not kill the chat
            log.exception("answering failed")
            yield cards.error_html(failure_message(answerer, err)), None

    return answering


def failure_message(answerer: str, err: Exception) -> str:
    """What a failing backend tells the reader: plain words, no settings or variable names
    (the log has the details)."""
    what = {"openai": "The language model server", "local": "The local language model"}.get(
        answerer, "The answerer"
    )
    reason = "did not respond in time" if isinstance(err, TimeoutError) else "could not answer"
    return f"{what} {reason}. Ask again, or choose the offline answerer under Settings."


def article_rows(library) -> list[list]:
    return [[a.title, a.date or "", a.outlet or "", a.chunks, a.doc_id] for a in library.articles()]


def answerer_choices(settings: Settings, library) -> list[tuple[str, str]]:
    """Only the answerers that are configured (Automatic too, when there is a choice)."""
    available = [a for a in library.answerers() if a != "local" or _gguf_exists(settings)]
    names = (["auto"] if len(available) > 1 else []) + available
    return [(ANSWERERS[name], name) for name in names]


def _gguf_exists(settings: Settings) -> bool:
    return settings.llm_gguf is not None and Path(settings.llm_gguf).is_file()


def is_question(message: str) -> bool:
    return bool(str(message or "").strip())


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
    store = rag.ChatStore(settings.data_dir)

    with gr.Blocks(title="Ask the news", analytics_enabled=False) as app:
        sidebar = chats.add_sidebar(settings, store, lambda ids: library.texts(ids))
        gr.HTML(
            '<header class="rag-header"><h1>Ask the news</h1><p>Answers quote the articles; '
            "every [n] points at its source card below the answer.</p></header>"
        )
        index_banner(app, ready)
        with gr.Tabs():
            with gr.Tab("Chat"):
                chatbot, chat_state = chat_tab(settings, library, store, ask_stream, ready, sidebar)
            with gr.Tab("Articles") as articles_tab:
                articles_panel(app, library, articles_tab)
        chats.wire_sidebar(sidebar, store, chatbot, chat_state, app)

        def on_like(history: list[dict], data: gr.LikeData) -> None:
            _record(feedback, history, data)

        chatbot.like(on_like, chatbot, None, api_visibility="private")
    return app


def chat_tab(settings, library, store, ask_stream, ready, sidebar):
    """The conversation; returns the Chatbot and the ChatInterface's own copy of its value."""
    chatbot = gr.Chatbot(
        elem_id="chat",
        show_label=False,
        height="68vh",
        latex_delimiters=[],
        sanitize_html=True,
        buttons=["copy"],  # Copy conversation and Export are in the sidebar
        placeholder="Ask a question about the articles, or pick an example. Follow-ups see "
        f"the conversation: after the first example, try “{FOLLOW_UP}”",
    )
    choices = answerer_choices(settings, library)
    default = settings.answerer if settings.answerer in dict(choices).values() else choices[0][1]
    answerer = gr.Dropdown(choices, value=default, label="Answerer", render=False)
    top_k = gr.Slider(
        1, MAX_SOURCES, value=min(settings.top_k, MAX_SOURCES), step=1,
        label="Passages to answer from (number of sources)", render=False,
    )  # fmt: skip
    textbox = gr.Textbox(
        placeholder="Ask about the articles (Enter sends, Shift+Enter starts a new line)",
        show_label=False,
        label="Your question",
        lines=1,
        max_lines=6,
        submit_btn="Send",
        elem_id="question",
        render=False,
    )
    interface = gr.ChatInterface(
        make_saving_chat(library, store, ask_stream, ready),
        chatbot=chatbot,
        textbox=textbox,
        additional_inputs=[answerer, top_k, sidebar["session"], *date_fields()],
        additional_outputs=[sidebar["session"]],
        additional_inputs_accordion=gr.Accordion("Settings", open=False, render=False),
        examples=[[q] for q in EXAMPLES],
        concurrency_limit=CONCURRENT_ANSWERS,
        analytics_enabled=False,
        api_name="chat",
        fill_height=False,
        validator=lambda message: gr.validate(is_question(message), "Type a question first."),
    )
    return chatbot, interface.chatbot_state


def index_banner(app: gr.Blocks, ready: threading.Event | None) -> None:
    """While the first index is built: what is happening, until it is ready."""
    if ready is None:
        return
    banner = gr.HTML(cards.startup_html(ready), elem_id="index-status")
    timer = gr.Timer(1.0, active=not ready.is_set())

    def tick():
        return cards.startup_html(ready), gr.Timer(active=not ready.is_set())

    timer.tick(tick, None, [banner, timer], api_visibility="private", queue=False)
    app.load(tick, None, [banner, timer], api_visibility="private", queue=False)


def articles_panel(app: gr.Blocks, library, articles_tab) -> None:
    with gr.Row():  # side by side when both fit, else the reader goes under the list
        with gr.Column(scale=1, min_width=520):
            upload = gr.File(
                label=f"Add articles: {upload_limits_text()}",
                file_count="multiple",
                type="filepath",
                elem_id="upload",
                height=140,
            )  # every file reaches on_upload, so a refusal always says why here
            status = gr.HTML(elem_id="upload-status")
            dismiss = gr.Button("Dismiss", size="sm", visible=False, elem_id="dismiss-status")
            table = gr.Dataframe(
                headers=["Title", "Date", "Outlet", "Chunks", "Id"],
                datatype=["str", "str", "str", "number", "str"],
                type="array",
                interactive=False,
                wrap=True,
                column_widths=["300px", "110px", "130px", "80px", "210px"],  # scrolls when narrow
                label="Indexed articles (click one to read it)",
                elem_id="articles",
            )
        with gr.Column(scale=1, min_width=520):
            reader = gr.HTML(
                '<p class="rag-hint">Click an article to read it.</p>',
                elem_id="reader",
            )
            delete_controls(library, table, reader, status)

    shown = gr.State(None)  # the rows this page shows

    def on_load(rows_shown: list | None):
        rows = article_rows(library)
        if rows == rows_shown:
            return gr.skip(), gr.skip()  # unchanged: the table keeps the row the reader clicked
        return rows, rows

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
            failed = cards.notice_html([f"Upload failed: {err}"], "error")
            return failed, gr.skip(), gr.skip(), None, gr.Button(visible=True)
        if report.saved:
            prepare_in_background(library)
        kind = "error" if report.refused and not report.saved else "info"
        rows = article_rows(library)
        return cards.notice_html(report.lines(), kind), rows, rows, None, gr.Button(visible=True)

    private = {"api_visibility": "private"}
    app.load(on_load, shown, [table, shown], **private)
    articles_tab.select(on_load, shown, [table, shown], **private)
    table.select(on_select, None, reader, **private)
    # Unprocessed (Gradio has checked the paths are its uploads) to see the names as sent.
    upload.upload(
        on_upload, upload, [status, table, shown, upload, dismiss], preprocess=False, **private
    )  # fmt: skip
    dismiss.click(lambda: ("", gr.Button(visible=False)), None, [status, dismiss], **private)


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
        "js": JS,
        "footer_links": ["api"],
        "show_error": True,
    }


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

    def on_pick(current: str, evt: gr.SelectData):
        doc_id = str((evt.row_value or [""])[-1])
        if doc_id == current:  # the same article picked again (the page keeps the selection)
            return gr.skip(), gr.skip(), gr.skip()  # a confirmation asked for stays open
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
    table.select(on_pick, selected, [selected, delete, confirm], **private)
    delete.click(on_delete, selected, [question, confirm], **private)
    outputs = [status, table, reader, selected, delete, confirm]
    yes.click(on_confirm, selected, outputs, **private)
    no.click(lambda: gr.update(visible=False), None, confirm, **private)
