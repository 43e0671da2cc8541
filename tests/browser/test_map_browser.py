"""The WebGL map in a real Chromium with 100,000 documents: every point drawn, a box selection lists
exactly the documents whose coordinates lie inside it, and nothing is fetched from the network."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import Server
from tests.browser.map_support import BOX, COUNTS, big_result, drag_box, open_map, plot_geometry

pytestmark = [pytest.mark.browser, pytest.mark.slow]
N = 100_000


@pytest.fixture(scope="module")
def map_server(tmp_path_factory, chromium):
    srv = Server(tmp_path_factory.mktemp("map"), env_extra={"CORPUS_COMPASS_EMBEDDER": "tests.conftest:HashingEmbedder"})
    try:
        yield srv
    finally:
        srv.stop()


def test_map_draws_100000_points_and_a_box_selects_the_documents_inside(chromium, map_server) -> None:
    from core.results.store import AnalysisStore

    result = big_result(N)
    analysis_id = AnalysisStore(map_server.store).save(result)
    docs = result.documents
    x, y = docs["umap_x"].to_numpy(), docs["umap_y"].to_numpy()
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", "localhost", None) and not r.url.startswith(("data:", "blob:"))
            else None)
    try:
        seconds = open_map(page, f"{map_server.url}/?analysis={analysis_id}", N)
        print(f"\nMap page with {N:,} points drawn in {seconds:.1f} s")
        main = page.locator("[data-testid='stMain']").inner_text()
        assert f"Every document is drawn: {N:,} points" in main
        geo = plot_geometry(page)
        bounds = drag_box(page, geo, (0.30, 0.55), (0.25, 0.60))
        page.get_by_text(re.compile(r"selected documents\)")).wait_for(timeout=120_000)
        main = page.locator("[data-testid='stMain']").inner_text()
        shown = [float(v) for v in BOX.search(main).groups()]
        # the box the page reports is the one dragged (to a pixel or two) ...
        span_x, span_y = geo["x1"] - geo["x0"], geo["y1"] - geo["y0"]
        for got, want, span in zip(shown, bounds, (span_x, span_x, span_y, span_y)):
            assert abs(got - want) <= 0.01 * span, (shown, bounds)
        # ... and the documents listed are those whose coordinates lie in it (bounds shown to 6 digits)
        m = COUNTS.search(main)
        assert m, main[-2000:]
        groups = m.groups()
        alpha, beta, total = ((groups[0], groups[1], groups[2]) if groups[0] is not None
                              else (groups[4], groups[3], groups[5]))
        alpha, beta, total = (int(v.replace(",", "")) for v in (alpha, beta, total))
        eps = (1e-5 * span_x, 1e-5 * span_y)
        corpus = docs["corpus"].to_numpy()
        for name, count in (("alpha", alpha), ("beta", beta)):
            strict = ((x > shown[0] + eps[0]) & (x < shown[1] - eps[0]) & (y > shown[2] + eps[1])
                      & (y < shown[3] - eps[1]) & (corpus == name)).sum()
            loose = ((x >= shown[0] - eps[0]) & (x <= shown[1] + eps[0]) & (y >= shown[2] - eps[1])
                     & (y <= shown[3] + eps[1]) & (corpus == name)).sum()
            assert strict <= count <= loose, (name, strict, count, loose)
        assert total == alpha + beta and total > 1000
        assert outside == []  # plotly.js comes with the dashboard: no CDN, no request elsewhere
    finally:
        context.close()
