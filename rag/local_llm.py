"""A llama.cpp server for a local GGUF model, in a child process this project owns.

``LocalServer`` starts llama.cpp's own server (the ``xllamacpp`` package, ``pip install
'.[local]'``) on a free 127.0.0.1 port, waits for its ``/health``, and stops it on
``close()``. It never outlives its owner: the child reads a pipe from the parent and exits
when that pipe closes, which the kernel does however the parent ends (exit, SIGTERM,
SIGKILL, a crash), and it also exits when it is re-parented. (PR_SET_PDEATHSIG is not used:
it fires when the *thread* that started the child ends, and a web server's worker threads
come and go.) ``LocalChatClient`` is the ``ChatClient`` interface over such a server, started
on the first request, so answers go through the same OpenAI-compatible path as any server.

The child itself is ``python -m rag.llama_child --model FILE ...`` (rag/llama_child.py).
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from rag.llm import ChatClient, LLMConfigError, LLMError, LLMUnavailable

GGUF_MAGIC = b"GGUF"
READY = "listening "  # the child's one line on stdout: "listening http://127.0.0.1:PORT"
INSTALL_HINT = "pip install '.[local]' (or `make local`)"


class LocalModelError(LLMConfigError):
    """The GGUF file, or the server started from it, is unusable; the message names the file."""


def check_gguf(path: Path | str) -> Path:
    """``path`` as a readable GGUF file, or ``LocalModelError`` saying what is wrong with it."""
    path = Path(path).expanduser()
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise LocalModelError(f"RAG_LLM_GGUF={path} {what}: point it at a .gguf model file")
    try:
        with path.open("rb") as f:
            head = f.read(len(GGUF_MAGIC))
    except OSError as err:
        raise LocalModelError(f"RAG_LLM_GGUF={path} cannot be read: {err}") from err
    if head != GGUF_MAGIC:
        raise LocalModelError(
            f"RAG_LLM_GGUF={path} is not a GGUF model file (it starts with {head!r}, a GGUF "
            "file with b'GGUF'): convert the model to GGUF or choose another file"
        )
    return path


def default_threads() -> int:
    """The cores this process may run on, less one (at least one).

    llama.cpp's threads meet at a barrier after every token, so one thread that waits for a
    busy core stalls them all: SmolLM2 on a shared 2-core machine generated 47 tokens/s with
    1 thread and 1.2 with 2. The spare core serves the app, the embedder and the rest.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(cores - 1, 1)


_live: weakref.WeakSet[LocalServer] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    """A normal interpreter exit stops every server still running (the pipe covers the rest)."""
    for server in list(_live):
        server.close()


class LocalServer:
    """One llama.cpp server process for one GGUF file; ``start()`` again after it died."""

    def __init__(
        self,
        gguf: Path | str,
        threads: int | None = None,
        ctx: int = 4096,
        start_timeout: float = 120.0,
    ):
        self.gguf = Path(gguf).expanduser()
        self.threads = threads or default_threads()
        self.ctx = ctx
        self.start_timeout = start_timeout
        self._process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None  # the server's stderr, read when it fails
        self._url: str | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def base_url(self) -> str | None:
        """``http://127.0.0.1:PORT/v1`` while running."""
        return f"{self._url}/v1" if self._url and self.running() else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def exit_status(self) -> int | None:
        return self._process.poll() if self._process is not None else None

    def start(self) -> str:
        """The base URL of a healthy server, starting one if none is running."""
        with self._lock:
            if self.running() and self._url:
                return f"{self._url}/v1"
            self._stop()
            check_gguf(self.gguf)
            if importlib.util.find_spec("xllamacpp") is None:
                raise LocalModelError(
                    f"RAG_LLM_GGUF={self.gguf} needs llama.cpp's server: {INSTALL_HINT}"
                )
            self._spawn()
            try:
                self._url = self._await_address()
                self._await_health(self._url)
            except BaseException:
                self._stop()
                raise
            _live.add(self)
            return f"{self._url}/v1"

    def close(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s); safe to call twice."""
        with self._lock:
            self._stop()
        _live.discard(self)

    def _spawn(self) -> None:
        self._log = tempfile.NamedTemporaryFile(prefix="rag-llama-", suffix=".log")
        command = [
            sys.executable,
            "-m",
            "rag.llama_child",
            "--model",
            str(self.gguf),
            "--ctx",
            str(self.ctx),
            "--threads",
            str(self.threads),
            "--parent",
            str(os.getpid()),
        ]
        # Its own session: Ctrl-C in a terminal reaches us, and we stop it.
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,
        )

    def _await_address(self) -> str:
        """The URL the child printed once its model loaded."""
        process = self._process
        deadline = time.monotonic() + self.start_timeout
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.2):
                    line = process.stdout.readline().decode("utf-8", "replace").strip()
                    if line.startswith(READY):
                        return line.removeprefix(READY)
                    if not line and process.poll() is not None:
                        break
                elif process.poll() is not None:
                    break
        raise self._start_failure()

    def _await_health(self, url: str) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and self.running():
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:  # 503 while loading, or not yet listening
                pass
            time.sleep(0.1)
        raise self._start_failure()

    def _start_failure(self) -> LocalModelError:
        status = self.exit_status()
        why = (
            f"did not become healthy within {self.start_timeout:g} s"
            if status is None
            else f"exited with status {status}"
        )
        errors = self._log_errors()
        return LocalModelError(
            f"the local llama.cpp server for RAG_LLM_GGUF={self.gguf} {why}"
            + (f": {errors}" if errors else "")
        )

    def _log_errors(self) -> str:
        """The server's error lines (llama.cpp marks them " E "), or its last line."""
        if self._log is None:
            return ""
        try:
            lines = Path(self._log.name).read_text("utf-8", "replace").splitlines()
        except OSError:
            return ""
        errors = [line.split(" E ", 1)[1].strip() for line in lines if " E " in line]
        picked = errors[-3:] or lines[-1:]
        return "; ".join(picked)[:600]

    def _stop(self) -> None:
        process, self._process, self._url = self._process, None, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
        if self._log is not None:
            self._log.close()
            self._log = None


class LocalChatClient:
    """``ChatClient``'s ``complete``/``stream`` over a ``LocalServer`` started on first use.

    A file that cannot be served fails every request with the same ``LocalModelError`` (no
    retry of a load that already failed); a server that died is started again.
    """

    def __init__(self, server: LocalServer, make_client: Callable[[str], ChatClient]):
        self.server = server
        self._make_client = make_client
        self._client: ChatClient | None = None
        self._failed: LocalModelError | None = None
        self._lock = threading.Lock()

    def where(self) -> str:
        return f"the local llama.cpp server for {self.server.gguf}"

    def complete(self, messages: list[dict[str, str]]) -> str:
        client = self._ready()
        try:
            return client.complete(messages)
        except LLMError as err:
            raise self._explained(err) from err

    def yes_probability(self, messages: list[dict[str, str]]) -> float | None:
        client = self._ready()
        try:
            return client.yes_probability(messages)
        except LLMError as err:
            raise self._explained(err) from err

    def stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        client = self._ready()
        try:
            yield from client.stream(messages)
        except LLMError as err:
            raise self._explained(err) from err

    def close(self) -> None:
        self.server.close()

    def _ready(self) -> ChatClient:
        with self._lock:
            if self._failed is not None:
                raise self._failed
            try:
                base_url = self.server.start()
            except LocalModelError as err:
                self._failed = err
                raise
            if self._client is None or self._client.base_url != base_url:
                self._client = self._make_client(base_url)
            return self._client

    def _explained(self, err: LLMError) -> LLMError:
        status = self.server.exit_status()
        if status is None:
            return err
        return LLMUnavailable(
            f"{self.where()} stopped while answering (exit status {status}); it is started "
            "again for the next question"
        )


def local_chat_client(settings) -> LocalChatClient:
    """The local model of ``settings`` (RAG_LLM_GGUF, RAG_LLM_THREADS, RAG_LLM_CTX)."""
    if settings.llm_gguf is None:
        raise ValueError("RAG_ANSWERER=local needs RAG_LLM_GGUF=/path/to/model.gguf")
    server = LocalServer(settings.llm_gguf, settings.llm_threads, settings.llm_ctx)

    # A local server that is slow is busy with this very request (one slot): waiting is the
    # only cure, and a retry would queue a second copy behind it. One that crashed refuses
    # the connection at once and is started again for the next question.
    def make_client(base_url: str) -> ChatClient:
        return ChatClient(
            settings.llm_gguf.name,
            base_url=base_url,
            timeout=settings.llm_deadline,
            deadline=settings.llm_deadline,
            retries=0,
            backoff=settings.llm_backoff,
            max_tokens=settings.llm_max_tokens,
            name=f"the local llama.cpp server for {server.gguf}",  # not a random port
        )

    return LocalChatClient(server, make_client)
