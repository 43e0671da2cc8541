"""Fixtures of the browser tests: a real ``streamlit run`` of the dashboard on a free port, and a
headless Chromium driven by Playwright.

The browser tests skip, with the reason, where Debian's chromium (``/usr/bin/chromium``) or the
playwright package is missing, except under CI (environment variable ``CI`` set), where that is a
failure. Playwright's own browser download (``playwright install``) is never used.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
from tests.chromium import CHROMIUM, CHROMIUM_ARGS, browser_unavailable  # noqa: F401 (re-exported)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A dashboard process: ``url`` to open, ``store`` and ``cache`` folders it writes to."""

    def __init__(self, tmp: Path, env_extra: dict[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.store = tmp / "store"
        self.cache = tmp / "cache"
        self.log = tmp / "server.log"
        env = {**os.environ, "CORPUS_COMPASS_STORE_DIR": str(self.store),
               "CORPUS_COMPASS_CACHE_DIR": str(self.cache), "PYTHONPATH": str(ROOT),
               "CORPUS_COMPASS_PRELOAD_SAMPLES": "0", **(env_extra or {})}
        env.pop("CORPUS_COMPASS_OPEN_BUNDLE", None)
        # ``command`` (e.g. the ``corpus-compass serve`` command line) gets {port} filled in
        command = [part.format(port=self.port) for part in command] if command else [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"),
            "--server.port", str(self.port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none"]
        self._log = open(self.log, "wb")  # noqa: SIM115 - closed in stop(), after the process ends
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early: {self.log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


RUNNING = "[data-testid='stStatusWidget']"


def wait_idle(page, timeout: int = 120_000, settle: int = 300) -> None:
    """Wait until Streamlit has finished the current script run and the page has stopped changing.

    The running indicator appears only some time after a run starts, and a slow machine can show a page
    half filled in with no indicator yet: so besides waiting for the indicator to go, this reads the
    page's text until two reads ``settle`` ms apart agree with no indicator in between.
    """
    deadline = time.monotonic() + timeout / 1000
    page.wait_for_timeout(400)
    previous = None
    while True:
        left = max(1, int((deadline - time.monotonic()) * 1000))
        page.wait_for_function(f"() => !document.querySelector(\"{RUNNING}\")", timeout=left)
        page.wait_for_timeout(settle)
        text = page.locator("body").inner_text()
        if text == previous and page.locator(RUNNING).count() == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page kept changing for {timeout / 1000:.0f} s")
        previous = text


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium) -> Iterator[Server]:
    """The dashboard with the real bundled default model (all-MiniLM-L6-v2), an empty store and cache."""
    srv = Server(tmp_path_factory.mktemp("dashboard"))
    try:
        yield srv
    finally:
        srv.stop()
