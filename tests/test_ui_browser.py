"""The web UI served for real: gradio_client on the chat endpoint, and headless Chromium.

One app over a seed copy plus a hostile article (real MiniLM) is served on a free port for
the module; the login test runs `rag serve` itself in a subprocess. Set UI_SCREENSHOT to a
path to keep the answer screenshot (``make screenshot`` writes docs/screenshot.png).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, shared_minilm

import rag

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "Why did the White House decide against inviting Ukraine to NATO?"
HOSTILE = """<script>window.__xss = 1; alert("script")</script> Harbour pilots strike <img src=x onerror="window.__xss = 2; alert('img')">

The harbour pilots of Port Zembla went on strike over night shifts <img src=x onerror="window.__xss = 3"> and pay <script>window.__xss = 4</script>, the Zembla Courier reports.

Ships waited outside the port for two days.
"""  # noqa: E501
UPLOADED = """Zembla lighthouse reopens

The Zembla lighthouse reopened on 2 May 2024, the Zembla Courier reports.

The engineer Marta Quist led the two-year restoration of the lighthouse.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    url: str
    settings: rag.Settings


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app over the seeds plus a hostile article, indexed with MiniLM, on a free port."""
    yield from serving(tmp_path_factory)


@pytest.fixture
def served_alone(tmp_path_factory):
    """A server of its own, for a test that changes the corpus."""
    yield from serving(tmp_path_factory)


def serving(tmp_path_factory):
    from ui.app import build_app, launch

    root = tmp_path_factory.mktemp("ui")
    shutil.copytree(SEEDS, root / "corpus")
    (root / "corpus" / "harbour_xss.txt").write_text(HOSTILE, encoding="utf-8")
    settings = rag.Settings(corpus_dir=root / "corpus", data_dir=root / "data", ui_port=free_port())
    library = rag.Library(settings, embedder=shared_minilm(settings))
    library.ingest()
    app = build_app(settings, library=library)
    launch(app, settings, prevent_thread_lock=True, quiet=True)
    yield Served(f"http://127.0.0.1:{settings.ui_port}/", settings)
    app.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []  # any alert() would land here
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def ask_in_page(page, question: str, turn: int):
    """Type a question, press Enter, and wait for the answer of that turn (0, 2, 4, ...)."""
    page.get_by_role("tab", name="Chat").click()
    page.locator("textarea").fill(question)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#src-{turn}-1", timeout=90_000)


def card_of(page, turn: int, number: int):
    """The source card holding citation ``number`` (neighbouring quotes share one card)."""
    anchor = page.locator(f"#src-{turn}-{number}")
    return anchor.locator("xpath=ancestor-or-self::div[contains(@class, 'rag-card')][1]")


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def upload(page, files, expect: str) -> str:
    """Upload through the Articles tab; wait for a status line holding ``expect``."""
    page.get_by_role("tab", name="Articles").click()
    page.set_input_files("#upload input[type=file]", files)
    page.locator("#upload-status li", has_text=expect).wait_for(timeout=90_000)
    return page.inner_text("#upload-status")


def test_gradio_client_gets_a_cited_answer_and_the_session_keeps_history(served):
    from gradio_client import Client

    client = Client(served.url, verbose=False)
    first = client.predict("Who is the US Ambassador to NATO?", "extractive", 5, api_name="/chat")
    assert "Julianne Smith" in first
    assert '<a class="rag-marker" href="#src-0-1">[1]</a>' in first
    card = first.split('id="src-0-1"', 1)[1].split("</mark>", 1)[0]
    assert "001_5e5283315bc32363" in card and "<mark>US Ambassador to NATO Julianne" in card

    follow_up = client.predict("What did she say?", "extractive", 5, api_name="/chat")
    query = follow_up.split("Standalone query: <code>", 1)[1].split("</code>", 1)[0]
    assert "Ambassador to NATO" in query  # the first turn reached ask() as history


def test_browser_answer_cards_upload_and_screenshot(served, page, tmp_path):
    expected = rag.ask(QUESTION, settings=served.settings)
    assert len(expected.citations) >= 1
    page.goto(served.url)
    ask_in_page(page, QUESTION, turn=0)

    answer = page.locator(".rag-answer").last
    assert "[1]" in answer.inner_text()
    assert answer.locator('a.rag-marker[href="#src-0-1"]').count() == 1
    for c in expected.citations:
        card = card_of(page, 0, c.number)
        assert c.quote in card.locator("mark").all_inner_texts()
        assert c.title in card.inner_text()
    shot = Path(os.environ.get("UI_SCREENSHOT") or tmp_path / "answer.png")
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.locator('a.rag-marker[href="#src-0-1"]').click()
    assert page.url.endswith("#src-0-1")

    feedback = Path(served.settings.data_dir) / "feedback.jsonl"
    before = lines_of(feedback)
    page.get_by_role("button", name="Like", exact=True).last.click()
    deadline = time.monotonic() + 30
    while len(lines_of(feedback)) == len(before):
        assert time.monotonic() < deadline, "no feedback line was appended"
        time.sleep(0.2)
    assert lines_of(feedback)[: len(before)] == before  # appended, never rewritten
    entry = json.loads(lines_of(feedback)[-1])
    assert (entry["rating"], entry["question"]) == ("up", QUESTION)

    article = tmp_path / "zembla_lighthouse.txt"
    article.write_text(UPLOADED, encoding="utf-8")
    status = upload(page, [str(article)], expect="zembla_lighthouse.txt")
    assert "Added zembla_lighthouse.txt" in status
    assert "Zembla lighthouse reopens" in page.inner_text("#articles")
    uploads = Path(served.settings.data_dir) / "uploads"  # not the user's corpus folder
    assert (uploads / "zembla_lighthouse.txt").read_text() == UPLOADED
    assert not (served.settings.corpus_dir / "zembla_lighthouse.txt").exists()

    ask_in_page(page, "Who led the restoration of the Zembla lighthouse?", turn=2)
    assert "Marta Quist" in page.locator(".rag-answer").last.inner_text()
    assert "zembla_lighthouse" in page.locator("#src-2-1 .rag-meta").inner_text()
    assert page.dialogs == []


def test_hostile_article_runs_nothing_in_a_card_or_the_reader(served, page):
    page.goto(served.url)
    ask_in_page(page, "Why did the harbour pilots of Port Zembla strike?", turn=0)
    cards = page.locator(".rag-card", has_text="harbour_xss")
    assert cards.count() >= 1
    assert "<img src=x onerror=" in cards.first.inner_text()
    assert page.locator(".rag-card script, .rag-card img, .rag-answer img").count() == 0

    page.get_by_role("tab", name="Articles").click()
    # Gradio's table also holds a hidden row sized by each column's longest cell.
    page.locator("#articles").get_by_text("Harbour pilots strike").filter(visible=True).click()
    page.wait_for_selector("#reader article")
    reader = page.inner_text("#reader")
    assert "<script>window.__xss = 4</script>" in reader
    assert page.locator("#reader script, #reader img, #articles img").count() == 0

    page.wait_for_timeout(500)  # time for an onerror handler to have fired, had it existed
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []


def test_uploads_outside_the_limits_are_refused_with_a_message(served, page):
    from rag import MAX_UPLOAD_BYTES

    corpus = Path(served.settings.corpus_dir)
    before = sorted(p.name for p in corpus.iterdir())
    page.goto(served.url)
    text = b"Some article text about a harbour."

    sneaky = {"name": "../../x.txt", "mimeType": "text/plain", "buffer": text}
    status = upload(page, [sneaky], expect="../../x.txt")
    assert "Refused ../../x.txt: file names may not contain folders" in status
    big = {"name": "big.txt", "mimeType": "text/plain", "buffer": b"w " * MAX_UPLOAD_BYTES}
    status = upload(page, [big], expect="big.txt")
    assert "over the 1,000,000-byte limit" in status
    assert "x.txt" not in status  # each upload's result replaces the one before

    docx = {"name": "paper.docx", "mimeType": "application/msword", "buffer": b"PK\x03\x04"}
    status = upload(page, [docx], expect="paper.docx")
    assert "Refused paper.docx" in status and ".txt" in status and "big.txt" not in status
    page.get_by_role("button", name="Dismiss").click()  # a refusal stays until dismissed
    page.locator("#upload-status li").wait_for(state="detached", timeout=10_000)

    assert sorted(p.name for p in corpus.iterdir()) == before
    assert not (corpus.parent.parent / "x.txt").exists()


def test_an_article_is_removed_from_the_articles_tab_after_a_confirmation(served_alone, page):
    served = served_alone
    corpus = Path(served.settings.corpus_dir)
    page.goto(served.url)
    page.get_by_role("tab", name="Articles").click()
    page.locator("#articles").get_by_text("harbour_xss", exact=True).click()
    page.wait_for_selector("#reader article")
    page.get_by_role("button", name="Remove this article…").click()
    page.get_by_text("Remove harbour_xss from the index?").wait_for(timeout=10_000)
    assert "harbour_xss" in page.inner_text("#articles")  # nothing happens before the yes
    page.get_by_role("button", name="Yes, remove it").click()
    page.locator("#upload-status li", has_text="removed harbour_xss").wait_for(timeout=60_000)
    assert "harbour_xss" not in page.inner_text("#articles")
    assert (corpus / "harbour_xss.txt").exists()  # the user's file is left alone
    excluded = Path(served.settings.data_dir) / "excluded.txt"
    assert "harbour_xss" in excluded.read_text()


def test_the_queue_serves_users_at_the_same_time(tmp_path):
    """Two chats must be inside the answer function together to pass the barrier."""
    from gradio_client import Client

    from ui.app import build_app, launch

    barrier = threading.Barrier(2, timeout=60)

    def ask_stream(question, history=None, *, top_k=None, answerer=None):
        barrier.wait()  # raises BrokenBarrierError if the other user is kept waiting
        yield rag.Answer("The articles don't say.", [], True, question)

    settings = rag.Settings(corpus_dir=tmp_path, data_dir=tmp_path / "data", ui_port=free_port())
    app = build_app(settings, ask_stream=ask_stream)
    launch(app, settings, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{settings.ui_port}/"
        jobs = [Client(url, verbose=False).submit(f"q{i}", "extractive", 3, api_name="/chat")
                for i in range(2)]  # fmt: skip
        results = [job.result(timeout=90) for job in jobs]
    finally:
        app.close()
    assert all("rag-abstained" in r for r in results)


def test_with_rag_ui_auth_the_page_asks_for_a_login(tmp_path, browser):
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEEDS / "004_49dc9b557f48420a.txt", tmp_path / "corpus")
    port = free_port()
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(tmp_path / "corpus"),
        "RAG_DATA_DIR": str(tmp_path / "data"),
        "RAG_UI_PORT": str(port),
        "RAG_UI_AUTH": "ann:s3cret",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, server)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("input[type=password]", timeout=30_000)
        assert page.locator("textarea").count() == 0  # no chat before logging in
        log_in(page, "ann", "wrong")
        page.get_by_text("Incorrect").wait_for(timeout=10_000)
        assert page.locator("textarea").count() == 0
        log_in(page, "ann", "s3cret")
        page.locator("textarea").fill("Where will the NATO summit take place?")
        page.keyboard.press("Enter")
        page.wait_for_selector("#src-0-1, .rag-abstained, .rag-error", timeout=120_000)
        errors = page.locator(".rag-error").all_inner_texts()
        assert errors == []  # asking works behind the login too
        page.reload()  # the chat is the login's: listed and shown again
        page.locator("#chat-list", has_text="Where will the NATO summit").wait_for(timeout=30_000)
        page.locator("#chat .message-row").nth(1).wait_for(timeout=30_000)
        page.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def log_in(page, user: str, password: str) -> None:
    page.locator("input[type=text]").first.fill(user)  # the form clears it after a failure
    page.locator("input[type=password]").fill(password)
    page.get_by_role("button", name="Login").click()


def wait_for(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "rag serve exited early"
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"rag serve did not answer on {url} in {timeout} s")


# --- saved chats, copy, accessibility, small screens ------------------------------------------

AXE_VERSION = "4.14.1"
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PLACE = "Where will NATO leaders meet in July?"
FOLLOW_UP = "What else will they discuss there?"
UNANSWERABLE = "What is the price of wheat in Kyiv?"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (`make axe` installs it into .cache/axe; npm is tried if missing)."""
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(
            ["npm", "install", "--prefix", str(AXE.parents[2]), "--no-audit", "--no-fund",
             f"axe-core@{AXE_VERSION}"],
            capture_output=True, timeout=300, check=False,
        )  # fmt: skip
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): `make axe` installs it")
    return AXE.read_text(encoding="utf-8")


def context_page(browser, width: int = 1280, height: int = 900, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    return context, context.new_page()


def ask(page, question: str, turn: int, done: str | None = None) -> None:
    page.locator("#question textarea").fill(question)
    page.keyboard.press("Enter")
    page.wait_for_selector(done or f"#src-{turn}-1", timeout=90_000)


def chat_rows(page) -> int:
    return page.locator("#chat .message-row").count()


def test_reload_keeps_the_chat_listed_new_chat_starts_empty_delete_removes_it(served, browser):
    context, page = context_page(browser)
    try:
        page.goto(served.url)
        ask(page, PLACE, turn=0)
        listed = page.locator("#chat-list label", has_text=PLACE)
        listed.wait_for(timeout=30_000)

        page.reload()
        page.wait_for_selector("#src-0-1", timeout=30_000)  # the answer, cards and all
        assert chat_rows(page) == 2 and listed.count() == 1
        ask(page, FOLLOW_UP, turn=2)  # a resumed chat's follow-up sees the first turn
        assert "Jens Stoltenberg" in page.locator(".rag-answer").last.inner_text()

        page.get_by_role("button", name="New chat").click()
        page.wait_for_function("document.querySelectorAll('#chat .message-row').length === 0")
        assert listed.count() == 1  # still saved, just not shown
        ask(page, UNANSWERABLE, turn=0, done=".rag-abstained")
        page.locator("#chat-list label", has_text=UNANSWERABLE).wait_for(timeout=30_000)
        titles = page.locator("#chat-list label").all_inner_texts()
        assert [t.strip() for t in titles] == [UNANSWERABLE, PLACE]  # newest first

        listed.click()
        page.wait_for_selector("#src-2-1", timeout=30_000)
        assert chat_rows(page) == 4
        page.locator("#chat-edit").get_by_text("Rename or delete this chat").click()
        page.locator("#chat-title textarea, #chat-title input").first.fill("Vilnius summit")
        page.get_by_role("button", name="Rename", exact=True).click()
        renamed = page.locator("#chat-list label", has_text="Vilnius summit")
        renamed.wait_for(timeout=30_000)
        assert listed.count() == 0
        page.get_by_role("button", name="Delete this chat", exact=True).click()
        renamed.wait_for(state="detached", timeout=30_000)
        page.wait_for_function("document.querySelectorAll('#chat .message-row').length === 0")
        page.reload()
        page.locator("#chat-list label", has_text=UNANSWERABLE).wait_for(timeout=30_000)
        assert renamed.count() == 0 and chat_rows(page) == 0
    finally:
        context.close()


def test_copy_gives_the_answer_as_plain_text_with_footnotes(served, browser):
    context, page = context_page(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.url[:-1])
    try:
        page.goto(served.url)
        ask(page, PLACE, turn=0)
        expected = rag.answer_text(rag.ask(PLACE, settings=served.settings).to_message())
        assert "\n\n[1] " in expected
        page.get_by_role("button", name="Copy message").last.click()
        page.wait_for_function("window.ragCopied !== undefined")
        assert page.evaluate("navigator.clipboard.readText()") == expected
        assert "<" not in expected and "Dense" not in expected  # no HTML, no scores table

        page.get_by_role("button", name="Copy conversation").click()
        page.wait_for_function("window.ragCopied.startsWith('You: ')")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == f"You: {PLACE}\n\n{expected}"

        with page.expect_download() as download:
            page.get_by_role("button", name="Export as Markdown").click()
        markdown = Path(download.value.path()).read_text(encoding="utf-8")
        assert markdown.startswith(f"# {PLACE}\n\n**You:** {PLACE}")
        assert expected.split("\n\n")[1].split("\n")[0] in markdown  # the first footnote
    finally:
        context.close()


def test_a_blank_question_is_not_sent_and_enter_sends_shift_enter_breaks(served, page):
    page.goto(served.url)
    box = page.locator("#question textarea")
    box.fill("   ")
    page.keyboard.press("Enter")
    box.fill("")
    box.type("Where will NATO leaders")
    page.keyboard.press("Shift+Enter")  # a new line, not a send
    box.type("meet in July?")
    assert box.input_value() == "Where will NATO leaders\nmeet in July?"
    page.keyboard.press("Enter")
    page.wait_for_selector("#src-0-1", timeout=90_000)
    users = page.locator("#chat .user-row").all_inner_texts()
    assert len(users) == 1 and "meet in July?" in users[0]  # the blank one never went


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_serious_or_critical_violation(served, browser, axe_source, scheme):
    context, page = context_page(browser, color_scheme=scheme)
    try:
        page.goto(served.url + f"?__theme={scheme}")
        ask(page, PLACE, turn=0)
        ask(page, UNANSWERABLE, turn=2, done=".rag-abstained")
        page.evaluate(
            "document.querySelectorAll('details.rag-details').forEach(d => d.open = true)"
        )
        found = {"chat": axe_violations(page, axe_source)}
        page.get_by_role("tab", name="Articles").click()
        page.locator("#articles").get_by_text("Bloomberg").filter(visible=True).click()
        page.wait_for_selector("#reader article")
        page.wait_for_selector("button.stop:not([disabled])")  # Remove enabled: a settled page
        found["articles"] = axe_violations(page, axe_source)
        print(f"axe-core {scheme}: {found}")
        assert found == {"chat": [], "articles": []}
    finally:
        context.close()


def axe_violations(page, source: str) -> list[str]:
    """Serious and critical axe-core findings, as 'rule: target' lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']}: {n['target']}"
        for v in violations
        if v["impact"] in ("serious", "critical")
        for n in v["nodes"]
    ]


def test_at_390_px_the_article_list_and_retrieval_details_stay_readable(served, browser):
    context, page = context_page(browser, width=390, height=844)
    try:
        page.goto(served.url)
        ask(page, PLACE, turn=0)
        page.evaluate(
            "document.querySelectorAll('details.rag-details').forEach(d => d.open = true)"
        )
        details = page.locator(".rag-details td:not(:first-child)").evaluate_all(
            "cells => cells.map(c => c.getBoundingClientRect().width)"
        )  # the rank column holds one digit; the chunk and its three scores need room
        assert details and min(details) >= 40
        page.get_by_role("tab", name="Articles").click()
        page.locator("#articles").get_by_text("Bloomberg").filter(visible=True).wait_for()
        widths = page.locator("#articles [role=gridcell]").evaluate_all(
            "cells => cells.filter(c => c.offsetParent).map(c => c.getBoundingClientRect().width)"
        )
        assert len(widths) >= 5 and min(widths) >= 40
    finally:
        context.close()


def test_the_article_list_keeps_the_clicked_row_when_it_refreshes(served, page, tmp_path):
    page.goto(served.url)
    page.get_by_role("tab", name="Articles").click()
    page.locator("#articles").get_by_text("Bloomberg").filter(visible=True).click()
    page.wait_for_selector("#reader article")
    page.wait_for_selector("#articles .cell-selected")
    row, text = selected_row(page)
    assert "Bloomberg" in text

    first = tmp_path / "aardvark_notes.txt"  # its title sorts above every other one
    first.write_text("0 Aardvark notes\n\nThe aardvark digs its burrow at night.\n", "utf-8")
    upload(page, [str(first)], expect="aardvark_notes.txt")
    page.locator("#articles").get_by_text("0 Aardvark notes").filter(visible=True).wait_for()
    page.wait_for_function(
        "() => { const c = document.querySelector('#articles .cell-selected');"
        f" return c && c.dataset.row !== '{row}'; }}"
    )  # the row moved down one; the selection went with it
    assert "Bloomberg" in selected_row(page)[1]
    assert "Bloomberg" in page.inner_text("#reader")
    page.get_by_role("tab", name="Chat").click()
    page.get_by_role("tab", name="Articles").click()  # shown again: still that row
    page.wait_for_selector("#articles .cell-selected")
    assert "Bloomberg" in selected_row(page)[1]


def selected_row(page) -> tuple[str, str]:
    """(row number, row text) of the article list's selected cell."""
    return tuple(
        page.evaluate(
            "() => { const c = document.querySelector('#articles .cell-selected');"
            " return [c.dataset.row, c.closest('[role=row]').innerText]; }"
        )
    )


def test_nothing_covers_the_answer_and_no_control_lacks_a_function(served, page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(served.url)
    ask(page, PLACE, turn=0)
    assert page.locator("#chat .top-panel button:visible").count() == 0  # share, clear: gone
    ask(page, FOLLOW_UP, turn=2)
    page.locator("#chat .user-row").first.scroll_into_view_if_needed()  # scrolled up a turn
    page.mouse.move(700, 400)
    page.mouse.wheel(0, -400)  # as a reader scrolls back
    with contextlib.suppress(PlaywrightTimeout):  # Gradio adds its arrow once it sees the scroll
        page.wait_for_selector(
            "#chat .scroll-down-button-container", state="attached", timeout=5000
        )
    answers = page.locator("#chat .rag-answer, #chat .rag-card").all()
    floating = page.locator(
        "#chat button:visible, #chats-sidebar .toggle-button, #chat .scroll-down-button-container"
    ).all()
    for answer in answers:
        assert_apart(answer.bounding_box(), floating)


def assert_apart(box, controls) -> None:
    """No control's box overlaps ``box`` (an answer or a card as laid out now)."""
    if box is None:
        return
    for control in controls:
        other = control.bounding_box() if control.is_visible() else None
        if other is None:
            continue
        apart = (other["y"] >= box["y"] + box["height"] or other["y"] + other["height"]
                 <= box["y"] or other["x"] >= box["x"] + box["width"]
                 or other["x"] + other["width"] <= box["x"])  # fmt: skip
        assert apart, f"{control.get_attribute('aria-label')} covers the answer"


def test_screenshots_at_1280_and_390(served, browser, tmp_path):
    """``make screenshot`` keeps them in docs/ (UI_SCREENSHOTS); the README describes them."""
    folder = Path(os.environ.get("UI_SCREENSHOTS") or tmp_path)
    context, page = context_page(browser)
    try:
        page.goto(served.url)
        ask(page, PLACE, turn=0)
        ask(page, FOLLOW_UP, turn=2)
        page.locator("#chat .user-row").first.scroll_into_view_if_needed()  # from the top
        page.screenshot(path=str(folder / "chat-1280.png"))
        narrow = context.new_page()
        narrow.set_viewport_size({"width": 390, "height": 844})
        narrow.goto(served.url)  # the same browser: the same chat comes back
        narrow.wait_for_selector("#src-2-1", timeout=30_000)
        narrow.locator("#src-0-1").scroll_into_view_if_needed()
        narrow.screenshot(path=str(folder / "chat-390.png"))
    finally:
        context.close()
    for name in ("chat-1280.png", "chat-390.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
