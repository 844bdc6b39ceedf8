"""The page's saved chats, answer cards and settings without a browser (scripted answers)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from test_ui import ARTICLE, Texts, answer_with, citation, scripted

import rag
from rag.answer.base import ABSTAIN_TEXT, Answer
from ui import cards, chats


def test_neighbouring_quotes_of_one_paragraph_share_a_card_with_both_highlights():
    one, two = citation(1, "The pilots voted on Monday."), citation(2, "Ships may enter again.")
    other = citation(3, "A second paragraph follows.")
    html = cards.answer_html(answer_with(one, two, other), {"harbour": ARTICLE}, 0)
    assert html.count('class="rag-card"') == 2
    card = re.search(r'<div class="rag-card" id="src-0-1">.*?</div></div>', html).group()
    assert 'id="src-0-2"' in card  # [2] links into the shared card
    assert card.count("<mark>") == 2
    assert "<mark>The pilots voted on Monday.</mark> Their union said the strike is over. " in card
    assert "Zembla Courier · 2024-03-03" in card  # outlet and date
    assert 'id="src-0-3"' not in card


def test_the_short_answer_stands_out_and_the_plain_text_rides_along():
    answer = answer_with(citation(1, "The pilots voted on Monday."), short="Monday")
    html = cards.answer_html(answer, {"harbour": ARTICLE}, 0)
    assert '<strong class="rag-short">Monday</strong>' in html
    plain = re.search(r'<div class="rag-plain">(.*?)</div>', html).group(1)
    expected = rag.answer_text(answer.to_message())
    assert plain.replace("&#10;", "\n") == expected.replace("“", "“")
    assert "[1] Harbour strike ends — Zembla Courier, 2024-03-03" in plain
    assert "Dense" not in plain and "\n" not in html  # no scores; still one line of HTML
    assert cards.answer_text_of(html) == answer.text


def test_only_configured_answerers_are_offered(tmp_path):
    from ui.app import answerer_choices
    from ui.library import LazyLibrary

    bare = rag.Settings(data_dir=tmp_path)
    assert answerer_choices(bare, LazyLibrary(bare)) == [
        ("Offline (quotes the articles)", "extractive")
    ]
    served = rag.Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1")
    assert [v for _, v in answerer_choices(served, LazyLibrary(served))] == [
        "auto", "extractive", "openai",
    ]  # fmt: skip
    missing = rag.Settings(data_dir=tmp_path, llm_gguf=tmp_path / "none.gguf")
    assert [v for _, v in answerer_choices(missing, LazyLibrary(missing))] == ["extractive"]
    labels = " ".join(label for _, label in [*answerer_choices(served, LazyLibrary(served))])
    assert "RAG_" not in labels


def test_a_blank_question_is_not_a_question():
    from ui.app import is_question

    assert not is_question("") and not is_question("  \n\t ") and not is_question(None)
    assert is_question(" Why? ")


def test_each_answered_turn_is_saved_and_follow_ups_carry_its_citations(tmp_path):
    from ui.app import make_saving_chat

    store = rag.ChatStore(tmp_path)
    first = answer_with(citation(1, "The pilots voted on Monday."), short="Monday")
    ask_stream, calls = scripted(first)
    chat = make_saving_chat(Texts({"harbour": ARTICLE}), store, ask_stream)
    session = {"owner": "browser:abc", "chat": None}
    *_, (shown, session) = chat("When did they vote?", [], "extractive", 3, session)
    (info,) = store.chats("browser:abc")
    assert session["chat"] == info.id and info.title == "When did they vote?"
    user, saved = store.messages("browser:abc", info.id)
    assert saved["display"] == shown and saved["short"] == "Monday"

    history = [
        {"role": "user", "content": user["content"]},
        {"role": "assistant", "content": shown},
    ]
    list(chat("Why?", history, "extractive", 3, session))
    asked = calls[-1]["history"][1]
    assert asked["citations"][0]["quote"] == "The pilots voted on Monday."
    assert asked["short"] == "Monday" and "display" not in asked
    assert store.get(None, info.id).messages == 4

    list(chat("Why, again?", history, "extractive", 3, session))  # a retry of turn 2
    assert [m["content"] for m in store.messages(None, info.id)][2] == "Why, again?"
    assert store.get(None, info.id).messages == 4


def test_without_a_page_session_nothing_is_saved(tmp_path):
    from ui.app import make_saving_chat

    store = rag.ChatStore(tmp_path)
    ask_stream, _ = scripted(Answer(ABSTAIN_TEXT, [], True, "q"))
    chat = make_saving_chat(Texts({}), store, ask_stream)
    list(chat("q", [], "extractive", 3, dict(chats.EMPTY_SESSION)))
    assert store.chats(None) == [] and not store.path.exists()


def test_a_saved_chat_is_shown_as_the_page_showed_it_and_exports_as_markdown(tmp_path):
    store = rag.ChatStore(tmp_path)
    chat_id = store.create("terminal", "When did they vote?")
    answer = answer_with(citation(1, "The pilots voted on Monday."))
    store.append(None, chat_id, [{"role": "user", "content": "When?"}, answer.to_message()])
    session = {"owner": "terminal", "chat": chat_id}
    shown = chats.chat_messages(store, session, Texts({"harbour": ARTICLE}).texts)
    assert shown[0] == {"role": "user", "content": "When?"}
    assert "<mark>The pilots voted on Monday.</mark>" in shown[1]["content"]  # built from it
    assert "Retrieval details" not in shown[1]["content"]  # no passages were saved
    path = Path(chats.export_file(store, session))
    assert path.name == "When-did-they-vote.md"
    assert path.read_text(encoding="utf-8") == rag.conversation_markdown(
        store.messages(None, chat_id), "When did they vote?"
    )


def test_the_first_start_says_what_it_is_doing_until_ready():
    from ui.library import Readiness

    ready = Readiness()
    ready.step("Indexing the articles in seeds")
    shown = cards.startup_html(ready)
    assert "Indexing the articles in seeds" in shown and 'role="status"' in shown
    assert "<progress" in shown and "answered once it is ready" in shown
    ready.set()
    assert cards.startup_html(ready) == ""
    assert cards.startup_html(threading.Event()) != ""
