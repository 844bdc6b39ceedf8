"""The llama.cpp server's child process, started by rag/local_llm.py: loads the GGUF file,
serves on a free loopback port, prints its URL, and exits when its parent's pipe closes or
it is orphaned (so it never outlives the app)."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

from rag.local_llm import INSTALL_HINT, READY, default_threads


def _serve(model: str, ctx: int, threads: int, parent: int) -> None:
    """Load the model, serve on a free loopback port, print its URL; exit with the parent."""
    try:
        import xllamacpp
    except ImportError:
        sys.stderr.write(f" E xllamacpp is not installed: {INSTALL_HINT}\n")
        sys.exit(2)
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.n_ctx = ctx
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the OS picks a free port; listening_address tells which
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as err:
        sys.stderr.write(f" E {err}\n")
        sys.exit(3)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()
    sys.stdout.write(f"{READY}{server.listening_address}\n")
    sys.stdout.flush()
    sys.stdin.buffer.read()  # returns at EOF: the parent closed the pipe or is gone
    os._exit(0)


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rag.llama_child", description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--parent", type=int, default=os.getppid())
    args = parser.parse_args(argv)
    _serve(args.model, args.ctx, args.threads, args.parent)


if __name__ == "__main__":
    main()
