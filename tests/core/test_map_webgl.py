"""The WebGL map (Plotly scattergl) and the report's size-budgeted map: what is drawn, what a box or
lasso selects, and how large report.html gets at 50,000 documents."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.exceptions import InputError
from core.report.map_density import density_grid
from core.report.map_webgl import map_figure, rows_in_selection, selection_bounds


def _docs(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "corpus": np.where(rng.uniform(size=n) < 0.4, "a", "b"), "doc_id": [str(i) for i in range(n)],
        "text": [f"document {i} " + "word " * (i % 7) for i in range(n)], "depth": rng.uniform(0, 2, n),
        "umap_x": rng.normal(size=n), "umap_y": rng.normal(size=n)})


def test_every_document_is_a_point_of_one_webgl_trace_per_corpus() -> None:
    docs = _docs(3000)
    docs.loc[5, "umap_x"] = np.nan  # not mappable: not drawn
    fig = map_figure(docs, color="corpus", tooltip_columns=["doc_id"], corpus_order=["b", "a"])
    assert [t.type for t in fig.data] == ["scattergl", "scattergl"]
    assert [t.name for t in fig.data] == ["b", "a"]
    assert sum(len(t.x) for t in fig.data) == 2999
    rows = np.concatenate([t.customdata for t in fig.data])
    assert sorted(rows.tolist()) == [i for i in range(3000) if i != 5]
    for trace in fig.data:  # each point sits at its own row's coordinates
        np.testing.assert_array_equal(trace.x, docs["umap_x"].to_numpy()[trace.customdata])
        assert set(docs["corpus"].to_numpy()[trace.customdata]) == {trace.name}
    assert fig.layout.dragmode == "select"


def test_numeric_colour_is_one_trace_with_a_colour_scale() -> None:
    docs = _docs(500)
    fig = map_figure(docs, color="depth")
    assert len(fig.data) == 1
    np.testing.assert_allclose(fig.data[0].marker.color, docs["depth"].to_numpy())


def test_hover_text_is_escaped_and_cut() -> None:
    docs = _docs(3)
    docs.loc[0, "text"] = "<img src=x onerror=alert(1)> & " + "long " * 100
    fig = map_figure(docs, color="corpus", tooltip_columns=["doc_id"], max_text_chars=50)
    hover = {int(r): h for t in fig.data for r, h in zip(t.customdata, t.hovertext)}
    assert "<img" not in hover[0] and "&lt;img src=x onerror=alert(1)&gt; &amp;" in hover[0]
    assert hover[0].startswith("doc_id: 0<br>")
    assert hover[0].endswith("…") and len(hover[0].split("<br>")[-1]) <= 50 + 12  # escaping adds characters


def test_missing_column_names_the_column() -> None:
    with pytest.raises(InputError, match=r"no column\(s\) \['label'\]"):
        map_figure(_docs(10), color="label")


def test_box_selection_returns_exactly_the_documents_inside() -> None:
    docs = _docs(5000, seed=3)
    sel = {"box": [{"x": [0.5, -0.25], "y": [-1.0, 0.3]}], "lasso": [], "points": []}
    assert selection_bounds(sel) == ([(-0.25, 0.5, -1.0, 0.3)], [])
    inside = rows_in_selection(docs, sel)
    x, y = docs["umap_x"].to_numpy(), docs["umap_y"].to_numpy()
    expected = np.flatnonzero((x >= -0.25) & (x <= 0.5) & (y >= -1.0) & (y <= 0.3))
    assert inside.index.tolist() == expected.tolist() and len(expected) > 100


def test_lasso_selection_is_the_polygon() -> None:
    docs = pd.DataFrame({"umap_x": [0.4, 1.5, 0.2, 0.9, 2.0], "umap_y": [0.4, 0.5, 0.9, 0.05, 2.0]})
    triangle = {"lasso": [{"x": [0.0, 1.0, 0.0], "y": [0.0, 0.0, 1.0]}]}
    # (0.4, 0.4) and (0.9, 0.05) lie in the triangle x, y >= 0, x + y <= 1; the others do not
    assert rows_in_selection(docs, triangle).index.tolist() == [0, 3]
    square = {"lasso": [{"x": [-1, 3, 3, -1], "y": [-1, -1, 3, 3]}]}
    assert rows_in_selection(docs, square).index.tolist() == [0, 1, 2, 3, 4]
    assert rows_in_selection(docs, None).empty and rows_in_selection(docs, {"box": [], "lasso": []}).empty


def test_density_grid_counts_every_document_once() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=10_000), rng.normal(size=10_000)
    grid = density_grid(x, y, bins_x=30, bins_y=20)
    assert grid["documents"].sum() == 10_000
    assert (grid["x0"] < grid["x1"]).all() and (grid["y0"] < grid["y1"]).all()
    cell = grid.iloc[int(np.argmax(grid["documents"]))]
    inside = (x >= cell.x0) & (x < cell.x1) & (y >= cell.y0) & (y < cell.y1)
    assert inside.sum() == cell.documents


@pytest.mark.slow
def test_report_stays_under_15_mb_at_50000_documents_and_says_what_it_draws() -> None:
    from core.report.document import render_html_report
    from core.results import AnalysisResult, make_table

    n = 50_000
    rng = np.random.default_rng(0)
    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": n // 2, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0} for c in ("a", "b")])
    documents = make_table("documents", pd.DataFrame({
        "corpus": ["a"] * (n // 2) + ["b"] * (n // 2), "doc_id": [str(i) for i in range(n)],
        "text": [f"document {i}: " + "a fairly long package description " * 12 for i in range(n)],
        "depth": rng.uniform(0, 2, n), "umap_x": rng.standard_normal(n), "umap_y": rng.standard_normal(n),
        "k_occurrence": rng.poisson(10, n).astype(float), "classifier_prob": rng.uniform(0, 1, n)}))
    html = render_html_report(AnalysisResult(corpora=corpora, documents=documents))
    size = len(html.encode("utf-8"))
    assert size <= 15 * 1024 * 1024, size
    assert "All 50,000 documents are counted in the grey cells" in html
    assert "a random sample of 5,000 is drawn as points" in html
    assert json.dumps("documents per cell")[1:-1] in html
