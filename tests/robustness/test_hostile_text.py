"""Hostile text is inert: HTML/JavaScript payloads in document texts, column names, corpus names and file
names run nothing and load nothing in the HTML report, and spreadsheet formulas in the CSV exports are
neutralised.

One real analysis (fake embedder, every stage that small corpora allow) of two corpora whose every
user-controlled string is hostile goes through the output contract (``write_contract``: report.html,
documents.csv, tests.csv, summary.json). The report is opened in headless Chromium with every dialog
failing the test and every request other than the file itself recorded and blocked; the payloads must
arrive as literal text.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from robustness_support import HOSTILE, HOSTILE_COLUMN, HOSTILE_FILENAME, HOSTILE_NAME, PageGuard

from core.load.read import load_corpus
from core.report.tables import FORMULA_PREFIXES

FORMULA_NAME = "=cmd|' /C calc'!A0"
WORDS = ["apple", "river", "engine", "music", "garden", "planet", "violin", "harbour", "silver", "forest"]


def _texts(offset: int) -> list[str]:
    texts = []
    for i in range(36):
        words = " ".join(WORDS[(i * 3 + offset + j) % len(WORDS)] for j in range(6))
        texts.append(f"{HOSTILE[i % len(HOSTILE)]} {words} {i}" if i % 3 == 0 else f"{words} {offset} {i}")
    return texts


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    from core.pipeline.run import run_analysis
    from core.pipeline.spec import Analysis
    from core.report.contract import write_contract
    from tests.conftest import HashingEmbedder

    corpora = []
    for name, offset, filename in ((HOSTILE_NAME, 0, HOSTILE_FILENAME), (FORMULA_NAME, 5, "@sum(1+1).csv")):
        frame = pd.DataFrame({"text": _texts(offset), HOSTILE_COLUMN: [HOSTILE[i % 3] for i in range(36)]})
        corpora.append(load_corpus(frame.to_csv(index=False).encode(), filename=filename, name=name,
                                   metadata_columns=[HOSTILE_COLUMN]))
    spec = Analysis(corpora=tuple(corpora), analyses=frozenset({"depth", "tests", "hubness", "spread"}),
                    n_permutations=99, k=5)
    result = run_analysis(spec, embedder=HashingEmbedder(), cache=False)
    # map coordinates stand in for UMAP's (whose first fit in a process compiles for half a minute): the
    # report draws the map, with every text in its tooltips, from these columns alone
    documents = result.documents.copy()
    rng = np.random.default_rng(0)
    documents["umap_x"], documents["umap_y"] = rng.standard_normal(len(documents)), rng.standard_normal(len(documents))
    result = dataclasses.replace(result, documents=documents, skipped={k: v for k, v in result.skipped.items()
                                                                      if k != "map"})
    out = tmp_path_factory.mktemp("hostile") / "out"
    write_contract(result, out)
    return out


def test_csv_exports_neutralise_formulas_and_keep_the_text(output: Path) -> None:
    for name in ("documents.csv", "tests.csv"):
        raw = (output / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        # text fields are quoted, numbers are not (and a negative number is a number, not a formula):
        # QUOTE_NONNUMERIC reads unquoted fields as floats, so every str below is a text cell
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), quoting=csv.QUOTE_NONNUMERIC))
        cells = [cell for row in rows for cell in row if isinstance(cell, str)]
        assert cells
        for cell in cells:
            assert not cell.startswith(FORMULA_PREFIXES), f"{name}: a spreadsheet would run {cell!r}"
    documents = pd.read_csv(output / "documents.csv", encoding="utf-8-sig", keep_default_na=False)
    assert set(documents["corpus"]) == {HOSTILE_NAME, "'" + FORMULA_NAME}
    assert HOSTILE_COLUMN in documents.columns
    texts = set(documents["text"])
    for payload in HOSTILE:
        hits = [t for t in texts if payload in t]
        assert hits, f"payload {payload!r} missing from documents.csv"
    assert "'" + HOSTILE[7] + " " in " ".join(t[:len(HOSTILE[7]) + 2] for t in texts)  # =HYPERLINK neutralised
    tests = pd.read_csv(output / "tests.csv", encoding="utf-8-sig", keep_default_na=False)
    assert set(tests["reference"]) | set(tests["other"]) == {HOSTILE_NAME, "'" + FORMULA_NAME}


def test_summary_json_keeps_the_names_as_data(output: Path) -> None:
    summary = json.loads((output / "summary.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in summary["corpora"]] == [HOSTILE_NAME, FORMULA_NAME]


def test_report_source_has_no_live_payload(output: Path) -> None:
    html = (output / "report.html").read_text(encoding="utf-8")
    for payload in HOSTILE + (HOSTILE_NAME, HOSTILE_COLUMN, HOSTILE_FILENAME):
        if "<" in payload:
            assert payload not in html, f"unescaped in report.html: {payload!r}"
    assert "cc-xss-1" in html and "&lt;script&gt;alert(&#x27;cc-xss-1&#x27;)" in html


@pytest.mark.slow
@pytest.mark.browser
def test_report_is_inert_in_chromium(chromium, output: Path) -> None:
    url = (output / "report.html").as_uri()
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    guard = PageGuard(page, allowed=(url,))
    try:
        page.goto(url)
        page.wait_for_function("document.querySelectorAll('div.cc-chart').length > 0 && "
                               "[...document.querySelectorAll('div.cc-chart')].every(e => e.dataset.ccRendered)",
                               timeout=60_000)
        assert page.eval_on_selector_all("div.cc-chart", "els => els.map(e => e.dataset.ccRendered)") == \
            ["true"] * page.locator("div.cc-chart").count()
        body = page.inner_text("body")
        # the report lists a few documents per corpus: some payloads, and the corpus name, show as text
        assert HOSTILE_NAME in body
        assert sum(payload in body for payload in HOSTILE) >= 2
        # nothing the payloads would create exists: no iframe, no injected image/svg handler, no link out
        assert page.locator("iframe").count() == 0
        assert page.locator("[onerror], [onload]").count() == 0
        assert page.locator("a[href^='http'], a[href^='javascript']").count() == 0
        # hover every point of the map: tooltips show the texts as text
        points = page.locator("svg g.mark-symbol.role-mark path")
        assert points.count() >= 72  # the map draws every document (other charts may add points)
        for i in range(0, min(points.count(), 12), 3):
            points.nth(i).scroll_into_view_if_needed()
            box = points.nth(i).bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(60)
        assert page.locator("#vg-tooltip-element img, #vg-tooltip-element script, "
                            "#vg-tooltip-element iframe").count() == 0
        page.wait_for_timeout(300)
    finally:
        page.close()
    assert guard.dialogs == [], f"a payload opened a dialog: {guard.dialogs}"
    assert guard.blocked == [], f"the report tried to load: {guard.blocked}"
    assert guard.errors == []
