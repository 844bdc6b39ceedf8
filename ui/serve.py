"""`rag serve`: the web chat and the OpenAI-compatible API on one host and port.

The page is up first; the index catches up with the corpus folder (and the model loads) in
the background, so a restart on an existing index is quick.
"""

from __future__ import annotations

import logging
import socket
import threading

import rag
from ui import api
from ui.library import LazyLibrary, Readiness, prepare_sentences

log = logging.getLogger("rag")


def build_server(settings: rag.Settings, library, ready: threading.Event | None = None):
    """One FastAPI app: /v1 (the API) and, at /, the Gradio page (behind RAG_UI_AUTH if set)."""
    import gradio as gr
    from fastapi import FastAPI

    from ui.app import CONCURRENT_ANSWERS, build_app, served_options

    server = FastAPI(title="rag", docs_url=None, redoc_url=None, openapi_url=None)
    api.install(server, library, settings, ready)
    page = build_app(settings, library=library, ready=ready)
    page.queue(default_concurrency_limit=CONCURRENT_ANSWERS)
    return gr.mount_gradio_app(server, page, path="/", **served_options(settings))


def serve(settings: rag.Settings | None = None) -> None:
    """Bind first (a taken port is an OSError the CLI explains), then serve until stopped."""
    import uvicorn

    settings = settings or rag.Settings()
    listening = socket.create_server((settings.ui_host, settings.ui_port))
    library = LazyLibrary(settings)
    ready = Readiness()
    app = build_server(settings, library, ready)
    threading.Thread(target=_prepare, args=(library, ready), daemon=True).start()
    url = f"http://{settings.ui_host}:{settings.ui_port}"
    print(f"* Running on {url} (web chat), {url}/v1 (OpenAI-compatible API)", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3))
    try:
        server.run(sockets=[listening])
    finally:
        library.close()


def _prepare(library: LazyLibrary, ready: Readiness) -> None:
    """Sync the index with the corpus folder, then ask one throwaway question (extractive, so
    no LLM is called) to load the model before anyone asks, then embed the sentences no
    question has met yet (kept on disk: a restart finds them)."""
    try:
        ready.step("Loading the embedding model and opening the index")
        library.get()
        ready.step(f"Indexing the articles in {library.settings.corpus_dir}")
        report = library.ingest(progress=True)
        print(f"index: {report.summary()}", flush=True)
    except Exception as err:  # the chat shows the same problem to whoever asks
        log.warning("syncing the index failed: %s", err)
    finally:
        ready.set()
    try:
        library.ask("warm up", answerer="extractive")
    except Exception as err:
        log.warning("loading the model failed: %s", err)
        return
    prepare_sentences(library)
