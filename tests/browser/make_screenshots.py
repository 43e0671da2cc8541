"""Regenerate ``docs/screenshots/*.png``: every dashboard page at 1280x800, on the bundled sample
corpora analysed with the real default model (all-MiniLM-L6-v2) and the `fast` model as the second
model, then (files starting ``dup_``) on a pair with near-duplicates: graphics-like descriptions with
42 templated language packs against game descriptions.

Run from the repository root (takes a few minutes on two CPU cores; embeddings are cached between runs
in ``$CORPUS_COMPASS_CACHE_DIR`` or the user cache)::

    PYTHONPATH=. .venv/bin/python tests/browser/make_screenshots.py [OUT_DIR]

Streamlit scrolls inside its own container, so each page is scrolled to its main content (the
verdict, the map, ...) and the 1280x800 viewport is captured.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, wait_idle

SIZE = {"width": 1280, "height": 800}
HEADINGS = {"Data": "Data", "Embed": "Embed and analyse", "Map": "Map", "Compare": "Compare corpora",
            "Geometry": "Space geometry", "Models": "Compare models", "Word shift": "Word shift",
            "Report": "Report and share", "Methods": "Methods"}


def _idle(page, timeout: int = 600_000) -> None:
    page.mouse.move(1275, 795)  # away from headings and buttons, whose hover states would show
    wait_idle(page, timeout=timeout, settle=1500)


def _go(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.get_by_role("heading", name=HEADINGS[title], exact=True).wait_for(timeout=120_000)
    _idle(page)


def _scroll_to(page, locator) -> None:
    locator.first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.mouse.move(1275, 795)
    page.wait_for_timeout(800)


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).first.click()
    page.wait_for_timeout(800)


def _texts(name: str, n: int) -> list[str]:
    with open(ROOT / "sample_data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return [r["text"] for r in list(csv.DictReader(fh))[:n]]


def _csv(texts: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "text"])
    writer.writerows((f"d{i}", t) for i, t in enumerate(texts))
    return buf.getvalue().encode("utf-8")


#: templated boilerplate, as the tesseract language packs of Debian's graphics section
LANGS = ["Afrikaans", "Albanian", "Amharic", "Arabic", "Assamese", "Azerbaijani", "Basque", "Belarusian",
         "Bengali", "Bosnian", "Breton", "Bulgarian", "Catalan", "Cebuano", "Czech", "Welsh", "Danish",
         "German", "Dzongkha", "Greek", "Esperanto", "Estonian", "Faroese", "Persian", "Finnish", "French",
         "Irish", "Galician", "Gujarati", "Hebrew", "Hindi", "Croatian", "Hungarian", "Armenian",
         "Indonesian", "Icelandic", "Italian", "Javanese", "Japanese", "Kannada", "Georgian", "Kazakh"]
TEMPLATE = ("tesseract-ocr language files for {0}.\n\nTesseract is an open source Optical Character "
            "Recognition (OCR) engine. This package contains the data files required to recognize {0}.")


def _analysis(page, out: Path, prefix: str, *, second: str | None, transform: str | None) -> None:
    """Run the analysis from the Embed page and capture every page (file names start with ``prefix``)."""
    _go(page, "Embed")
    if second:
        page.get_by_label("Second model to compare with (optional)", exact=True).fill(second)
        page.keyboard.press("Enter")
        _idle(page)
    if transform:
        page.get_by_role("button", name=transform).first.click()
        _idle(page)
    page.get_by_role("button", name="Run the analysis").click()
    progress = page.locator("[data-testid='stProgress']")
    if not prefix:
        page.get_by_text(re.compile(r"Embedding.*[\d,]+ of [\d,]+ documents|Loading the model")).first.wait_for(
            timeout=300_000)
        page.wait_for_timeout(1500)
        _scroll_to(page, page.get_by_role("heading", name="Transforms and analyses"))
        if progress.count():
            page.screenshot(path=out / "embed_progress.png")
    page.get_by_text("The analysis is ready").wait_for(timeout=1_800_000)
    _idle(page)
    page.screenshot(path=out / f"{prefix}embed.png")

    _go(page, "Map")
    _scroll_to(page, page.get_by_text("Colour by"))
    page.wait_for_timeout(2000)
    page.screenshot(path=out / f"{prefix}map.png")

    _go(page, "Compare")
    _scroll_to(page, page.get_by_role("heading", name="Verdict"))
    page.screenshot(path=out / f"{prefix}compare.png")
    _scroll_to(page, page.get_by_role("heading", name="All tests"))
    page.screenshot(path=out / f"{prefix}compare_tests.png")
    _scroll_to(page, page.get_by_role("heading", name="Documents that tell the corpora apart"))
    page.screenshot(path=out / f"{prefix}compare_documents.png")
    _scroll_to(page, page.get_by_role("heading", name="Distinctive words"))
    page.screenshot(path=out / f"{prefix}compare_words.png")

    _go(page, "Geometry")
    _scroll_to(page, page.get_by_role("tab", name="Hubness"))
    page.screenshot(path=out / f"{prefix}geometry.png")
    _scroll_to(page, page.get_by_text("Hubs and antihubs with their texts"))
    page.screenshot(path=out / f"{prefix}geometry_hubs.png")
    _tab(page, "Spread and eigenspectrum")
    _scroll_to(page, page.get_by_role("tab", name="Hubness"))
    page.screenshot(path=out / f"{prefix}geometry_spread.png")
    _tab(page, "Whitening symmetry")
    page.screenshot(path=out / f"{prefix}geometry_whitening.png")

    _go(page, "Models")
    page.screenshot(path=out / f"{prefix}models.png")
    if second:
        _scroll_to(page, page.get_by_text("What the numbers say"))
        page.screenshot(path=out / f"{prefix}models_readings.png")

    _go(page, "Word shift")
    _scroll_to(page, page.get_by_text("Pair of corpora"))
    page.screenshot(path=out / f"{prefix}words.png")
    _scroll_to(page, page.get_by_role("heading", name="Usages and neighbours of a word in each corpus"))
    page.screenshot(path=out / f"{prefix}words_usages.png")


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
                page.get_by_role("heading", name="Data", exact=True).wait_for(timeout=120_000)
                _idle(page)
                page.screenshot(path=out / "data_empty.png")
                page.get_by_role("button", name="Load the sample corpora").click()
                _idle(page)
                page.screenshot(path=out / "data.png")
                _scroll_to(page, page.get_by_role("heading", name="Loaded corpora"))
                page.screenshot(path=out / "data_statistics.png")
                _scroll_to(page, page.get_by_role("heading", name="Near-duplicates"))
                page.screenshot(path=out / "data_duplicates.png")
                _tab(page, "Document lengths")
                _scroll_to(page, page.get_by_role("tab", name="Zipf plot"))
                page.screenshot(path=out / "data_lengths.png")
                _tab(page, "Distinctive words")
                page.screenshot(path=out / "data_distinctive.png")

                _analysis(page, out, "", second="fast", transform="Zipfian whitening")

                _go(page, "Report")
                page.get_by_role("button", name="Save and share").click()
                _idle(page)
                _scroll_to(page, page.get_by_role("heading", name="Downloads"))
                page.screenshot(path=out / "report.png")
                link = page.locator("[data-testid='stCode'] code").first.inner_text().strip()

                _go(page, "Methods")
                page.screenshot(path=out / "methods.png")

                # the corpora change after the run: every results page says so, with a one-click rerun
                _go(page, "Data")
                page.get_by_role("button", name="Remove corpora").click()
                page.get_by_role("dialog").locator("input").first.click()
                page.get_by_role("option", name="libdevel").click()
                page.keyboard.press("Escape")
                page.get_by_role("button", name="Remove", exact=True).click()
                _idle(page)
                _go(page, "Compare")
                page.screenshot(path=out / "stale_notice.png")

                viewer = browser.new_context(viewport=SIZE).new_page()
                viewer.goto(link)
                viewer.get_by_role("heading", name="Compare corpora").wait_for(timeout=120_000)
                _idle(viewer)
                viewer.screenshot(path=out / "shared_link.png")
                _go(viewer, "Data")
                _scroll_to(viewer, viewer.get_by_role("tab", name="Zipf plot"))
                viewer.screenshot(path=out / "shared_data.png")

                # a pair with near-duplicates: templated language packs among graphics-like descriptions
                fresh = browser.new_context(viewport=SIZE).new_page()
                fresh.goto(server.url)
                fresh.get_by_role("heading", name="Data", exact=True).wait_for(timeout=120_000)
                _idle(fresh)
                graphics = _texts("science", 260) + [TEMPLATE.format(lang) for lang in LANGS]
                fresh.locator("[data-testid='stFileUploader']", has_text="Corpus files").first.locator(
                    "input[type='file']").set_input_files([
                        {"name": "graphics.csv", "mimeType": "text/csv", "buffer": _csv(graphics)},
                        {"name": "sound.csv", "mimeType": "text/csv", "buffer": _csv(_texts("games", 300))}])
                fresh.get_by_text("Loaded “graphics”").wait_for(timeout=120_000)
                _idle(fresh)
                fresh.screenshot(path=out / "dup_data.png")
                _scroll_to(fresh, fresh.get_by_role("heading", name="Near-duplicates"))
                fresh.screenshot(path=out / "dup_data_duplicates.png")
                _analysis(fresh, out, "dup_", second=None, transform=None)
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
