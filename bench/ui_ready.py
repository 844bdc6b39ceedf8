"""Seconds from starting `rag serve` until the chat box is usable in headless Chromium.

Run it on an existing index (after `make run` or `rag ingest` once); it uses RAG_* from the
environment and a free port. Chromium is started before the clock starts.

    .venv/bin/python bench/ui_ready.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(page) -> tuple[float, float]:
    """(seconds to the first HTTP answer, seconds to a visible chat box)."""
    port = free_port()
    env = {**os.environ, "RAG_UI_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    url = f"http://127.0.0.1:{port}/"
    start = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit("rag serve exited; is the index there and the port free?")
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        http = time.monotonic() - start
        page.goto(url)
        page.wait_for_selector("textarea", timeout=60_000)
        return http, time.monotonic() - start
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        runs = [one_run(page) for _ in range(args.runs)]
        browser.close()
    for http, ready in runs:
        print(f"http {http:5.1f} s   chat box visible {ready:5.1f} s")
    print(f"median: chat box visible {statistics.median(r for _, r in runs):.1f} s after start")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
