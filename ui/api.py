"""The OpenAI-compatible HTTP API over one ``rag.Library``: models, chat completions (streamed
or not, with a ``citations`` array) and the articles, with OpenAI-style error bodies.

Served by `rag serve` beside the web chat, so any ``openai`` client, Open WebUI or ``curl``
can use it at ``http://127.0.0.1:7860/v1``.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

import rag
from ui.library import prepare_in_background

MODELS = {"rag": None, "rag-extractive": "extractive", "rag-openai": "openai"}
CITATION_FIELDS = ("number", "doc_id", "title", "date", "outlet", "quote", "start", "end")


class APIError(Exception):
    """Answered as ``{"error": {"message", "type", "param", "code"}}`` with ``status``."""

    def __init__(self, status: int, message: str, code: str | None = None, param=None):
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param

    def response(self) -> JSONResponse:
        kind = {401: "authentication_error", 404: "not_found_error"}.get(
            self.status, "invalid_request_error"
        )
        body = {"message": self.message, "type": kind, "param": self.param, "code": self.code}
        return JSONResponse({"error": body}, status_code=self.status)


def install(app: FastAPI, library, settings: rag.Settings, ready: threading.Event | None = None):
    """Adds the /v1 routes to ``app``; ``ready`` (set once the index is synced) holds
    questions back meanwhile."""
    app.add_exception_handler(APIError, lambda request, err: err.response())
    app.include_router(router(library, settings, ready))


def router(library, settings: rag.Settings, ready: threading.Event | None) -> APIRouter:
    api = APIRouter(prefix="/v1", dependencies=[Depends(bearer_check(settings))])

    @api.get("/models")
    def models() -> dict:
        return {"object": "list", "data": [model_card(m) for m in available(library)]}

    @api.post("/chat/completions")
    async def chat_completions(request: Request):
        body = await json_body(request)
        model, answerer = chosen_model(body.get("model"), available(library))
        question, history = conversation(body.get("messages"))
        dates = date_fields(body)
        if ready is not None:
            await run_in_threadpool(ready.wait)
        if body.get("stream"):
            pieces = library.ask_stream(question, history, answerer=answerer, **dates)
            first = await run_in_threadpool(next_or_error, pieces)  # bad input: a 400, not a stream
            return StreamingResponse(sse(model, first, pieces), media_type="text/event-stream")
        answer = await run_in_threadpool(asked, library, question, history, answerer, dates)
        return completion(model, answer)

    @api.get("/articles")
    def articles() -> dict:
        return {"object": "list", "data": [a.to_dict() for a in library.articles()]}

    @api.get("/articles/{article_id}")
    def article(article_id: str) -> dict:
        return found(lambda: library.article(article_id)).to_dict()

    @api.post("/articles")
    async def upload(request: Request) -> JSONResponse:
        uploads = await uploaded_files(request)
        report = await run_in_threadpool(library.add_files, uploads)
        if report.saved:
            prepare_in_background(library)
        if report.refused and not (report.saved or report.unchanged):
            reasons = "; ".join(f"{name}: {why}" for name, why in report.refused)
            raise APIError(400, f"nothing was added ({reasons})", "upload_refused", "file")
        return JSONResponse(upload_body(report), status_code=201 if report.saved else 200)

    @api.delete("/articles/{article_id}")
    def delete(article_id: str) -> dict:
        removal = found(lambda: library.remove(article_id))
        return removal.to_dict() | {"object": "article", "deleted": True}

    return api


def bearer_check(settings: rag.Settings):
    """With RAG_API_KEY set, every request must bear it; with only a UI login (RAG_UI_AUTH)
    set, the API stays closed rather than open beside a protected page."""
    key = settings.api_key.get_secret_value() if settings.api_key else None

    def check(request: Request) -> None:
        if key is None:
            if settings.ui_auth is not None:
                raise APIError(401, "the web chat has a login: set RAG_API_KEY to use the API")
            return
        sent = request.headers.get("authorization", "")
        scheme, _, token = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), key):
            raise APIError(401, "Incorrect API key provided (RAG_API_KEY)", "invalid_api_key")

    return check


def available(library) -> list[str]:
    names = library.answerers()
    return ["rag"] + [m for m, answerer in MODELS.items() if answerer in names]


def model_card(model: str) -> dict:
    return {"id": model, "object": "model", "created": 0, "owned_by": "rag"}


def chosen_model(model: object, models: list[str]) -> tuple[str, str | None]:
    if not isinstance(model, str) or not model:
        raise APIError(400, "'model' is required: one of " + ", ".join(models), param="model")
    if model not in models:
        raise APIError(
            404, f"The model '{model}' does not exist; use one of {', '.join(models)}",
            "model_not_found", "model",
        )  # fmt: skip
    return model, MODELS[model]


async def json_body(request: Request) -> dict:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError) as err:
        raise APIError(400, f"the request body is not valid JSON ({err})") from err
    if not isinstance(body, dict):
        raise APIError(400, "the request body must be a JSON object")
    return body


def conversation(messages: object) -> tuple[str, list[dict]]:
    """The last user message is the question; the user and assistant turns before it are the
    history (system messages are left out: the articles are the only instructions)."""
    if not isinstance(messages, list) or not messages:
        raise APIError(400, "'messages' must be a non-empty list of messages", param="messages")
    turns = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in (
            "system", "developer", "user", "assistant", "tool",
        ):  # fmt: skip
            raise APIError(400, f"messages[{i}] needs a role and content", param="messages")
        if message["role"] in ("user", "assistant"):
            turns.append({"role": message["role"], "content": text_of(message.get("content"), i)})
    if not turns or turns[-1]["role"] != "user":
        raise APIError(400, "the last message must be the user's question", param="messages")
    return turns[-1]["content"], turns[:-1]


def text_of(content: object, i: int) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict)).strip()
    raise APIError(400, f"messages[{i}].content must be text", param="messages")


def date_fields(body: dict) -> dict:
    """Our extra body fields: ``since``/``until`` (ISO dates) restrict retrieval to articles
    of that range; ``include_undated`` (default true) keeps articles that have no date."""
    undated = body.get("include_undated", True)
    if not isinstance(undated, bool):
        raise APIError(400, "'include_undated' must be true or false", param="include_undated")
    return {"since": body.get("since"), "until": body.get("until"), "include_undated": undated}


def asked(
    library, question: str, history: list[dict], answerer: str | None, dates: dict
) -> rag.Answer:
    try:
        return library.ask(question, history, answerer=answerer, **dates)
    except (ValueError, TypeError) as err:
        raise APIError(400, str(err), param=param_of(err)) from err


def next_or_error(pieces: Iterator) -> object:
    try:
        return next(pieces)
    except (ValueError, TypeError) as err:
        raise APIError(400, str(err), param=param_of(err)) from err


def param_of(err: Exception) -> str:
    """The body field a refused request got wrong: a date's, else the messages."""
    text = str(err)
    return next((p for p in ("since", "until") if text.startswith(p)), "messages")


def citations(answer: rag.Answer) -> list[dict]:
    """The answer's sources as the API shows them; none for an abstention."""
    if answer.abstained:
        return []
    return [{key: c.to_dict()[key] for key in CITATION_FIELDS} for c in answer.citations]


def completion(model: str, answer: rag.Answer) -> dict:
    message = {"role": "assistant", "content": answer.text, "citations": citations(answer)}
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def sse(model: str, first: object, pieces: Iterator) -> Iterator[str]:
    """OpenAI's chunks as server-sent events: the role, the text as it comes, then a last
    chunk with the finish reason and the citations, then ``[DONE]``."""
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
    }

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps(base | {'choices': [choice]} | extra)}\n\n"

    yield event({"role": "assistant", "content": ""})
    sent = ""
    try:
        for item in _chained(first, pieces):
            if isinstance(item, rag.Answer):
                if item.text.startswith(sent) and item.text != sent:  # the verified rest
                    yield event({"content": item.text[len(sent) :]})
                yield event({}, "stop", citations=citations(item))
                break
            sent += item
            yield event({"content": item})
    except Exception as err:  # a failing backend mid-stream: an error event, then the end
        body = {"message": f"answering failed: {err}", "type": "server_error"}
        yield f"data: {json.dumps({'error': body})}\n\n"
    yield "data: [DONE]\n\n"


def _chained(first: object, rest: Iterator) -> Iterator:
    yield first
    yield from rest


def found(call):
    try:
        return call()
    except KeyError as err:
        raise APIError(404, str(err).strip("'\""), "article_not_found") from err
    except ValueError as err:
        raise APIError(400, str(err)) from err


async def uploaded_files(request: Request) -> list[tuple[str, bytes]]:
    """Multipart ``file`` fields (one or more), each read up to one byte past the limit."""
    try:
        form = await request.form()
    except Exception as err:  # not multipart, or a part over the limit
        raise APIError(400, f"send the articles as multipart 'file' fields ({err})") from err
    files = [f for f in form.getlist("file") if hasattr(f, "read")]
    if not files:
        raise APIError(400, "no 'file' field: POST the news file as multipart form data")
    return [(f.filename or "", await f.read(rag.LARGEST_UPLOAD_BYTES + 1)) for f in files]


def upload_body(report: rag.UploadReport) -> dict:
    return {
        "object": "upload",
        "saved": report.saved,
        "unchanged": report.unchanged,
        "refused": [{"name": name, "reason": why} for name, why in report.refused],
        "index": report.ingest.summary() if report.ingest else None,
    }
