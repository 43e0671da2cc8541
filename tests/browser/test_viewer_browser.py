"""The viewer (``corpus-compass serve --viewer``) in a real headless Chromium, with the store managed by
``corpus-compass store add|list|delete|prune`` run as commands, as an operator would.

A real analysis (two sample corpora of 250 documents, every stage, two models; the fast hashing
embedder of tests/conftest.py computes it in this test process, the server never embeds) is added
with ``store add``; the printed link path, appended to the viewer's address, opens it on every page
read-only; no page offers a file input or a button that loads, runs, uploads or saves; expired,
deleted, unknown and malformed links each get their own page; the server process never maps
libtorch and its memory stays flat while the analysis is opened again and again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, Server, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {"Map": "Map", "Compare": "Compare corpora", "Geometry": "Space geometry",
         "Models": "Compare models", "Word shift": "Word shift", "Report": "Report and share"}
# anything that would upload, load, run, recompute, save or leave for an authoring session
FORBIDDEN_BUTTON = re.compile(r"\b(run|load|upload|open it|save|close and start|start a new|browse|cancel)\b",
                              re.IGNORECASE)
N_DOCS = 250


def _cli(*args: str, store: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CORPUS_COMPASS_STORE_DIR": str(store), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def _add(bundle: Path, store: Path, *extra: str) -> tuple[str, str]:
    """``store add``: (id, link path) from its two stdout lines."""
    done = _cli("store", "add", str(bundle), *extra, store=store)
    assert done.returncode == 0, done.stderr
    analysis_id, link = done.stdout.split()
    assert link == f"/?analysis={analysis_id}"
    return analysis_id, link


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    from core.pipeline import Analysis, run_analysis
    from tests.app.conftest import small_sample
    from tests.conftest import HashingEmbedder

    corpora = tuple(small_sample(name, N_DOCS) for name in ("games", "science"))
    spec = Analysis(corpora=corpora, second_model="fake-48", n_permutations=99, max_test_n=300, w2v_epochs=3,
                    words_min_freq=5, umap_n_epochs=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "small corpora for word2vec": expected at this size
        result = run_analysis(spec, embedder=HashingEmbedder(), second_embedder=HashingEmbedder(48), cache=False)
    assert not result.words.empty and result.model_comparison, result.skipped
    return result.to_bundle(tmp_path_factory.mktemp("bundle") / "analysis.zip")


class Viewer(Server):
    """``corpus-compass serve --viewer`` (the command line starts Streamlit as its child process)."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp, command=[sys.executable, "-m", "cli", "serve", "--viewer", "--port", "{port}",
                                       "--address", "127.0.0.1"])
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        assert len(children) == 1, children
        self.server_pid = int(children[0])  # the Streamlit process that serves the pages

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.server_pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024

    def mapped(self, pattern: str) -> list[str]:
        lines = Path(f"/proc/{self.server_pid}/maps").read_text().splitlines()
        return sorted({line.split()[-1] for line in lines if re.search(pattern, line)})


@pytest.fixture(scope="module")
def viewer(tmp_path_factory, chromium) -> Viewer:
    srv = Viewer(tmp_path_factory.mktemp("viewer"))
    try:
        yield srv
    finally:
        srv.stop()
        assert not Path(f"/proc/{srv.server_pid}").exists() or \
            "zombie" in Path(f"/proc/{srv.server_pid}/status").read_text()  # SIGTERM reached the server


def _main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def _go(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.get_by_role("heading", name=PAGES[title], exact=True).wait_for(timeout=60_000)
    wait_idle(page)


def _nothing_modifies(page, where: str) -> None:
    assert page.locator("input[type='file']").count() == 0, f"{where}: a file input"
    assert page.locator("[data-testid='stFileUploader']").count() == 0, f"{where}: an uploader"
    labels = [b.inner_text().strip() for b in page.locator("button:visible").all()]
    bad = [label for label in labels if FORBIDDEN_BUTTON.search(label)]
    assert bad == [], f"{where}: buttons {bad}"


def _open_every_page(chromium, viewer: Viewer, link: str, *, check: bool) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(viewer.url + link)
    page.get_by_role("heading", name="Compare corpora").wait_for(timeout=60_000)
    wait_idle(page)
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert [t for t in PAGES if t in nav] == list(PAGES) and "Data" not in nav and "Embed" not in nav, nav
    for title in PAGES:
        _go(page, title)
        shown = _main_text(page)
        assert "Read-only view of an analysis opened from a shared link" in shown, title
        assert "Traceback" not in shown and "No analysis yet" not in shown, title
        if check:
            _nothing_modifies(page, title)
            _page_content(page, title, shown, link)
    context.close()
    assert dialogs == []


def _page_content(page, title: str, shown: str, link: str) -> None:
    """What each page shows of the stored analysis (so an empty page cannot pass)."""
    if title == "Map":
        # the WebGL map: Plotly mounts its canvas after the script run has finished
        page.locator("[data-testid='stPlotlyChart'] .js-plotly-plot").first.wait_for(timeout=60_000)
        assert f"Every document is drawn: {2 * N_DOCS:,} points." in shown
    elif title == "Compare":
        assert f"We compared 'games' ({N_DOCS} documents) with 'science' ({N_DOCS} documents)" in shown
    elif title == "Geometry":
        assert "Hubs and antihubs with their texts" in shown
        assert page.locator("[data-testid='stDataFrame']").count() >= 2
    elif title == "Models":
        assert "Documents the models disagree on most" in shown and "relative cosine" in shown
        assert "There is nothing to compare" not in shown
    elif title == "Word shift":
        assert "Table with each method, the noise and the neighbours" in shown
        assert "Usages and neighbours of a word in each corpus" in shown
    elif title == "Report":
        assert "This analysis is already saved" in shown
        shared = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
        assert shared == page.url.split("/report", 1)[0] + link, shared  # the viewer's own address
        with page.expect_download() as info:
            page.get_by_role("button", name="documents.csv").click()
        rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_bytes().decode("utf-8-sig"))))
        assert len(rows) == 2 * N_DOCS and {r["corpus"] for r in rows} == {"games", "science"}
        wait_idle(page)


def test_store_add_list_and_the_viewer_shows_it_on_every_page(chromium, viewer: Viewer, bundle: Path) -> None:
    rss_start = viewer.rss_mb()
    analysis_id, link = _add(bundle, viewer.store)
    listed = _cli("store", "list", store=viewer.store)
    assert listed.returncode == 0 and analysis_id in listed.stdout and "games, science" in listed.stdout

    # the landing page says what the server is and lists nothing
    context = chromium.new_context()
    page = context.new_page()
    page.goto(viewer.url)
    page.get_by_role("heading", name="Shared analyses").wait_for(timeout=60_000)
    wait_idle(page)
    text = page.locator("body").inner_text()
    assert "can be opened only with its own link" in text and analysis_id not in text
    assert "games" not in text and page.locator("[data-testid='stSidebarNav'] a").count() == 0
    _nothing_modifies(page, "landing page")
    # the authoring pages do not exist here, not even by address
    for path in ("data", "embed"):
        page.goto(f"{viewer.url}/{path}{link}")
        page.get_by_role("heading", name="Compare corpora").wait_for(timeout=60_000)
        wait_idle(page)
        assert page.get_by_role("heading", name="Embed and analyse").count() == 0
        _nothing_modifies(page, f"/{path}")
    context.close()

    _open_every_page(chromium, viewer, link, check=True)
    rss_warm = viewer.rss_mb()
    for _ in range(3):
        _open_every_page(chromium, viewer, link, check=False)
    rss_end = viewer.rss_mb()
    torch_libs = viewer.mapped(r"libtorch|torch/_C|onnxruntime")
    print(f"\nviewer RSS: {rss_start:.0f} MB at start, {rss_warm:.0f} MB after the first visit of every page, "
          f"{rss_end:.0f} MB after three more visits; torch libraries mapped: {torch_libs}")
    assert torch_libs == [], torch_libs
    assert viewer.mapped(r"\.so") != []  # the check reads a real map (Python's own libraries are there)
    assert rss_end - rss_warm < 100, (rss_warm, rss_end)  # flat: no model, one cached copy of the analysis
    log = viewer.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


def test_expired_deleted_unknown_and_malformed_links_each_get_their_page(chromium, viewer: Viewer,
                                                                           bundle: Path) -> None:
    from core.results.store import AnalysisStore

    # expired: added two days ago with one day to live (the store's own clock decides)
    two_days_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
    expired = AnalysisStore(viewer.store).add_bundle(bundle, expires_days=1, created=two_days_ago)
    pruned = AnalysisStore(viewer.store).add_bundle(bundle, expires_days=1, created=two_days_ago)
    kept, _ = _add(bundle, viewer.store, "--expires", "30")
    deleted, deleted_link = _add(bundle, viewer.store)
    done = _cli("store", "delete", deleted, store=viewer.store)
    assert done.returncode == 0, done.stderr
    listed = _cli("store", "list", store=viewer.store).stdout
    assert f"{expired}  " in listed and "(expired)" in listed and deleted not in listed
    # prune removes the expired ones (both) and nothing else; their links still say 'expired'
    done = _cli("store", "prune", store=viewer.store)
    assert done.returncode == 0 and set(done.stdout.split()) == {expired, pruned}
    assert AnalysisStore(viewer.store).exists(kept)

    cases = {
        f"/?analysis={pruned}": "This analysis link has expired",
        f"/?analysis={expired}": "This analysis link has expired",
        deleted_link: "This analysis was deleted",
        f"/?analysis={'x' * 32}": "This analysis was not found",
        "/?analysis=../../etc/passwd": "This analysis link is not valid",
    }
    context = chromium.new_context()
    page = context.new_page()
    for link, heading in cases.items():
        page.goto(viewer.url + link)
        page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
        wait_idle(page)
        shown = _main_text(page)
        assert "Ask the person who shared it for a new link" in shown or "not valid" in heading, shown
        if "expired" in heading:
            assert re.search(r"shared until \d{1,2} [A-Z][a-z]+ 20\d\d, \d\d:\d\d UTC", shown), shown
        if "deleted" in heading:
            assert re.search(r"deleted from this server on \d{1,2} [A-Z][a-z]+ 20\d\d", shown), shown
        assert page.locator("[data-testid='stSidebarNav'] a").count() == 0
        _nothing_modifies(page, link)
    context.close()
