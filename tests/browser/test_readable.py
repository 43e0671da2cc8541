"""A non-programmer reads the dashboard right, in a real headless Chromium at 1280x800 against
``streamlit run`` (embeddings from the suite's fast fake embedder: the model is not what is tested):

- two files chosen at once are both loaded with no further click;
- a pair with templated boilerplate gets its near-duplicate group listed on the Data page and marked in
  the lists of documents;
- the numbers on Geometry and Models have a plain reading, the tests state each floor;
- after the corpora change, every results page says the analysis is of other inputs, and one click
  reruns it;
- no page and no report contains a developer word ("METHODS.md", a command-line flag, a Python
  keyword argument or a raw column name).
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.browser.conftest import ROOT, Server, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUN_TIMEOUT_MS = 300_000
HEADINGS = {"Data": "Data", "Embed": "Embed and analyse", "Map": "Map", "Compare": "Compare corpora",
            "Geometry": "Space geometry", "Models": "Compare models", "Word shift": "Word shift",
            "Report": "Report and share", "Methods": "Methods"}
RESULT_PAGES = ["Map", "Compare", "Geometry", "Models", "Word shift", "Report"]
NOTICE = "These results are of an earlier analysis, not of what is loaded now."
DEVELOPER_WORDS = re.compile(r"METHODS\.md|--[a-z][a-z-]+|\b[a-z_]+=[\"'\w]|\btokens_from\b|\bk_occurrence\b"
                             r"|\bn_empty_removed\b|\bn_duplicates_removed\b|\bknn_accuracy\b")
LANGS = ["Afrikaans", "Albanian", "Amharic", "Arabic", "Basque", "Bengali", "Catalan", "Czech", "Danish",
         "Dutch", "Estonian", "Finnish"]
TEMPLATE = ("tesseract-ocr language files for {0}. Tesseract is an open source optical character "
            "recognition engine. This package contains the data files required to recognize {0} text "
            "with the engine.")


def _texts(name: str, n: int) -> list[str]:
    with open(ROOT / "sample_data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return [r["text"] for r in list(csv.DictReader(fh))[:n]]


def _csv(texts: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "text"])
    writer.writerows((f"d{i}", t) for i, t in enumerate(texts))
    return buf.getvalue().encode("utf-8")


GRAPHICS = _texts("science", 48) + [TEMPLATE.format(lang) for lang in LANGS]
SOUND = _texts("games", 60)


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory, chromium):
    srv = Server(tmp_path_factory.mktemp("readable"),
                 env_extra={"CORPUS_COMPASS_EMBEDDER": "tests.conftest:HashingEmbedder"})
    try:
        yield srv
    finally:
        srv.stop()


def _go(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.get_by_role("heading", name=HEADINGS[title], exact=True).first.wait_for(timeout=60_000)
    wait_idle(page)


def _main(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def _every_tab_text(page) -> str:
    """The page's text with every tab opened in turn (a hidden panel has no visible text)."""
    texts = [_main(page)]
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        if tabs.nth(i).is_visible():  # tabs nested in another tab's hidden panel are not
            tabs.nth(i).click()
            page.wait_for_timeout(200)
            texts.append(_main(page))
    return "\n".join(texts)


def _no_developer_words(text: str, where: str) -> None:
    found = DEVELOPER_WORDS.findall(text)
    assert not found, f"{where} shows developer words: {found}"


def test_upload_near_duplicates_readings_stale_notice_and_words(chromium, fake_server, tmp_path) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    page.goto(fake_server.url)
    page.get_by_role("heading", name="Data", exact=True).wait_for(timeout=60_000)
    wait_idle(page)
    assert "Nothing loaded yet: click Load the sample corpora, or choose files under Your files" in _main(page)

    # (2) two files chosen at once are both loaded, with no further click
    page.locator("[data-testid='stFileUploader']", has_text="Corpus files").first.locator(
        "input[type='file']").set_input_files([
            {"name": "graphics.csv", "mimeType": "text/csv", "buffer": _csv(GRAPHICS)},
            {"name": "sound.csv", "mimeType": "text/csv", "buffer": _csv(SOUND)}])
    page.get_by_text("Loaded “graphics” (60 documents), “sound” (60 documents).").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"of 120 documents")).first.wait_for(timeout=60_000)
    wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "graphics · 60 documents" in sidebar and "sound · 60 documents" in sidebar
    assert page.get_by_role("button", name="Add this corpus").count() == 0
    data = _main(page)
    assert "Nothing loaded yet" not in data
    # the inferred text column is shown, and can be changed afterwards
    assert "text column “text”" in data
    page.get_by_text("Columns of the uploaded files").click()
    wait_idle(page)
    assert page.get_by_text("Text column", exact=True).count() >= 2

    # (4) the templated boilerplate is one near-duplicate group, with its threshold stated
    # the 12 templated packs are one group; the sample texts hold 3 small groups of their own
    assert "19 of 120 documents form 4 groups of near-duplicates" in data
    assert "Jaccard similarity ≥ 0.5" in data
    _no_developer_words(_every_tab_text(page), "the Data page")

    # run the analysis (every default analysis) with a second model named: the comparison switches on
    _go(page, "Embed")
    page.get_by_label("Second model to compare with (optional)", exact=True).fill("fast")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_text("The model comparison will compare default with fast").wait_for(timeout=60_000)
    page.get_by_role("button", name="Run the analysis").click()
    page.get_by_text("The analysis is ready for these corpora and settings").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_idle(page)

    # (3) the tests: effect sizes first, p-values in words, each floor stated; no p-value chart
    _go(page, "Compare")
    page.get_by_role("heading", name="Distinctive words").wait_for(timeout=60_000)
    wait_idle(page)
    compare = _main(page)
    assert "smallest possible p" in compare.lower() and "(999 permutations)" in compare, compare[-2500:]
    assert "AUC = " in compare
    assert not re.search(r"\d\.\d+e-\d", compare)
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 0
    assert "Distinctive words" in compare

    # (6) Geometry and Models: a reading beside every number, no "None", before/after for whitening
    _go(page, "Geometry")
    geometry = _every_tab_text(page)
    assert geometry.lower().count("what this value means here") >= 2
    assert "hubness" in geometry and "IsoScore" in geometry
    assert "None" not in geometry
    _go(page, "Models")
    page.get_by_text("What the numbers say").wait_for(timeout=60_000)
    models = _main(page)
    assert "what this value means here" in models.lower() and "neighbours are the same in both models" in models

    # (7) no developer words on any page, nor in the report
    for title in ["Map", "Compare", "Geometry", "Models", "Word shift", "Report", "Embed", "Methods"]:
        _go(page, title)
        _no_developer_words(_every_tab_text(page), f"the {title} page")
    _go(page, "Report")
    with page.expect_download() as info:
        page.get_by_role("button", name="report.html").click()
    report = tmp_path / "report.html"
    info.value.save_as(report)
    wait_idle(page)
    html = report.read_text(encoding="utf-8")
    assert "METHODS.md" not in html
    readable = context.new_page()
    readable.goto(report.as_uri())
    readable.wait_for_timeout(1500)
    # what people read: everything above the reproducibility manifest (a record of the raw settings)
    body = readable.locator("body").inner_text().rsplit("Reproducibility manifest", 1)[0]
    _no_developer_words(body, "the report")
    assert "Distinctive words and near-duplicates" in body
    assert "19 of 120 documents form 4 groups of near-duplicates" in body
    assert "smallest possible p" in body and not re.search(r"\d\.\d+e-\d", body)
    readable.close()

    # (1) change the corpora: every results page says so at the top, with a one-click rerun
    _go(page, "Data")
    page.get_by_role("button", name="Remove corpora").click()
    page.get_by_role("dialog").locator("input").first.click()
    page.get_by_role("option", name="sound").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Remove", exact=True).click()
    wait_idle(page)
    page.locator("[data-testid='stFileUploader']", has_text="Corpus files").first.locator(
        "input[type='file']").set_input_files([
            {"name": "graphics.csv", "mimeType": "text/csv", "buffer": _csv(GRAPHICS)},
            {"name": "other.csv", "mimeType": "text/csv", "buffer": _csv(_texts("libdevel", 60))}])
    page.get_by_text("Loaded “other” (60 documents).").wait_for(timeout=60_000)
    wait_idle(page)
    for title in RESULT_PAGES:
        _go(page, title)
        shown = _main(page)
        assert NOTICE in shown, title
        assert "No longer loaded: sound" in shown and "loaded since the analysis: other" in shown, title
        # at the top: above the page's own title
        notice_y = page.get_by_text(NOTICE).bounding_box()["y"]
        title_y = page.get_by_role("heading", name=HEADINGS[title], exact=True).first.bounding_box()["y"]
        assert notice_y < title_y, title
    page.get_by_role("button", name="Rerun the analysis on the loaded corpora").click()
    page.get_by_text("The analysis is ready for these corpora and settings").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_idle(page)
    for title in ("Compare", "Report"):
        _go(page, title)
        assert NOTICE not in _main(page)
    _go(page, "Compare")
    assert "'other'" in _main(page) and "'sound'" not in _main(page)

    context.close()
    log = fake_server.log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
