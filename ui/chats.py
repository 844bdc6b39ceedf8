"""Saved chats on the page: the sidebar (New chat, the list, rename, delete, copy, export) and
the glue between the chat function and ``rag.ChatStore``.

Who owns a chat: the login name when RAG_UI_AUTH is set, else a random id the browser keeps
(``gr.BrowserState``). The page's session state is ``{"owner": ..., "chat": ...}``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
from pathlib import Path

import gradio as gr

import rag
from ui import cards

EMPTY_SESSION: dict = {"owner": None, "chat": None}


def owner_of(username: str | None, browser_id: str) -> str:
    return f"user:{username}" if username else f"browser:{browser_id}"


def browser_secret(settings: rag.Settings) -> str:
    """A stable key for the browser's stored id, so it reads back after a restart."""
    return hashlib.sha256(f"rag-browser:{Path(settings.data_dir).resolve()}".encode()).hexdigest()


def chat_messages(store: rag.ChatStore, session: dict, texts) -> list[dict]:
    """The saved chat as the Chatbot shows it (answers as the page rendered them)."""
    if not session.get("chat"):
        return []
    out = []
    for turn, message in enumerate(store.messages(session["owner"], session["chat"])):
        content = message.get("display")
        if content is None and message["role"] == "assistant":  # saved by `rag chat`
            answer = cards.saved_answer(message)
            shown_texts = texts(c.doc_id for c in answer.citations)
            content = cards.answer_html(answer, shown_texts, turn, details=False)
        out.append({"role": message["role"], "content": content or message["content"]})
    return out


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


def history_for_ask(history: list[dict], saved: list[dict]) -> list[dict]:
    """The Chatbot's history as ``ask`` takes it; answers the store holds carry their
    citations, short answer and entities, so follow-ups work as in the live chat."""
    messages = plain_history(history)
    for i, message in enumerate(messages):
        if (
            i < len(saved)
            and saved[i]["role"] == message["role"] == "assistant"
            and saved[i]["content"] == message["content"]
        ):
            messages[i] = {k: v for k, v in saved[i].items() if k != "display"}
    return messages


def save_turn(
    store: rag.ChatStore, session: dict, history: list[dict], question: str, answer, html: str
) -> dict:
    """Keep the turn (a new chat from its first question); returns the session's new state.

    The saved chat is cut to the Chatbot's history first, so a retried answer replaces the
    one it retries."""
    owner, chat_id = session.get("owner"), session.get("chat")
    if owner is None:  # an API caller with no page session: nothing to list it under
        return session
    try:
        if chat_id is not None:
            store.keep(owner, chat_id, len(history))
    except KeyError:  # deleted in another tab
        chat_id = None
    if chat_id is None:
        chat_id = store.create(owner, question)
    store.append(
        owner,
        chat_id,
        [{"role": "user", "content": question}, {**answer.to_message(), "display": html}],
    )
    return {"owner": owner, "chat": chat_id, "turns": len(history) + 2}


def chat_choices(store: rag.ChatStore, owner: str | None) -> list[tuple[str, str]]:
    return [(c.title, c.id) for c in store.chats(owner)] if owner else []


def export_file(store: rag.ChatStore, session: dict) -> str | None:
    """The chat as a Markdown file for the Export button (None when there is none yet)."""
    if not session.get("chat"):
        return None
    try:
        info = store.get(session["owner"], session["chat"])
        messages = store.messages(session["owner"], session["chat"])
    except KeyError:
        return None
    name = re.sub(r"[^\w-]+", "-", info.title).strip("-")[:40] or "chat"
    folder = Path(tempfile.mkdtemp(prefix="rag-export-"))
    path = folder / f"{name}.md"
    path.write_text(rag.conversation_markdown(messages, info.title), encoding="utf-8")
    return str(path)


def add_sidebar(settings: rag.Settings, store: rag.ChatStore, texts) -> dict:
    """The sidebar's components (call inside the Blocks); ``wire_sidebar`` adds their events."""
    parts: dict = {}
    parts["browser"] = gr.BrowserState(
        {}, storage_key="rag-chat-browser", secret=browser_secret(settings)
    )
    parts["session"] = gr.State(dict(EMPTY_SESSION))
    with gr.Sidebar(label="Saved chats", elem_id="chats-sidebar", open=True):
        parts["new"] = gr.Button("New chat", variant="primary", elem_id="new-chat")
        parts["list"] = gr.Radio(
            [], label="Saved chats (newest first)", elem_id="chat-list", interactive=True
        )
        parts["copy"] = gr.Button("Copy conversation", elem_id="copy-chat", size="sm")
        parts["export"] = gr.DownloadButton(
            "Export as Markdown", elem_id="export-chat", size="sm", interactive=False
        )
        with gr.Accordion("Rename or delete this chat", open=False, elem_id="chat-edit"):
            parts["title"] = gr.Textbox(label="New title", max_lines=1, elem_id="chat-title")
            parts["rename"] = gr.Button("Rename", size="sm", elem_id="rename-chat")
            parts["delete"] = gr.Button(
                "Delete this chat", variant="stop", size="sm", elem_id="delete-chat"
            )
    parts["texts"] = texts
    return parts


def wire_sidebar(parts: dict, store: rag.ChatStore, chatbot, chatbot_state, app) -> None:
    """Load the browser's chats at start, switch between them, start, rename, delete."""
    browser, session, listing = parts["browser"], parts["session"], parts["list"]
    texts = parts["texts"]
    private = {"api_visibility": "private", "queue": False}

    def shown(state: dict):
        messages = chat_messages(store, state, texts)
        return (
            gr.update(choices=chat_choices(store, state["owner"]), value=state.get("chat")),
            messages,
            messages,
            exported(state),
        )

    def on_load(remembered: dict | None, request: gr.Request):
        remembered = dict(remembered or {})
        remembered.setdefault("browser", secrets.token_hex(12))
        owner = owner_of(getattr(request, "username", None), remembered["browser"])
        state = {"owner": owner, "chat": remembered.get("chat")}
        try:
            if state["chat"]:
                store.get(owner, state["chat"])
        except KeyError:
            state["chat"] = None
        return remembered, state, *shown(state)

    def remember(remembered: dict | None, state: dict):
        return {**(remembered or {}), "chat": state.get("chat")}

    def open_chat(chat_id: str | None, remembered: dict | None, state: dict):
        state = {**state, "chat": chat_id}
        return remember(remembered, state), state, *shown(state)

    def new_chat(remembered: dict | None, state: dict):
        state = {**state, "chat": None}
        return remember(remembered, state), state, *shown(state)

    def rename(title: str, state: dict):
        if state.get("chat") and title.strip():
            store.rename(state["owner"], state["chat"], title)
        return gr.update(choices=chat_choices(store, state["owner"]), value=state.get("chat")), ""

    def delete(remembered: dict | None, state: dict):
        if state.get("chat"):
            try:
                store.delete(state["owner"], state["chat"])
            except KeyError:
                pass
        return new_chat(remembered, state)

    def on_undo(state: dict, data: gr.UndoData):
        index = data.index if isinstance(data.index, int) else data.index[0]
        if state.get("chat"):
            try:
                store.keep(state["owner"], state["chat"], index)
            except KeyError:
                pass

    def exported(state: dict):
        path = export_file(store, state)
        return gr.update(value=path, interactive=path is not None)

    outputs = [listing, chatbot, chatbot_state, parts["export"]]
    app.load(
        on_load, [browser], [browser, session, *outputs], api_visibility="private"
    )  # fmt: skip
    # Each handler also writes the browser's memory itself (a State's change event does not
    # follow a queue-less handler's output).
    switched = [browser, session, *outputs]
    listing.input(open_chat, [listing, browser, session], switched, **private)
    parts["new"].click(new_chat, [browser, session], switched, **private)
    parts["delete"].click(delete, [browser, session], switched, **private)
    parts["rename"].click(rename, [parts["title"], session], [listing, parts["title"]], **private)
    # The list shows a new chat only once the browser's memory holds it, so a page reloaded
    # as soon as the chat is listed opens it again (both at once raced: the list first, a
    # reload, and the page came back with no chat open).
    session.change(remember, [browser, session], [browser], **private).then(
        lambda state: gr.update(choices=chat_choices(store, state["owner"]), value=state["chat"]),
        [session],
        [listing],
        **private,
    )
    session.change(exported, [session], [parts["export"]], **private)
    chatbot.undo(on_undo, [session], None, **private)
    parts["copy"].click(None, None, None, js="() => window.ragCopyConversation()")
