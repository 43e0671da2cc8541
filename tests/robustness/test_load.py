"""Load: five browser sessions at once against ONE ``streamlit run`` server, each uploading its own corpora
and running the comparison. Each must see only its own data and results; the wall time and the server's
peak memory (``VmHWM`` of its process, from /proc) are reported at the end of the test session.

The sessions are Playwright browser contexts (separate cookies and storage, like five people), driven
concurrently with asyncio from one headless Chromium. The server embeds with the suite's fast fake
embedder (``CORPUS_COMPASS_EMBEDDER``), so the test measures the dashboard and the pipeline, not a
model. Session 0's first file has a hostile name and its texts hostile payloads: no dialog may open
and no request may leave the server in any session.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from robustness_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HOSTILE,
    HOSTILE_FILENAME,
    LOAD_REPORT,
    ROOT,
    browser_unavailable,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

N_SESSIONS = 5
STEP_TIMEOUT = 120_000  # ms: five analyses share two busy cores
ANALYSIS_TIMEOUT = 300_000  # ms: the five analyses run at once on a fresh CI machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


@pytest.fixture
def server(tmp_path: Path):
    """A dashboard server on a free port; yields (url, pid). Stopped (only this process) afterwards."""
    if not CHROMIUM.exists():
        browser_unavailable(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        browser_unavailable("the playwright Python package is not installed (pip install playwright)")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CORPUS_COMPASS_EMBEDDER": "tests.conftest:HashingEmbedder",
           "CORPUS_COMPASS_CACHE_DIR": str(tmp_path / "cache"), "CORPUS_COMPASS_STORE_DIR": str(tmp_path / "store")}
    env.pop("CORPUS_COMPASS_PRELOAD_SAMPLES", None)
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "main.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start: {(tmp_path / 'server.log').read_text()}")
            time.sleep(0.3)
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _corpus(session: int, part: str, n: int) -> bytes:
    topics = {"alpha": "river boat water fish harbour sail", "beta": "engine piston fuel gear wheel brake"}[part]
    words = topics.split()
    lines = ["text"]
    for i in range(n):
        text = f"{' '.join(words[(i + j) % len(words)] for j in range(5))} sess{session} {part} {i}"
        if session == 0 and i % 4 == 0:
            text = f"{HOSTILE[i % len(HOSTILE)]} {text}"
        lines.append('"' + text.replace('"', '""') + '"')
    return ("\n".join(lines) + "\n").encode()


def _files(session: int) -> list[dict]:
    sizes = {"alpha": 24 + 3 * session, "beta": 30 + 2 * session}
    names = {"alpha": f"s{session}_alpha.csv", "beta": f"s{session}_beta.csv"}
    if session == 0:
        names["alpha"] = HOSTILE_FILENAME
    return [{"name": names[p], "mimeType": "text/csv", "buffer": _corpus(session, p, sizes[p])} for p in names]


def _corpus_names(session: int) -> list[str]:
    return [f["name"].rsplit(".", 1)[0] for f in _files(session)]


async def _settle(page) -> None:
    """Wait until the app is not running a script (Streamlit's status widget is gone)."""
    await page.wait_for_timeout(150)
    await page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=STEP_TIMEOUT)


async def _run_analysis(page, session: int) -> None:
    """Click "Run the analysis" and wait until it is ready; fail with the page's own words if it says
    it could not run. A click that lands while a rerun is starting can be lost (Streamlit shows its
    status widget only after a delay): if neither the progress bar nor the result appears, click again."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    ready = page.get_by_text("The analysis is ready")
    started = page.locator('[data-testid="stProgress"]').or_(ready)
    failed = page.get_by_text("The analysis could not run")
    for attempt in range(3):
        await _settle(page)
        await page.get_by_role("button", name="Run the analysis").click()
        try:
            await started.first.wait_for(timeout=30_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    progress = page.locator('[data-testid="stProgress"]').first
    running = page.locator('[data-testid="stStatusWidget"]').first
    deadline = time.monotonic() + ANALYSIS_TIMEOUT / 1000
    idle_since: float | None = None
    while time.monotonic() < deadline:
        if await ready.count():
            return
        if await failed.count():
            raise AssertionError(f"session {session}: {await failed.first.inner_text()}")
        if await progress.is_visible() or await running.is_visible():
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > 20:
            # the run ended but the page was not redrawn (the rerun that shows the result was lost):
            # drawing the page again shows the stored result, or the message of a failed run
            await page.get_by_role("link", name="Embed").click()
            idle_since = None
        await page.wait_for_timeout(500)
    body = await page.inner_text("body")
    raise AssertionError(f"session {session}: the analysis was not ready after {ANALYSIS_TIMEOUT / 1000:.0f} s; "
                         f"the page says: {body[-1500:]!r}")


async def _session(browser, url: str, session: int, report: dict) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    dialogs, outside = report.setdefault("dialogs", []), report.setdefault("outside", [])
    page.on("dialog", lambda d: (dialogs.append(d.message), asyncio.ensure_future(d.dismiss())))

    async def route(r) -> None:
        if r.request.url.startswith(url):
            await r.continue_()
        else:
            outside.append(r.request.url)
            await r.abort()

    await page.route("**/*", route)
    try:
        await page.goto(url)
        await page.get_by_role("heading", name="Data").wait_for(timeout=STEP_TIMEOUT)
        uploader = page.locator('[data-testid="stFileUploader"]').first.locator("input[type=file]")
        await uploader.set_input_files(_files(session))
        # both files load as soon as they are chosen (no further click)
        await page.get_by_text("Loaded “").wait_for(timeout=STEP_TIMEOUT)
        sidebar = page.locator('[data-testid="stSidebar"]')
        for name in _corpus_names(session):
            await sidebar.get_by_text(f"{name} · ", exact=False).wait_for(timeout=STEP_TIMEOUT)

        await page.get_by_role("link", name="Embed").click()
        await page.get_by_role("button", name="Run the analysis").wait_for(timeout=STEP_TIMEOUT)
        # the comparison itself (depth and two-sample tests) is what every session runs: every other
        # analysis is switched off in the "Analyses" pills
        toolbar = page.get_by_role("toolbar", name="Analyses")
        await toolbar.wait_for(timeout=STEP_TIMEOUT)
        pills = toolbar.get_by_role("button")
        for _ in range(40):  # a click that lands during a rerun can be lost: repeat until settled
            await _settle(page)
            states = [(await pills.nth(i).inner_text(), await pills.nth(i).get_attribute("aria-pressed"))
                      for i in range(await pills.count())]
            extra = [i for i, (text, pressed) in enumerate(states)
                     if pressed == "true" and not text.startswith(("Depth", "MMD"))]
            if states and not extra:
                break
            if not extra:
                await page.wait_for_timeout(300)
                continue
            await pills.nth(extra[0]).click()
            await page.wait_for_timeout(300)
        assert not extra, f"could not switch off {[states[i][0] for i in extra]}"
        assert sum(pressed == "true" for _, pressed in states) == 2, states
        started = time.monotonic()
        await _run_analysis(page, session)
        report["analysis_s"] = time.monotonic() - started

        await page.get_by_role("link", name="Compare").click()
        await page.get_by_role("heading", name="Verdict").wait_for(timeout=STEP_TIMEOUT)
        await page.wait_for_timeout(500)
        report["compare_text"] = await page.inner_text("body")
        report["sidebar_text"] = await sidebar.inner_text()
    finally:
        await context.close()


async def _run_all(url: str) -> tuple[list[dict], float]:
    from playwright.async_api import async_playwright

    reports: list[dict] = [{} for _ in range(N_SESSIONS)]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            started = time.monotonic()
            await asyncio.gather(*[_session(browser, url, i, reports[i]) for i in range(N_SESSIONS)])
            elapsed = time.monotonic() - started
        finally:
            await browser.close()
    return reports, elapsed


def test_five_concurrent_sessions_see_only_their_own_data(server, tmp_path: Path) -> None:
    url, pid = server
    baseline_kib = _status_kib(pid, "VmRSS")
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                samples.append(_status_kib(pid, "VmRSS"))
            except (OSError, KeyError):
                return
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        reports, elapsed = asyncio.run(_run_all(url))
    except Exception as exc:
        log = (tmp_path / "server.log").read_text(errors="replace")[-4000:]
        raise AssertionError(f"{exc}\n--- the server's log (end) ---\n{log}") from exc
    finally:
        stop.set()
        sampler.join()
    peak_kib = _status_kib(pid, "VmHWM")

    for i, report in enumerate(reports):
        own = _corpus_names(i)
        others = [name for j in range(N_SESSIONS) if j != i for name in _corpus_names(j)]
        for text in (report["compare_text"], report["sidebar_text"]):
            for name in own:
                assert name in text, f"session {i} does not see its corpus {name!r}"
            leaked = [name for name in others if name in text]
            assert not leaked, f"session {i} sees another session's corpora: {leaked}"
            assert not re.search(rf"sess(?!{i}\b)\d", text), f"session {i} sees another session's texts"
        # its own result: the verdict states its own corpus sizes
        sizes = (24 + 3 * i, 30 + 2 * i)
        assert f"({sizes[0]} documents)" in report["compare_text"]
        assert f"({sizes[1]} documents)" in report["compare_text"]
        assert report["dialogs"] == [], f"session {i}: a dialog opened: {report['dialogs']}"
        assert report["outside"] == [], f"session {i}: requests left the server: {report['outside']}"

    LOAD_REPORT.append(
        f"{N_SESSIONS} concurrent browser sessions on one server: all finished in {elapsed:.1f} s "
        f"(analysis {min(r['analysis_s'] for r in reports):.1f}-{max(r['analysis_s'] for r in reports):.1f} s each); "
        f"server memory {baseline_kib / 1024:.0f} MiB at start, peak {peak_kib / 1024:.0f} MiB "
        f"(sampled peak {max(samples, default=0) / 1024:.0f} MiB)")
