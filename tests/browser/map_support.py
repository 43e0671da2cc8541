"""A large analysis for the WebGL map (browser test and ``bench/bench_map.py``), and the steps to open
its Map page in a real Chromium and drag a box on it."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd

SIDEBAR_MAP = "[data-testid='stSidebarNav'] a"


def big_result(n: int, seed: int = 0):
    """An AnalysisResult of ``n`` documents in two corpora with map coordinates (three clusters)."""
    from core.results import AnalysisResult, make_table

    rng = np.random.default_rng(seed)
    half = n // 2
    centres = np.array([[-4.0, 0.0], [3.0, 3.0], [2.0, -4.0]])
    which = rng.integers(0, 3, n)
    xy = centres[which] + rng.normal(scale=1.5, size=(n, 2))
    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": k, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0}
        for c, k in (("alpha", half), ("beta", n - half))])
    documents = make_table("documents", pd.DataFrame({
        "corpus": ["alpha"] * half + ["beta"] * (n - half), "doc_id": [str(i) for i in range(n)],
        "text": [f"document number {i} about topic {which[i]}" for i in range(n)],
        "depth": rng.uniform(0, 2, n), "umap_x": xy[:, 0], "umap_y": xy[:, 1],
        "k_occurrence": rng.poisson(10, n).astype(float), "classifier_prob": rng.uniform(0, 1, n)}))
    return AnalysisResult(corpora=corpora, documents=documents, manifest={"created": "2026-01-01T00:00:00Z"})


def open_map(page, url: str, n: int, timeout: int = 300_000) -> float:
    """Open ``url`` (an ``?analysis=`` link), go to the Map page and wait until all ``n`` points are
    drawn by WebGL; return the seconds from the click on "Map" to that moment."""
    page.goto(url)
    page.locator(SIDEBAR_MAP, has_text="Map").first.wait_for(timeout=timeout)
    start = time.perf_counter()
    page.locator(SIDEBAR_MAP, has_text="Map").first.click()
    page.wait_for_function(
        """(n) => { const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
                    if (!gd || !gd._fullData || !gd.querySelector('canvas')) return false;
                    return gd._fullData.reduce((s, t) => s + (t.x ? t.x.length : 0), 0) === n; }""",
        arg=n, timeout=timeout)
    return time.perf_counter() - start


def plot_geometry(page) -> dict:
    """The plot area's position on the page and the axes' data ranges."""
    return page.evaluate(
        """() => { const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
                   const r = gd.querySelector('.nsewdrag').getBoundingClientRect();
                   const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                   return {left: r.left, top: r.top, width: r.width, height: r.height,
                           x0: xa.range[0], x1: xa.range[1], y0: ya.range[0], y1: ya.range[1]}; }""")


def drag_box(page, geo: dict, fx: tuple[float, float], fy: tuple[float, float]) -> tuple[float, ...]:
    """Drag a rectangle between fractions ``fx`` and ``fy`` of the plot area (from the top left);
    return its data bounds ``(x0, x1, y0, y1)`` computed from the pixels."""
    px = [geo["left"] + f * geo["width"] for f in fx]
    py = [geo["top"] + f * geo["height"] for f in fy]
    page.mouse.move(px[0], py[0])
    page.mouse.down()
    page.mouse.move(px[1], py[1], steps=15)
    page.mouse.up()
    xs = sorted(geo["x0"] + f * (geo["x1"] - geo["x0"]) for f in fx)
    ys = sorted(geo["y1"] - f * (geo["y1"] - geo["y0"]) for f in fy)
    return xs[0], xs[1], ys[0], ys[1]


BOX = re.compile(r"Selected box: UMAP 1 from (\S+) to (\S+), UMAP 2 from (\S+) to (\S+)\.")
COUNTS = re.compile(r"alpha: ([\d,]+); beta: ([\d,]+) \(of ([\d,]+) selected documents\)"
                    r"|beta: ([\d,]+); alpha: ([\d,]+) \(of ([\d,]+) selected documents\)")
