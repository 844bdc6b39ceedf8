"""The web UI without a browser: source cards, history, the chat function, uploads, feedback.

A scripted ``ask_stream`` stands in for the pipeline where the answer's content is not the
point; the index tests use the hashing embedder on real Chroma.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pydantic
import pytest
from conftest import SEED_IDS, HashingEmbedder, shared_minilm

import rag
from rag.answer.base import ABSTAIN_TEXT, Answer
from rag.citations import Citation
from rag.uploads import MAX_UPLOAD_BYTES, read_upload
from ui import cards
from ui.feedback import FeedbackLog

HOSTILE = '<script>window.__xss=1</script> and <img src=x onerror="window.__xss=2">'
ARTICLE = (
    "Harbour strike ends\n\nThe pilots voted on Monday. Their union said the strike is over. "
    "Ships may enter again.\n\nA second paragraph follows."
)


def citation(number: int, quote: str, text: str = ARTICLE, doc_id: str = "harbour") -> Citation:
    start = text.index(quote)
    return Citation(
        number, doc_id, "Harbour strike ends", "2024-03-03", "Zembla Courier", quote, start,
        start + len(quote), 0.9, f"{doc_id}#0",
    )  # fmt: skip


def answer_with(*cites: Citation, text: str | None = None, **extra) -> Answer:
    text = text or " ".join(f"{c.quote} [{c.number}]" for c in cites)
    return Answer(text, list(cites), False, "harbour strike", **extra)


# --- cards: the one formatting helper -------------------------------------------------------


def test_marker_links_to_its_numbered_card_with_title_date_outlet():
    html = cards.answer_html(
        answer_with(citation(1, "Their union said the strike is over.")), {}, 4
    )
    assert '<a class="rag-marker" href="#src-4-1">[1]</a>' in html
    card = re.search(r'<div class="rag-card" id="src-4-1".*?</mark>', html).group()
    for shown in ("Harbour strike ends", "2024-03-03", "Zembla Courier", ">1<"):
        assert shown in card


def test_quote_is_highlighted_inside_its_paragraph():
    quote = "Their union said the strike is over."
    html = cards.answer_html(answer_with(citation(1, quote)), {"harbour": ARTICLE}, 0)
    context = re.search(r'<div class="rag-context">(.*?)</div>', html).group(1)
    assert context == (f"The pilots voted on Monday. <mark>{quote}</mark> Ships may enter again.")
    assert "second paragraph" not in context


def test_a_long_paragraph_is_cut_around_the_quote():
    text = "word " * 400 + "The quote sits here." + " more" * 400
    html = cards.quote_in_context(citation(1, "The quote sits here.", text), text)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>The quote sits here.</mark>" in html
    assert len(html) < 2 * cards.CONTEXT_CHARS + 100


def test_quote_alone_when_the_article_text_no_longer_matches():
    quote = "Their union said the strike is over."
    html = cards.quote_in_context(citation(1, quote), "rewritten article")
    assert html == f"<mark>{quote}</mark>"


def test_every_piece_of_article_text_is_escaped():
    text = f"{HOSTILE}\n\nThe pilots said {HOSTILE} today."
    cite = citation(1, f"The pilots said {HOSTILE} today.", text)
    cite = Citation(**{**cite.to_dict(), "title": HOSTILE, "outlet": HOSTILE, "date": HOSTILE})
    answer = answer_with(cite, notice=HOSTILE, unsupported=[HOSTILE])
    shown = cards.answer_html(answer, {"harbour": text}, 0) + cards.article_html(
        HOSTILE, HOSTILE, HOSTILE, text
    )
    assert "<script" not in shown and "<img" not in shown
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in shown


def test_abstention_looks_different_and_has_no_cards():
    html = cards.answer_html(Answer(ABSTAIN_TEXT, [], True, "q"), {}, 0)
    assert 'class="rag-answer rag-abstained"' in html
    assert "rag-card" not in html


def test_notice_and_unsupported_sentences_are_shown():
    answer = answer_with(
        citation(1, "The pilots voted on Monday."),
        notice="Answered by the offline extractive answerer.",
        unsupported=["The strike cost millions."],
    )
    html = cards.answer_html(answer, {}, 0)
    assert '<div class="rag-notice">Answered by the offline extractive answerer.</div>' in html
    assert "<li>The strike cost millions.</li>" in html


def test_answer_text_survives_the_round_trip_through_the_chat():
    answer = answer_with(citation(1, "The pilots voted on Monday."), text='Pilots "<voted>" [1]')
    assert cards.answer_text_of(cards.answer_html(answer, {}, 0)) == 'Pilots "<voted>" [1]'
    assert cards.answer_text_of(cards.draft_html("half an ans")) == "half an ans"
    assert cards.answer_text_of(cards.error_html("boom")) == ""
    assert cards.answer_text_of("typed by hand") == "typed by hand"


def test_html_is_one_line_so_markdown_never_ends_it():
    answer = answer_with(citation(1, "The pilots voted on Monday."))
    assert "\n" not in cards.answer_html(answer, {"harbour": ARTICLE}, 0)


# --- retrieval details, with real passages --------------------------------------------------


@pytest.fixture
def pipeline(corpus, make_pipeline):
    pipeline = make_pipeline(corpus)
    pipeline.ingest()
    return pipeline


def test_retrieval_details_show_query_and_every_chunk_with_three_scores(pipeline):
    answer = pipeline.ask("Who is the US Ambassador to NATO?")
    html = cards.retrieval_html(answer)
    assert html.startswith('<details class="rag-details">')  # closed: a toggle
    assert f"<code>{answer.query}</code>" in html
    rows = re.findall(r"<tr[^>]*><td>(\d+)</td>.*?</tr>", html)
    assert [int(r) for r in rows] == [p.rank for p in answer.passages]
    first = answer.to_dict()["passages"][0]
    assert f"<td>{first['dense']:.3f}</td><td>{first['bm25']:.2f}</td>" in html


# --- the library: index reads and uploads ---------------------------------------------------


@pytest.fixture
def indexed(tmp_path, corpus) -> rag.Library:
    """A Library over a seed copy indexed with the hashing embedder."""
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    library = rag.Library(settings, embedder=HashingEmbedder())
    library.ingest()
    return library


def test_library_lists_indexed_articles_with_chunk_counts(indexed: rag.Library):
    infos = {a.doc_id: a for a in indexed.articles()}
    assert sorted(infos) == SEED_IDS
    assert sum(a.chunks for a in infos.values()) == indexed.index.store.count()
    assert infos["004_49dc9b557f48420a"].outlet == "CNN"


def test_article_text_is_the_file_while_it_matches_the_index(indexed: rag.Library, corpus: Path):
    path = corpus / f"{SEED_IDS[1]}.txt"
    original = path.read_text(encoding="utf-8")
    assert indexed.article(SEED_IDS[1]).text == original
    path.write_text("edited after ingest", encoding="utf-8")
    rebuilt = indexed.article(SEED_IDS[1]).text  # from the chunks, at their offsets
    chunks = [s for s in indexed.index.store.all_chunks() if s.chunk.doc_id == SEED_IDS[1]]
    assert all(rebuilt[s.chunk.start : s.chunk.end] == s.chunk.text for s in chunks)
    with pytest.raises(KeyError, match="not-indexed"):
        indexed.article("not-indexed")
    with pytest.raises(ValueError, match="not an article id"):
        indexed.article("../../etc/passwd")


@pytest.mark.parametrize(
    "name, data, why",
    [
        ("../../x.txt", b"text", "folders"),
        ("sub/x.txt", b"text", "folders"),
        ("..x.txt", b"text", "folders"),
        (".hidden.txt", b"text", "letters"),
        ("x<script>.txt", b"text", "letters"),
        ("x.exe", b"text", "files are accepted"),
        ("x.pdf", b"text", "not a PDF"),
        ("x.jsonl", b'{"no": "article"}\n', "no article in this dump"),
        ("x.html", b"a" * (5_000_001), "limit for .html"),
        ("x.txt", b"a" * (MAX_UPLOAD_BYTES + 1), "limit"),
        ("x.txt", b"  \n", "empty"),
        ("x.txt", b"\x00\x01binary", "binary"),
    ],
)
def test_uploads_outside_the_limits_are_refused_with_a_reason(tmp_path, name, data, why):
    source = tmp_path / "upload"
    source.write_bytes(data)
    with pytest.raises(ValueError, match=re.escape(why)):
        read_upload(name, source)


def test_refused_and_clashing_uploads_leave_the_corpus_alone(
    indexed: rag.Library, corpus, tmp_path
):
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    same = tmp_path / "same"
    same.write_bytes(before[f"{SEED_IDS[0]}.txt"])
    other = tmp_path / "other"
    other.write_bytes(b"Another text under an existing article id.")
    steps = []
    report = indexed.add_files(
        [("../../x.txt", other), (f"{SEED_IDS[0]}.txt", same), (f"{SEED_IDS[1]}.md", other)],
        lambda fraction, text: steps.append(text),
    )
    assert report.saved == [] and report.ingest is None
    assert report.unchanged == [f"{SEED_IDS[0]}.txt"]
    assert [name for name, _ in report.refused] == ["../../x.txt", f"{SEED_IDS[1]}.md"]
    assert "rename the file" in report.lines()[-1]
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before
    assert not (tmp_path.parent / "x.txt").exists()
    assert steps[-1] == "Done"


# --- the chat function ----------------------------------------------------------------------


class Texts:
    """The one Library method the chat function uses, over a dict."""

    def __init__(self, texts: dict[str, str]):
        self._texts = texts

    def texts(self, doc_ids):
        return {d: self._texts[d] for d in doc_ids if d in self._texts}


def scripted(*items):
    """An ask_stream that records its calls and yields ``items``."""
    calls = []

    def ask_stream(question, history=None, *, top_k=None, answerer=None):
        calls.append({"question": question, "history": history, "answerer": answerer, "k": top_k})
        yield from items

    return ask_stream, calls


def gradio_history() -> list[dict]:
    """A first turn as Gradio hands it to the chat function (content as text parts)."""
    first = cards.answer_html(answer_with(citation(1, "The pilots voted on Monday.")), {}, 0)
    return [
        {"role": "user", "content": [{"type": "text", "text": "When did they vote?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": first}]},
    ]


def test_chat_streams_the_draft_then_the_answer_with_cards_and_passes_history():
    from ui.app import make_chat

    final = answer_with(citation(1, "Their union said the strike is over."))
    ask_stream, calls = scripted("Their union ", "said it is over. [1]", final)
    chat = make_chat(Texts({"harbour": ARTICLE}), ask_stream)

    shown = list(chat("Is it over?", gradio_history(), "extractive", 3))

    drafts = ["Their union ", "Their union said it is over. [1]"]
    assert shown[:2] == [cards.draft_html(text) for text in drafts]
    assert shown[-1] == cards.answer_html(final, {"harbour": ARTICLE}, 2)
    assert "<mark>Their union said the strike is over.</mark>" in shown[-1]
    (call,) = calls
    assert call["question"] == "Is it over?"
    assert call["history"] == [
        {"role": "user", "content": "When did they vote?"},
        {"role": "assistant", "content": "The pilots voted on Monday. [1]"},
    ]
    assert call["answerer"] == "extractive" and call["k"] == 3


def test_chat_holds_questions_back_until_the_index_is_synced():
    import threading

    from ui.app import make_chat

    ready = threading.Event()
    ask_stream, calls = scripted(Answer(ABSTAIN_TEXT, [], True, "q"))
    chat = make_chat(Texts({}), ask_stream, ready)("q", [], "extractive", 3)
    assert "still being built" in next(chat)  # the question says it is waiting
    assert calls == []
    threading.Timer(0.05, ready.set).start()
    assert "rag-abstained" in next(chat)  # waits for the event, then asks
    assert len(calls) == 1


def test_chat_accepts_plain_string_history_from_api_callers():
    from ui.app import plain_history

    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    assert plain_history(history) == history


@pytest.mark.parametrize(
    "answerer, top_k, expected",
    [("extractive", 99, "between 1 and"), ("magic", 3, "unknown answerer")],
)
def test_chat_shows_bad_settings_as_a_message(answerer, top_k, expected):
    from ui.app import make_chat

    ask_stream, calls = scripted()
    chat = make_chat(Texts({}), ask_stream)
    (shown,) = list(chat("question", [], answerer, top_k))
    assert shown.startswith('<div class="rag-error">') and expected in shown
    assert calls == []


def test_chat_shows_a_failing_backend_as_a_message_not_a_crash():
    from ui.app import make_chat

    def failing(question, history=None, *, top_k=None, answerer=None):
        yield "partial "
        raise ConnectionError("LLM server unreachable")

    chat = make_chat(Texts({}), failing)
    shown = list(chat("question", [], "openai", 3))
    assert shown[-1].startswith('<div class="rag-error">')
    assert "could not answer" in shown[-1] and "offline answerer" in shown[-1]
    assert "unreachable" not in shown[-1] and not re.search(r"[A-Z]+_[A-Z_]+", shown[-1])


def test_chat_shows_question_errors_from_the_api():
    from ui.app import make_chat

    def empty_question(question, history=None, *, top_k=None, answerer=None):
        raise ValueError("question is empty: ask something about the articles")
        yield  # pragma: no cover

    chat = make_chat(Texts({}), empty_question)
    assert "question is empty" in list(chat(" ", [], "extractive", 3))[-1]


# --- the app object, feedback, settings ------------------------------------------------------


def test_app_builds_without_launching(tmp_path, corpus):
    import gradio as gr

    from ui.app import build_app

    app = build_app(rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data"))
    assert isinstance(app, gr.Blocks)
    assert not app.is_running
    assert "chat" in {fn.api_name for fn in app.fns.values()}
    assert not (tmp_path / "data").exists()  # nothing is opened until someone uses the page


def test_feedback_is_appended_as_jsonl(tmp_path):
    import gradio as gr

    from ui.app import _record

    path = tmp_path / "data" / "feedback.jsonl"
    path.parent.mkdir()
    path.write_text('{"rating": "up", "question": "earlier"}\n', encoding="utf-8")
    log = FeedbackLog(path)
    history = gradio_history()
    _record(log, history, gr.LikeData(None, {"index": 1, "value": "", "liked": False}))
    _record(log, history, gr.LikeData(None, {"index": 1, "value": "", "liked": True}))
    _record(log, history, gr.LikeData(None, {"index": 1, "value": "", "liked": None}))

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {"rating": "up", "question": "earlier"}  # never rewritten
    assert [e["rating"] for e in lines[1:]] == ["down", "up", "cleared"]
    assert lines[1]["question"] == "When did they vote?"
    assert lines[1]["answer"] == "The pilots voted on Monday. [1]"


def test_ui_settings_default_to_localhost_and_read_the_environment(monkeypatch):
    settings = rag.Settings()
    assert (settings.ui_host, settings.ui_port, settings.ui_credentials()) == (
        "127.0.0.1", 7860, None,
    )  # fmt: skip
    monkeypatch.setenv("RAG_UI_PORT", "8123")
    monkeypatch.setenv("RAG_UI_AUTH", "ann:s3cret:with-colon")
    settings = rag.Settings()
    assert settings.ui_port == 8123
    assert settings.ui_credentials() == ("ann", "s3cret:with-colon")
    assert "s3cret" not in repr(settings)


def test_settings_with_a_login_still_round_trip_through_json():
    """ask() rebuilds its settings from JSON; the login must neither leak nor break that."""
    settings = rag.Settings(ui_auth="ann:s3cret")
    dumped = settings.model_dump_json()
    assert "s3cret" not in dumped
    assert rag.Settings.model_validate_json(dumped).top_k == settings.top_k


@pytest.mark.parametrize("auth", ["nopassword", ":pw", "user:"])
def test_malformed_ui_auth_is_rejected_with_the_expected_form(auth):
    with pytest.raises(pydantic.ValidationError, match="user:password"):
        rag.Settings(ui_auth=auth)


@pytest.mark.slow
def test_an_accepted_upload_is_saved_indexed_listed_and_reports_progress(tmp_path, corpus):
    settings = rag.Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    library = rag.Library(settings, embedder=shared_minilm(settings))
    source = tmp_path / "upload"
    source.write_text("Lighthouse reopens\n\nThe Zembla lighthouse reopened in May.", "utf-8")
    steps: list[tuple[float, str]] = []

    report = library.add_files([("lighthouse.md", source)], lambda f, text: steps.append((f, text)))

    assert report.saved == ["lighthouse.md"] and report.refused == []
    assert report.ingest is not None and "lighthouse" in report.ingest.added
    uploads = tmp_path / "data" / "uploads"  # the app's own folder; the user's is not written
    assert (uploads / "lighthouse.md").read_bytes() == source.read_bytes()
    assert not (corpus / "lighthouse.md").exists()
    assert not list(uploads.glob(".*"))  # no partial file left behind
    assert "lighthouse" in {a.doc_id for a in library.articles()}
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(text.startswith("Indexing 1 article") for _, text in steps)


# --- dates and removal in the page ------------------------------------------------------------


def test_chat_passes_the_settings_date_fields_to_ask():
    from ui.app import make_chat

    seen = []

    def ask_stream(question, history=None, *, top_k=None, answerer=None, **dates):
        seen.append(dates)
        yield Answer(ABSTAIN_TEXT, [], True, "q")

    chat = make_chat(Texts({}), ask_stream)
    list(chat("q", [], "extractive", 3, " 2024-01-01 ", ""))
    list(chat("q", [], "extractive", 3))  # an API caller that sends no dates
    assert seen == [{"since": "2024-01-01"}, {}]


def test_a_bad_date_in_settings_is_shown_as_a_message(indexed: rag.Library):
    from ui.app import make_chat

    chat = make_chat(indexed)
    (shown,) = list(chat("Who is the US Ambassador to NATO?", [], "extractive", 3, "2024-02-30"))
    assert 'class="rag-error"' in shown and "since" in shown


def test_removing_from_the_articles_tab_says_what_was_done(indexed: rag.Library, corpus: Path):
    from ui.app import remove_article

    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    notice, rows = remove_article(indexed, SEED_IDS[2])
    assert "excluded" in notice and "untouched" in notice
    assert SEED_IDS[2] not in {row[-1] for row in rows} and len(rows) == 4
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before
    notice, rows = remove_article(indexed, SEED_IDS[2])
    assert "Not removed" in notice and rows is None
    assert "Click an article first" in remove_article(indexed, "")[0]
