"""The web UI served for real: gradio_client on the chat endpoint, and headless Chromium.

One app over a seed copy plus a hostile article (real MiniLM) is served on a free port for
the module; the login test runs `rag serve` itself in a subprocess. Set UI_SCREENSHOT to a
path to keep the answer screenshot (``make screenshot`` writes docs/screenshot.png).
"""

from __future__ import annotations

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
        card = page.locator(f"#src-0-{c.number}")
        assert card.locator("mark").inner_text() == c.quote
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
    assert "over the 1,000,000-byte limit" in upload(page, [big], expect="big.txt")

    page.set_input_files(
        "#upload input[type=file]",
        [{"name": "paper.docx", "mimeType": "application/msword", "buffer": b"PK\x03\x04"}],
    )
    page.get_by_text("Invalid file type").wait_for(timeout=10_000)

    assert sorted(p.name for p in corpus.iterdir()) == before
    assert not (corpus.parent.parent / "x.txt").exists()


def test_an_article_is_removed_from_the_articles_tab_after_a_confirmation(served, page):
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
