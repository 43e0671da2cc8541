"""End to end in a real headless Chromium against ``streamlit run``, with the real bundled default model
(all-MiniLM-L6-v2) on two small corpora (61 and 60 documents): upload two CSV files, run the
comparison, read the verdict, download documents.csv and check it, save and open the share link in a
fresh browser context; a document containing ``<img src=x onerror=alert(1)>`` never fires a dialog on
any page nor in the downloaded HTML report. A second test cancels a running analysis."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.browser.conftest import ROOT, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS = "<img src=x onerror=alert(1)>"
RUN_TIMEOUT_MS = 420_000


def _sample_texts(name: str, n: int) -> list[tuple[str, str]]:
    with open(ROOT / "sample_data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:n]
    return [(r["text"], r["section"]) for r in rows]


def _csv(rows: list[tuple[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


GAMES = _sample_texts("games", 59) + [(f"A game whose manual says {XSS} twice {XSS}", XSS),
                                      ("=1+1 is a formula a spreadsheet must not run", "games")]
SCIENCE = _sample_texts("science", 60)


def _no_dialogs(page, dialogs: list[str]) -> None:
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))


HEADINGS = {"Data": "Data", "Embed": "Embed and analyse", "Map": "Map", "Compare": "Compare corpora",
            "Geometry": "Space geometry", "Models": "Compare models", "Word shift": "Word shift",
            "Report": "Report and share"}


def _go(page, title: str) -> None:
    """Open a page through the sidebar (same session) and wait until it has rendered."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.get_by_role("heading", name=HEADINGS[title], exact=True).wait_for(timeout=60_000)
    wait_idle(page)


def _main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def test_upload_compare_download_share(chromium, server, tmp_path) -> None:
    dialogs: list[str] = []
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    _no_dialogs(page, dialogs)
    page.goto(server.url)
    page.get_by_role("heading", name="Data").wait_for(timeout=60_000)
    wait_idle(page)

    # upload two CSV files at once: each becomes a corpus at once
    uploader = page.locator("[data-testid='stFileUploader']", has_text="Corpus files").first
    uploader.locator("input[type='file']").set_input_files([
        {"name": "games.csv", "mimeType": "text/csv", "buffer": _csv(GAMES)},
        {"name": "science.csv", "mimeType": "text/csv", "buffer": _csv(SCIENCE)},
    ])
    wait_idle(page)
    # both files are loaded with no further click
    page.get_by_text("Loaded “games” (61 documents), “science” (60 documents).").wait_for(timeout=60_000)
    body = _main_text(page)
    assert "games" in body and "science" in body
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "games · 61 documents" in sidebar and "science · 60 documents" in sidebar, sidebar

    # run the comparison with the bundled model
    _go(page, "Embed")
    page.get_by_role("button", name="Run the analysis").click()
    page.get_by_text("The analysis is ready").wait_for(timeout=RUN_TIMEOUT_MS)
    assert "could not run" not in _main_text(page)

    # the verdict, in plain language
    _go(page, "Compare")
    page.get_by_role("heading", name="Verdict").wait_for(timeout=60_000)
    verdict = _main_text(page)
    assert "We compared 'games' (61 documents) with 'science' (60 documents)" in verdict
    assert re.search(r"there is (evidence that they differ|no evidence of a difference)", verdict)

    # the map: hover over the points (tooltips carry document texts) and never run them
    _go(page, "Map")
    chart = page.locator("[data-testid='stPlotlyChart'] .nsewdrag").first
    chart.wait_for(timeout=60_000)
    box = chart.bounding_box()
    for fx in (0.2, 0.35, 0.5, 0.65, 0.8):
        for fy in (0.25, 0.5, 0.75):
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            page.wait_for_timeout(60)

    # drag a rectangle over the middle of the map: its documents are listed below it
    page.mouse.move(box["x"] + 0.15 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.6 * box["width"], box["y"] + 0.8 * box["height"], steps=12)
    page.mouse.up()
    page.get_by_text(re.compile(r"of \d+ selected documents")).wait_for(timeout=60_000)
    wait_idle(page)

    for title in ("Geometry", "Word shift", "Models"):
        _go(page, title)
        assert "Traceback" not in _main_text(page)

    # documents.csv: one row per document, contract columns, user text kept literally, formulas neutralised
    _go(page, "Report")
    with page.expect_download() as info:
        page.get_by_role("button", name="documents.csv").click()
    path = tmp_path / "documents.csv"
    info.value.save_as(path)
    wait_idle(page)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 121
    assert list(rows[0])[:7] == ["corpus", "doc_id", "text", "depth", "umap_x", "umap_y", "k_occurrence"]
    assert {r["corpus"] for r in rows} == {"games", "science"}
    assert sum(XSS in r["text"] for r in rows) == 1
    assert any(r["text"] == "'=1+1 is a formula a spreadsheet must not run" for r in rows)
    assert all(0.0 <= float(r["depth"]) <= 2.0 for r in rows)

    # the HTML report opens offline without running the document's markup
    with page.expect_download() as info:
        page.get_by_role("button", name="report.html").click()
    report = tmp_path / "report.html"
    info.value.save_as(report)
    wait_idle(page)
    assert XSS not in report.read_text(encoding="utf-8")  # escaped, never raw markup
    report_page = context.new_page()
    _no_dialogs(report_page, dialogs)
    report_page.goto(report.as_uri())
    report_page.wait_for_timeout(1500)
    report_page.close()

    # save and share; the link opens read-only in a fresh browser context
    page.get_by_role("button", name="Save and share").click()
    wait_idle(page)
    link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()
    assert re.fullmatch(re.escape(server.url) + r"/\?analysis=[A-Za-z0-9_-]{32}", link), link
    stored = sorted({p.stem for p in server.store.iterdir() if not p.name.startswith(".")})  # bundle + record
    assert [link.rsplit("=", 1)[1]] == stored

    viewer_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    viewer = viewer_context.new_page()
    _no_dialogs(viewer, dialogs)
    viewer.goto(link)
    viewer.get_by_role("heading", name="Compare corpora").wait_for(timeout=60_000)
    wait_idle(viewer)
    shown = _main_text(viewer)
    assert "Read-only view of an analysis opened from a shared link" in shown
    assert "We compared 'games' (61 documents) with 'science' (60 documents)" in shown
    _go(viewer, "Embed")
    assert viewer.get_by_role("button", name="Run the analysis").count() == 0
    assert "cannot be recomputed" in _main_text(viewer)
    _go(viewer, "Map")
    assert "analysis=" in viewer.url  # the address stays shareable while navigating
    viewer_context.close()

    # a made-up id gets a friendly page
    stranger = chromium.new_context().new_page()
    _no_dialogs(stranger, dialogs)
    stranger.goto(f"{server.url}/?analysis=../../../etc/passwd")
    stranger.get_by_role("heading", name="This analysis link is not valid").wait_for(timeout=60_000)
    stranger.context.close()

    context.close()
    assert dialogs == [], f"a dialog fired: {dialogs}"
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


def test_a_running_analysis_can_be_cancelled(chromium, server) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url)
    page.get_by_role("button", name="Load the sample corpora").click()
    # the Data page has finished (its last part, the near-duplicates of 3,842 documents, is listed)
    page.get_by_text(re.compile(r"documents form \d+ groups of near-duplicates")).first.wait_for(timeout=180_000)
    wait_idle(page)
    _go(page, "Embed")
    page.get_by_role("button", name="Run the analysis").click()
    page.get_by_text(re.compile(r"Embedding.*documents")).first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("The analysis was cancelled").wait_for(timeout=60_000)
    wait_idle(page)
    _go(page, "Compare")
    assert "No analysis yet" in _main_text(page)
    context.close()
