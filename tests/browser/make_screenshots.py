"""Regenerate ``docs/screenshots/*.png``: every dashboard page at 1280x800, on the bundled sample
corpora analysed with the real default model (all-MiniLM-L6-v2).

Run from the repository root (takes a few minutes on two CPU cores; embeddings are cached between runs
in ``$CORPUS_COMPASS_CACHE_DIR`` or the user cache)::

    PYTHONPATH=. .venv/bin/python tests/browser/make_screenshots.py [OUT_DIR]

Streamlit scrolls inside its own container, so each page is scrolled to its main content (the
verdict, the map, ...) and the 1280x800 viewport is captured.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, Server

SIZE = {"width": 1280, "height": 800}
HEADINGS = {"Data": "Data", "Embed": "Embed and analyse", "Map": "Map", "Compare": "Compare corpora",
            "Geometry": "Space geometry", "Models": "Compare models", "Word shift": "Word shift",
            "Report": "Report and share"}


def _idle(page, timeout: int = 600_000) -> None:
    page.mouse.move(1275, 795)  # away from headings and buttons, whose hover states would show
    page.wait_for_timeout(500)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=timeout)
    page.wait_for_timeout(1500)


def _go(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.get_by_role("heading", name=HEADINGS[title], exact=True).wait_for(timeout=120_000)
    _idle(page)


def _scroll_to(page, locator) -> None:
    locator.first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.move(1275, 795)
    page.wait_for_timeout(800)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # reuse the caller's embedding cache when set: a second run then skips the embedding
        keep = {k: os.environ[k] for k in ("CORPUS_COMPASS_CACHE_DIR",) if os.environ.get(k)}
        server = Server(Path(tmp), env_extra=keep)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport=SIZE)
                page.goto(server.url)
                page.get_by_role("button", name="Load the sample corpora").click()
                _idle(page)
                page.screenshot(path=out / "data.png")
                _scroll_to(page, page.get_by_role("heading", name="Loaded corpora"))
                page.screenshot(path=out / "data_statistics.png")

                _go(page, "Embed")
                page.get_by_role("button", name="Run the analysis").click()
                progress = page.locator("[data-testid='stProgress']")
                page.get_by_text(re.compile(r"Embedding.*[\d,]+ of [\d,]+ documents")).first.wait_for(timeout=300_000)
                page.wait_for_timeout(3000)
                _scroll_to(page, page.get_by_role("heading", name="Transforms and analyses"))
                progress.first.wait_for(timeout=60_000)
                page.screenshot(path=out / "embed_progress.png")
                page.get_by_text("The analysis is ready").wait_for(timeout=1_800_000)
                _idle(page)
                page.screenshot(path=out / "embed.png")

                _go(page, "Map")
                _scroll_to(page, page.get_by_text("Colour by"))
                page.wait_for_timeout(2000)
                page.screenshot(path=out / "map.png")

                _go(page, "Compare")
                _scroll_to(page, page.get_by_role("heading", name="Verdict"))
                page.screenshot(path=out / "compare.png")
                _scroll_to(page, page.get_by_role("heading", name="All tests"))
                page.screenshot(path=out / "compare_tests.png")

                _go(page, "Geometry")
                _scroll_to(page, page.get_by_role("tab", name="Hubness"))
                page.screenshot(path=out / "geometry.png")

                _go(page, "Models")
                page.screenshot(path=out / "models.png")

                _go(page, "Word shift")
                _scroll_to(page, page.get_by_text("Pair of corpora"))
                page.screenshot(path=out / "words.png")

                _go(page, "Report")
                page.get_by_role("button", name="Save and share").click()
                _idle(page)
                _scroll_to(page, page.get_by_role("heading", name="Downloads"))
                page.screenshot(path=out / "report.png")
                link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()

                viewer = browser.new_context(viewport=SIZE).new_page()
                viewer.goto(link)
                viewer.get_by_role("heading", name="Compare corpora").wait_for(timeout=120_000)
                _idle(viewer)
                viewer.screenshot(path=out / "shared_link.png")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
