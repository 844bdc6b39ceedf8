"""RAG_ANSWERER=local against the real llama.cpp server (xllamacpp) and the real SmolLM2-135M.

`make test` installs both (the install step). No test reads the model's wording: they check
what the project does with whatever it writes: the server's life, the stream, the citation
check, the fallbacks. SmolLM2 is small and unfaithful, which is what the check is for.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import SEEDS, HashingEmbedder

import rag
from rag.answer import ABSTAIN_TEXT, Answer
from rag.answer.extractive import ExtractiveAnswerer
from rag.answer.generative import GenerativeAnswerer
from rag.local_llm import LocalChatClient, LocalModelError, LocalServer, check_gguf
from rag.local_models import smollm2_gguf
from rag.sentences import split_sentences
from rag.terms import terms
from rag.verify import is_abstention

pytestmark = pytest.mark.slow

# Small enough that SmolLM2 answers in a second or two on a shared 2-core machine (one
# thread: with two, a core busy elsewhere stalls every token).
FAST = dict(llm_ctx=2048, llm_threads=1, llm_max_tokens=48, top_k=2)
WHO = "Who is the US Ambassador to NATO?"
OFF_TOPIC = "Explain in detail how to bake sourdough bread at home, step by step."


@pytest.fixture(scope="module")
def gguf() -> Path:
    return smollm2_gguf()  # fails (not skips) when missing: `make test` installs it


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("local")
    settings = rag.Settings(corpus_dir=SEEDS, data_dir=root / "data", answerer="extractive")
    with rag.Library(settings, embedder=HashingEmbedder()) as library:
        library.ingest()
    return SEEDS, root / "data"


@pytest.fixture
def local_pipeline(indexed, gguf):
    """A pipeline answering through the local server; its server is closed after the test."""
    corpus, data = indexed
    built = []

    def make(model: Path = gguf, **overrides):
        options = dict(corpus_dir=corpus, data_dir=data, answerer="local", llm_gguf=model)
        pipeline = rag.Library(
            rag.Settings(**(options | FAST | overrides)), embedder=HashingEmbedder()
        )
        built.append(pipeline)
        return pipeline

    yield make
    for pipeline in built:
        pipeline.close()  # stops the local server it started


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting for a parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_gone(pid: int, limit: float = 30.0) -> bool:
    """Whether ``pid`` ends within ``limit`` seconds (a bound on a hang, not a speed test)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def health(base_url: str) -> int:
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/health", timeout=5) as r:
        return r.status


def assert_every_shown_sentence_is_cited(answer: Answer) -> None:
    """Each stretch of text up to a marker is one cited sentence (after any with nothing to
    check), and nothing follows the last marker."""
    if answer.abstained:
        assert answer.text == ABSTAIN_TEXT and answer.citations == []
        return
    *stretches, after = re.split(r"(?:\s*\[\d+\])+", answer.text)
    assert stretches and not after.strip(), answer.text
    for stretch in stretches:
        spans = split_sentences(stretch)
        assert spans, answer.text
        for start, end in spans[:-1]:
            assert not terms(stretch[start:end]) or is_abstention(stretch[start:end]), stretch
    for sentence in answer.unsupported:
        assert sentence not in answer.text


def test_the_server_starts_healthy_and_stops_with_its_owner(gguf):
    server = LocalServer(gguf, threads=1, ctx=1024)
    with server:
        url = server.base_url
        pid = server.pid
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert health(url) == 200
        assert server.start() == url  # a running server is reused, not started twice
        assert server.pid == pid
    assert not server.running() and server.base_url is None
    assert wait_gone(pid)
    with pytest.raises(OSError):
        health(url)
    server.close()  # twice is fine


PARENT = """
import sys, time
from rag.local_llm import LocalServer
server = LocalServer(sys.argv[1], threads=1, ctx=512)
server.start()
print(server.pid, flush=True)
sys.stdin.readline()  # "go"
if sys.argv[2] == "exit":
    sys.exit(0)  # no close(): the interpreter's exit stops it
time.sleep(600)
"""


@pytest.mark.parametrize("ending", ["SIGKILL", "SIGTERM", "exit"])
def test_no_server_outlives_its_parent(gguf, ending):
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PARENT), str(gguf), ending],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(parent.stdout.readline())
        assert alive(child)
        if ending == "exit":
            parent.stdin.write("go\n")
            parent.stdin.flush()
        else:
            parent.send_signal(getattr(signal, ending))
        parent.wait(timeout=60)
        assert wait_gone(child), f"server {child} outlived its parent ({ending})"
    finally:
        parent.kill()
        parent.wait()


def test_a_streamed_answer_reaches_the_caller(local_pipeline):
    items = list(local_pipeline().ask_stream(WHO))
    *pieces, answer = items
    assert isinstance(answer, Answer) and all(isinstance(p, str) for p in pieces)
    assert answer.notice is None  # the model answered; no fallback
    assert answer.verification is not None  # its markers went through the check
    assert "".join(pieces) == answer.text
    assert_every_shown_sentence_is_cited(answer)


def test_the_models_unsupported_sentences_are_taken_out(local_pipeline, indexed):
    """Asked what the articles never say, SmolLM2 writes it anyway: none of it is shown."""
    pipeline = local_pipeline(llm_max_tokens=96, generation_gate=0)  # the gate would stop it
    answer = pipeline.ask(OFF_TOPIC)
    assert answer.notice is None
    assert answer.unsupported  # what it wrote from its own memory
    assert answer.verification.unsupported == len(answer.unsupported)
    assert_every_shown_sentence_is_cited(answer)
    corpus, _ = indexed
    for citation in answer.citations:
        text = (corpus / f"{citation.doc_id}.txt").read_text(encoding="utf-8")
        assert text[citation.start : citation.end] == citation.quote


def test_the_real_model_judges_its_own_citations_with_verify_model(local_pipeline, indexed):
    """RAG_VERIFY=model: the real server answers yes/no with logprobs; what is shown is
    still only cited sentences quoting the article verbatim."""
    pipeline = local_pipeline(llm_max_tokens=96, verify="model")
    client = pipeline.backend().answerer.judge.client
    yes = client.yes_probability(
        [{"role": "user", "content": "Answer yes or no: is Vilnius in Lithuania?"}]
    )
    assert yes is not None and 0.0 <= yes <= 1.0
    answer = pipeline.ask(WHO)
    assert answer.notice is None
    assert_every_shown_sentence_is_cited(answer)
    corpus, _ = indexed
    for citation in answer.citations:
        text = (corpus / f"{citation.doc_id}.txt").read_text(encoding="utf-8")
        assert text[citation.start : citation.end] == citation.quote


class KillsServerAfterFirstPiece:
    """The real local client, except that the server is killed once text starts coming."""

    def __init__(self, client: LocalChatClient):
        self.client = client

    def complete(self, messages):
        return self.client.complete(messages)

    def stream(self, messages):
        for n, piece in enumerate(self.client.stream(messages)):
            if n == 0:
                os.kill(self.client.server.pid, signal.SIGKILL)
            yield piece


def test_a_server_killed_mid_answer_falls_back_with_a_notice(local_pipeline, gguf):
    pipeline = local_pipeline(llm_max_tokens=200, llm_retries=0)
    client = pipeline.backend().answerer.client
    passages = pipeline.retrieve(WHO)
    extractive = ExtractiveAnswerer(pipeline.index.current())
    answerer = GenerativeAnswerer(
        KillsServerAfterFirstPiece(client), HashingEmbedder(), extractive, 0.65
    )
    *pieces, answer = list(answerer.stream(OFF_TOPIC, passages))
    killed = client.server.pid
    assert answer.notice and str(gguf) in answer.notice and "extractive" in answer.notice
    assert answer.verification is None  # the extractive answer, not a half-checked one
    assert wait_gone(killed)
    # the next question starts the server again
    again = pipeline.ask(WHO)
    assert again.notice is None and client.server.pid != killed


def test_a_file_that_is_not_gguf_is_named(tmp_path):
    text = tmp_path / "model.gguf"
    text.write_text("not a model at all", encoding="utf-8")
    with pytest.raises(LocalModelError, match=str(text)) as err:
        check_gguf(text)
    assert "not a GGUF" in str(err.value)
    with pytest.raises(LocalModelError, match="does not exist"):
        LocalServer(tmp_path / "missing.gguf").start()


def test_a_corrupt_gguf_names_the_file_and_leaves_no_process(gguf, tmp_path):
    truncated = tmp_path / "truncated.gguf"
    with gguf.open("rb") as f:
        truncated.write_bytes(f.read(1_000_000))  # a GGUF header, then nothing
    server = LocalServer(truncated, threads=1, ctx=512)
    with pytest.raises(LocalModelError, match=str(truncated)) as err:
        server.start()
    assert "exited" in str(err.value)
    assert not server.running() and server.pid is None


def test_answers_fall_back_to_extractive_when_the_model_cannot_be_served(local_pipeline, tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(64))
    pipeline = local_pipeline(model=broken)
    first = pipeline.ask(WHO)
    assert first.notice and str(broken) in first.notice
    assert first.verification is None and not first.abstained  # the extractive answer
    streamed = list(pipeline.ask_stream(WHO))[-1]
    assert streamed.notice == first.notice  # the failure is remembered, not retried


def test_auto_picks_the_local_model_only_without_an_endpoint(tmp_path):
    model = tmp_path / "m.gguf"
    assert rag.Settings(llm_gguf=model).answerer_backend() == "local"
    assert rag.Settings(llm_gguf=model, llm_base_url="http://x/v1").answerer_backend() == "openai"
    assert rag.Settings(llm_gguf="").answerer_backend() == "extractive"
    assert rag.Settings(llm_gguf=model, answerer="extractive").answerer_backend() == "extractive"
