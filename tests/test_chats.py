"""Saved conversations (rag.ChatStore) and the plain-text form of answers (copy, export, CLI)."""

from __future__ import annotations

import pytest
from conftest import HashingEmbedder

import rag
from rag.cli import run_chat

CITED = {
    "role": "assistant",
    "content": "The pilots voted on Monday. [1] Ships may enter. [2]",
    "citations": [
        {"number": 1, "doc_id": "harbour", "title": "Harbour strike ends", "date": "2024-03-03",
         "outlet": "Zembla Courier", "quote": "The pilots voted on Monday.", "start": 21,
         "end": 48},
        {"number": 2, "doc_id": "harbour", "title": "Harbour strike ends", "date": None,
         "outlet": None, "quote": "Ships may enter again.", "start": 90, "end": 112},
    ],
    "short": "Monday",
    "entities": ["Zembla"],
}  # fmt: skip


def test_a_chat_is_titled_by_its_first_question_and_listed_newest_first(tmp_path):
    store = rag.ChatStore(tmp_path)
    assert store.chats("ann") == [] and not store.path.exists()  # reading creates nothing
    first = store.create("ann", "  When did the\npilots vote?  ")
    second = store.create("ann", "Why? " + "very " * 30 + "long")
    store.create("bob", "Someone else's")
    assert [c.id for c in store.chats("ann")] == [second, first]
    assert store.get("ann", first).title == "When did the pilots vote?"
    long_title = store.get("ann", second).title
    assert long_title.endswith("…") and len(long_title) <= 61
    store.append("ann", first, [{"role": "user", "content": "When?"}, CITED])
    assert [c.id for c in store.chats("ann")] == [first, second]  # used last, listed first
    assert store.get("ann", first).messages == 2


def test_messages_keep_their_citations_short_answer_and_display(tmp_path):
    store = rag.ChatStore(tmp_path)
    chat = store.create("ann", "When?")
    store.append("ann", chat, [{"role": "user", "content": "When?"}, {**CITED, "display": "<b>"}])
    user, answer = rag.ChatStore(tmp_path).messages("ann", chat)  # a restart reads the file
    assert user == {"role": "user", "content": "When?"}
    assert answer == {**CITED, "display": "<b>"}


def test_other_owners_chats_are_unknown_and_rename_delete_work(tmp_path):
    store = rag.ChatStore(tmp_path)
    chat = store.create("ann", "When?")
    store.append("ann", chat, [{"role": "user", "content": "When?"}])
    for call in (lambda: store.messages("bob", chat), lambda: store.delete("bob", chat)):
        with pytest.raises(KeyError, match="no saved chat"):
            call()
    store.rename("ann", chat, "Harbour strike")
    assert store.get(None, chat).title == "Harbour strike"
    with pytest.raises(ValueError, match="empty"):
        store.rename("ann", chat, "  ")
    store.delete("ann", chat)
    assert store.chats("ann") == []
    with pytest.raises(KeyError):
        store.messages(None, chat)


def test_plain_text_is_the_answer_with_footnoted_sources():
    assert rag.answer_text(CITED) == (
        "The pilots voted on Monday. [1] Ships may enter. [2]\n\n"
        "[1] Harbour strike ends — Zembla Courier, 2024-03-03: “The pilots voted on Monday.”\n"
        "[2] Harbour strike ends: “Ships may enter again.”"
    )
    assert rag.answer_text({"role": "assistant", "content": rag.ABSTAIN_TEXT}) == rag.ABSTAIN_TEXT


def test_a_conversation_exports_as_markdown():
    markdown = rag.conversation_markdown([{"role": "user", "content": "When?"}, CITED], "Strike")
    assert markdown.startswith("# Strike\n\n**You:** When?\n\n**Answer:** The pilots voted")
    assert "[2]\n\n[1] Harbour strike ends — Zembla Courier" in markdown
    assert "\n\n[2] Harbour strike ends: “Ships may enter again.”\n" in markdown


def test_rag_chat_saves_each_turn_and_resumes_with_the_answers_state(tmp_path, corpus):
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    library = rag.Library(settings, embedder=HashingEmbedder())
    library.ingest()
    store = rag.ChatStore(settings.data_dir)
    out: list[str] = []
    questions = iter(["Who is the US Ambassador to NATO?", ""])
    assert run_chat(library, store, None, lambda _: next(questions), out.append) == 0
    (info,) = store.chats(None)
    assert info.owner == "terminal" and info.title == "Who is the US Ambassador to NATO?"
    saved = store.messages(None, info.id)
    assert saved[1]["citations"] and "Julianne Smith" in saved[1]["content"]
    assert any(line.startswith("[1] ") for text in out for line in text.splitlines())

    out.clear()
    follow_up = "What did she say about inviting Ukraine?"
    questions = iter([follow_up, ""])
    run_chat(library, store, info.id, lambda _: next(questions), out.append)
    assert out[0] == "> Who is the US Ambassador to NATO?\n"
    live = library.ask(follow_up, [saved[0], rag.Answer(**_answer_fields(saved[1])).to_message()])
    assert store.messages(None, info.id)[3]["content"] == live.text  # as a live follow-up


def _answer_fields(message: dict) -> dict:
    cites = [rag.Citation(**c) for c in message["citations"]]
    return {"text": message["content"], "citations": cites, "abstained": not cites,
            "query": "", "short": message["short"]}  # fmt: skip
