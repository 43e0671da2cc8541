"""The WebGL map (issue 16): time for the dashboard's Map page to draw every document in a real
headless Chromium (Debian's chromium, software WebGL), and the size of report.html.

Each analysis (two corpora, three clusters, synthetic coordinates: the drawing cost does not depend
on where the points lie) is saved to the share store of a fresh ``streamlit run`` of the dashboard and
opened with its ``?analysis=`` link; the time is from the click on "Map" in the sidebar until Plotly
has drawn all points on its WebGL canvas (as the browser test checks). The server's first Map page
is opened once beforehand so that Python imports are not counted. No ratio: there is no earlier
WebGL map to compare with (the Vega-Lite map drew at most 5,000 sampled points).

report.html at 50,000 documents: the map counts every document in a density grid and draws a sample
of 5,000 as points, so its size stays bounded (budget 15 MB).
"""

from __future__ import annotations

import tempfile
from pathlib import Path


def run(quick: bool = False) -> list[dict]:
    from core.report.document import render_html_report
    from core.results.store import AnalysisStore
    from tests.browser.conftest import Server
    from tests.browser.map_support import big_result, open_map
    from tests.chromium import launched_chromium

    sizes = [20_000, 100_000] if quick else [20_000, 100_000, 200_000]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, launched_chromium() as browser:
        server = Server(Path(tmp), env_extra={"CORPUS_COMPASS_EMBEDDER": "tests.conftest:HashingEmbedder"})
        try:
            store = AnalysisStore(server.store)
            warm = store.save(big_result(1000, seed=1))
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            open_map(context.new_page(), f"{server.url}/?analysis={warm}", 1000)
            context.close()
            for n in sizes:
                analysis_id = store.save(big_result(n))
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                seconds = open_map(context.new_page(), f"{server.url}/?analysis={analysis_id}", n)
                context.close()
                rows.append({"case": f"Map page: every document drawn (WebGL), {n:,} documents", "n": n,
                             "seconds": seconds,
                             "note": "click on Map until all points are on the canvas; headless Chromium, "
                                     "software WebGL"})
        finally:
            server.stop()
    html = render_html_report(big_result(50_000))
    rows.append({"case": "report.html size at 50,000 documents (density grid + 5,000 sampled points)",
                 "n": 50_000, "note": f"{len(html.encode('utf-8')) / 1e6:.2f} MB (budget 15 MB)"})
    return rows
