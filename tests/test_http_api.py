"""The OpenAI-compatible HTTP API, served for real by `rag serve`, used by the official client.

One `rag serve` subprocess over a seed copy (real MiniLM) with RAG_API_KEY set serves the
module; ``openai.OpenAI`` asks it, plain and streamed; ``httpx`` uploads and deletes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest
from conftest import ROOT, SEED_IDS, SEEDS

pytestmark = pytest.mark.slow

KEY = "test-key-1234"
AMBASSADOR = "001_5e5283315bc32363"
QUESTION = "Who is the US Ambassador to NATO?"
LIGHTHOUSE = """Zembla lighthouse reopens

The Zembla lighthouse reopened on 2 May 2024, the Zembla Courier reports.

The engineer Marta Quist led the two-year restoration of the lighthouse.
"""


@dataclass
class Server:
    url: str
    corpus: Path
    data: Path

    def client(self, key: str = KEY) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=key, max_retries=0, timeout=120)

    def http(self) -> httpx.Client:
        auth = {"Authorization": f"Bearer {KEY}"}
        return httpx.Client(base_url=self.url, headers=auth, timeout=120)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    shutil.copytree(SEEDS, root / "corpus")
    port = free_port()
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(root / "corpus"),
        "RAG_DATA_DIR": str(root / "data"),
        "RAG_API_KEY": KEY,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    served = Server(f"http://127.0.0.1:{port}", root / "corpus", root / "data")
    try:
        wait_until_up(served, process)
        yield served
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_until_up(served: Server, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "rag serve exited early"
        try:
            if served.http().get("/v1/models").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"rag serve did not answer on {served.url} in {timeout} s")


def citations_of(obj) -> list[dict]:
    return (obj.model_extra or {}).get("citations")


def article_text(served: Server, doc_id: str) -> str:
    return (served.corpus / f"{doc_id}.txt").read_text(encoding="utf-8")


def test_models_list_the_default_and_the_extractive_answerer(server):
    models = [m.id for m in server.client().models.list()]
    assert models[0] == "rag" and "rag-extractive" in models
    assert "rag-openai" not in models  # no language model configured


def test_a_plain_answer_carries_its_citations(server):
    reply = server.client().chat.completions.create(
        model="rag", messages=[{"role": "user", "content": QUESTION}]
    )
    message = reply.choices[0].message
    assert "Julianne Smith" in message.content and "[1]" in message.content
    assert reply.choices[0].finish_reason == "stop"
    cited = citations_of(message)
    assert cited and cited[0]["number"] == 1 and cited[0]["doc_id"] == AMBASSADOR
    assert set(cited[0]) == {"number", "doc_id", "title", "date", "outlet", "quote", "start", "end"}
    text = article_text(server, AMBASSADOR)
    assert all(c["quote"] == text[c["start"] : c["end"]] for c in cited)


def test_a_streamed_answer_ends_with_its_citations(server):
    client = server.client()
    chunks = list(
        client.chat.completions.create(
            model="rag-extractive", messages=[{"role": "user", "content": QUESTION}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    plain = client.chat.completions.create(
        model="rag-extractive", messages=[{"role": "user", "content": QUESTION}]
    )
    assert text == plain.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert citations_of(chunks[-1]) == citations_of(plain.choices[0].message)
    assert all(citations_of(c) is None for c in chunks[:-1])


def test_the_stream_is_server_sent_events_ending_with_done(server):
    body = {"model": "rag", "messages": [{"role": "user", "content": QUESTION}], "stream": True}
    with server.http().stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line for line in response.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"


def test_a_follow_up_through_messages_resolves(server):
    client = server.client()
    first = client.chat.completions.create(
        model="rag", messages=[{"role": "user", "content": QUESTION}]
    )
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},  # left out
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "What did she say about inviting Ukraine?"},
    ]
    reply = client.chat.completions.create(model="rag", messages=messages)
    cited = citations_of(reply.choices[0].message)
    assert cited and {c["doc_id"] for c in cited} == {AMBASSADOR}
    assert "invite" in reply.choices[0].message.content.lower()


def test_an_abstention_has_the_abstention_text_and_no_citations(server):
    reply = server.client().chat.completions.create(
        model="rag", messages=[{"role": "user", "content": "Who won the 2022 World Cup?"}]
    )
    assert reply.choices[0].message.content == "The articles don't say."
    assert citations_of(reply.choices[0].message) == []


def test_an_unknown_model_is_a_404_naming_the_models(server):
    with pytest.raises(openai.NotFoundError) as err:
        server.client().chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": QUESTION}]
        )
    assert err.value.body["code"] == "model_not_found"
    assert "rag-extractive" in err.value.body["message"]


def test_a_wrong_key_is_a_401(server):
    with pytest.raises(openai.AuthenticationError):
        server.client(key="wrong").models.list()
    with pytest.raises(openai.AuthenticationError):
        server.client(key="wrong").chat.completions.create(
            model="rag", messages=[{"role": "user", "content": QUESTION}]
        )


@pytest.mark.parametrize(
    "messages, why",
    [
        ([], "non-empty list"),
        ([{"role": "assistant", "content": "hi"}], "last message"),
        ([{"role": "user", "content": "   "}], "question is empty"),
        ([{"role": "user", "content": "x" * 2001}], "limit is 2,000"),
    ],
)
def test_bad_requests_are_400s_with_a_message(server, messages, why):
    with pytest.raises(openai.BadRequestError) as err:
        server.client().chat.completions.create(model="rag", messages=messages)
    assert why in err.value.body["message"]
    with pytest.raises(openai.BadRequestError):  # streamed, the same answer before any event
        server.client().chat.completions.create(model="rag", messages=messages, stream=True)


def test_upload_then_delete_an_article(server):
    http, client = server.http(), server.client()
    question = [{"role": "user", "content": "Who led the restoration of the Zembla lighthouse?"}]
    files = {"file": ("lighthouse.md", LIGHTHOUSE.encode(), "text/markdown")}
    response = http.post("/v1/articles", files=files)
    assert response.status_code == 201, response.text
    assert response.json()["saved"] == ["lighthouse.md"]
    listed = {a["doc_id"]: a for a in http.get("/v1/articles").json()["data"]}
    assert listed["lighthouse"]["title"] == "Zembla lighthouse reopens"
    assert http.get("/v1/articles/lighthouse").json()["text"] == LIGHTHOUSE
    reply = client.chat.completions.create(model="rag", messages=question)
    assert "Marta Quist" in reply.choices[0].message.content
    assert citations_of(reply.choices[0].message)[0]["doc_id"] == "lighthouse"

    refused = http.post("/v1/articles", files={"file": ("x.pdf", b"%PDF", "application/pdf")})
    assert refused.status_code == 400 and "PDF" in refused.json()["error"]["message"]
    exe = http.post("/v1/articles", files={"file": ("x.exe", b"MZ", "application/octet-stream")})
    assert exe.status_code == 400 and "files are accepted" in exe.json()["error"]["message"]
    clash = http.post("/v1/articles", files={"file": ("lighthouse.md", b"other", "text/plain")})
    assert clash.status_code == 400 and "rename the file" in clash.json()["error"]["message"]

    deleted = http.delete("/v1/articles/lighthouse")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert "lighthouse" not in {a["doc_id"] for a in http.get("/v1/articles").json()["data"]}
    assert not (server.corpus / "lighthouse.md").exists()  # uploads never went there
    assert not (server.data / "uploads" / "lighthouse.md").exists()
    assert list((server.data / "removed").glob("*lighthouse.md"))  # kept aside, not lost
    assert deleted.json()["moved_to"].endswith("lighthouse.md")
    reply = client.chat.completions.create(model="rag", messages=question)
    assert citations_of(reply.choices[0].message) == []
    gone = http.delete("/v1/articles/lighthouse")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "article_not_found"
    assert http.get("/v1/articles/..%2Fetc").status_code in (400, 404)


def test_the_web_chat_is_served_on_the_same_port(server):
    page = httpx.get(server.url + "/", timeout=30)
    assert page.status_code == 200 and "gradio" in page.text.lower()


def test_since_and_until_body_fields_restrict_the_sources(server):
    http = server.http()
    ask = {"model": "rag", "messages": [{"role": "user", "content": "Is there a consensus on "
           "inviting Ukraine to NATO?"}]}  # fmt: skip
    # Of the seeds only 000 has a date (2024-10-18); dated articles only, from October on:
    body = ask | {"since": "2024-10-01", "include_undated": False}
    reply = http.post("/v1/chat/completions", json=body).json()
    assert {c["doc_id"] for c in reply["choices"][0]["message"]["citations"]} == {SEED_IDS[0]}
    before = http.post("/v1/chat/completions", json=body | {"since": None, "until": "2024-01"})
    assert before.json()["choices"][0]["message"]["citations"] == []
    bad = http.post("/v1/chat/completions", json=ask | {"since": "2024-02-30"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "since"
    streamed = http.post("/v1/chat/completions", json=ask | {"until": "soon", "stream": True})
    assert streamed.status_code == 400 and "until" in streamed.json()["error"]["message"]


def test_the_server_embeds_sentences_ahead_of_questions_and_after_an_upload(server):
    """`rag serve` fills the data folder's sentence vectors (rag/vector_cache.py) in the
    background: the seeds' at start, an upload's after it, so no question waits for e5."""
    from rag.answer.meaning import E5_NAME
    from rag.sentences import split_sentences
    from rag.vector_cache import FILE_NAME, VectorCache

    def eventually_known(sentence: str) -> bool:
        for _ in range(1200):  # a generous bound for a busy machine, not a timing claim
            if VectorCache(server.data / FILE_NAME).get(E5_NAME, [sentence]):
                return True
            time.sleep(0.1)
        return False

    text = (SEEDS / "004_49dc9b557f48420a.txt").read_text(encoding="utf-8")
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert eventually_known(sentences[len(sentences) // 2])  # never asked about by a test
    article = LIGHTHOUSE.replace("Zembla", "Yarrow").replace("Marta Quist", "Ivo Brand")
    files = {"file": ("beacon.md", article.encode(), "text/markdown")}
    http = server.http()
    assert http.post("/v1/articles", files=files).status_code == 201
    assert eventually_known(
        "The engineer Ivo Brand led the two-year restoration of the lighthouse."
    )
    assert http.delete("/v1/articles/beacon").status_code == 200
