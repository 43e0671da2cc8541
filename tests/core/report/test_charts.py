"""Chart builders: specs inspected through chart.to_dict(), rendered offline through vl-convert."""

from __future__ import annotations

import itertools
import math

import altair as alt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.exceptions import InputError, ParameterError
from core.report import (
    OKABE_ITO,
    chart_to_png,
    chart_to_spec,
    chart_to_svg,
    corpus_colors,
    depth_histogram,
    eigenspectrum_chart,
    k_occurrence_histogram,
    map_chart,
    rows_in_region,
    shift_bar_chart,
    significance_chart,
    truncate_text,
    zipf_chart,
)

EVIL = 'bad\u2028name "q" </script><img src=x onerror=alert(1)>'


def values_of(spec: dict) -> list[dict]:
    """The inline data rows of a single-dataset spec (Altair files InlineData under ``datasets``)."""
    assert "url" not in spec.get("data", {})
    datasets = spec.get("datasets", {})
    assert len(datasets) == 1, "expected exactly one inline dataset"
    return next(iter(datasets.values()))


def find(obj, key):
    """Every value stored under ``key`` anywhere in a nested spec."""
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                found.append(v)
            found.extend(find(v, key))
    elif isinstance(obj, list):
        for v in obj:
            found.extend(find(v, key))
    return found


@pytest.fixture
def docs(rng) -> pd.DataFrame:
    n = 60
    return pd.DataFrame({
        "umap_x": rng.normal(size=n), "umap_y": rng.normal(size=n),
        "corpus": ["news"] * 30 + ["forum"] * 30,
        "text": [f"document {i} " + "word " * 80 for i in range(n)],
        "depth": rng.uniform(0, 2, n), "doc_id": np.arange(n),
    })


# --------------------------------------------------------------------------- colours and text


def test_corpus_colors_are_okabe_ito_in_order_and_distinct():
    colors = corpus_colors(["b", "a", "b", "c"])
    assert list(colors) == ["b", "a", "c"]
    assert list(colors.values()) == list(OKABE_ITO[:3])
    many = corpus_colors([f"c{i}" for i in range(28)])
    assert len(set(many.values())) == 28


def test_truncate_text():
    assert truncate_text("short") == "short"
    assert truncate_text("a  b\n\tc") == "a b c"
    cut = truncate_text("x" * 500, 200)
    assert len(cut) == 200 and cut.endswith("…")
    assert truncate_text(None) == "" and truncate_text(float("nan")) == ""
    with pytest.raises(ParameterError, match="max_chars must be at least 2"):
        truncate_text("abc", 1)


@given(st.text(), st.integers(min_value=2, max_value=300))
def test_truncate_text_never_exceeds_the_limit(text, limit):
    assert len(truncate_text(text, limit)) <= limit


# --------------------------------------------------------------------------- map


def test_map_chart_spec(docs):
    spec = map_chart(docs, tooltip_columns=["doc_id"]).to_dict()
    enc = spec["encoding"]
    assert (enc["x"]["field"], enc["y"]["field"]) == ("umap_x", "umap_y")
    assert enc["color"]["type"] == "nominal"
    assert enc["color"]["scale"] == {"domain": ["news", "forum"], "range": list(OKABE_ITO[:2])}
    assert "sort" not in enc["color"]  # a sort array would compile names into an expression
    rows = values_of(spec)
    assert len(rows) == 60
    assert [t["title"] for t in enc["tooltip"]] == ["corpus", "text", "doc_id"]
    assert all(len(r["tooltip_text"]) <= 200 for r in rows)
    assert rows[0]["tooltip_text"].startswith("document 0 word")
    assert spec["title"]["subtitle"] == "60 documents"
    assert "usermeta" not in spec


def test_map_chart_selection_named_region(docs):
    spec = map_chart(docs).to_dict()
    params = spec["params"]
    assert [p["name"] for p in params] == ["region"]
    assert params[0]["select"]["type"] == "interval"
    assert spec["encoding"]["opacity"]["condition"]["param"] == "region"
    assert "params" not in map_chart(docs, selectable=False).to_dict()


def test_map_chart_states_the_sample_size(docs):
    spec = map_chart(docs, n_total=12_345).to_dict()
    assert spec["title"]["subtitle"] == "showing 60 of 12,345 documents (random sample)"


def test_map_chart_quantitative_colour_and_corpus_order(docs):
    spec = map_chart(docs, color="depth").to_dict()
    assert spec["encoding"]["color"]["type"] == "quantitative"
    assert spec["encoding"]["color"]["scale"] == {"scheme": "viridis"}
    spec = map_chart(docs, corpus_order=["forum", "news"]).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == ["forum", "news"]
    spec = map_chart(docs.assign(label=[1, 2, 3] * 20), color="label", color_type="nominal").to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == ["1", "2", "3"]


def test_map_chart_odd_column_names_and_reserved_tooltip_keys(docs):
    df = docs.rename(columns={"depth": "score.v2:Q", "doc_id": "image", "text": "title"})
    spec = map_chart(df, color="score.v2:Q", tooltip_text="title", tooltip_columns=["image"]).to_dict()
    assert spec["encoding"]["color"]["field"] == "color_value"
    assert spec["encoding"]["color"]["title"] == "score.v2:Q"
    titles = [t["title"] for t in spec["encoding"]["tooltip"]]
    # vega-tooltip turns a key "image" into <img src>, "title" into a heading: never use them
    assert titles == ["score.v2:Q", "title (column)", "image (column)"]
    svg = chart_to_svg(map_chart(df, color="score.v2:Q", tooltip_text="title"))
    assert svg.count("<path") > 60


def test_map_chart_large_data_stays_inline(rng):
    n = 6_000  # more than Altair's default MaxRowsError limit of 5,000
    df = pd.DataFrame({"umap_x": rng.normal(size=n), "umap_y": rng.normal(size=n),
                       "corpus": "a", "text": "t"})
    assert len(values_of(map_chart(df).to_dict())) == n


@pytest.mark.parametrize("kwargs, match", [
    ({"color": "missing"}, "lacks the column"),
    ({"n_total": 10}, "n_total .10. cannot be smaller"),
    ({"color_type": "temporal"}, "color_type must be"),
    ({"max_text_chars": 1}, "max_text_chars must be at least 2"),
])
def test_map_chart_invalid_parameters(docs, kwargs, match):
    with pytest.raises((InputError, ParameterError), match=match):
        map_chart(docs, **kwargs)


def test_map_chart_rejects_non_numeric_coordinates_and_non_frames(docs):
    with pytest.raises(InputError, match="must be numeric"):
        map_chart(docs.assign(umap_x="a"))
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        map_chart(docs.to_dict())


def test_rows_in_region(docs):
    region = {"umap_x": [0.5, -0.5], "umap_y": [-1.0, 1.0]}  # reversed bounds are accepted
    inside = rows_in_region(docs, region)
    expected = docs[docs.umap_x.between(-0.5, 0.5) & docs.umap_y.between(-1, 1)]
    pd.testing.assert_frame_equal(inside, expected)
    assert 0 < len(inside) < len(docs)
    assert rows_in_region(docs, None).empty and rows_in_region(docs, {}).empty
    only_x = rows_in_region(docs, {"umap_x": [0, 10]})
    assert (only_x.umap_x >= 0).all() and len(only_x) == (docs.umap_x >= 0).sum()
    with pytest.raises(ParameterError, match=r"must be \[low, high\]"):
        rows_in_region(docs, {"umap_x": [1, 2, 3]})


# --------------------------------------------------------------------------- other charts


def test_depth_histogram_has_one_panel_per_reference():
    df = pd.DataFrame({"reference": ["A"] * 6 + ["B"] * 6, "corpus": list("AAABBB") * 2,
                       "depth": np.linspace(0.2, 1.8, 12)})
    spec = depth_histogram(df, corpus_order=["B", "A"]).to_dict()
    assert spec["facet"]["column"]["field"] == "reference"
    assert spec["facet"]["column"]["sort"] == {"field": "reference_rank", "op": "min"}
    rows = values_of(spec)
    assert {(r["reference"], r["reference_rank"]) for r in rows} == {("B", 0), ("A", 1)}
    assert spec["spec"]["encoding"]["color"]["scale"]["domain"] == ["B", "A"]
    assert spec["spec"]["encoding"]["y"]["stack"] is None  # overlaid, not stacked
    svg = chart_to_svg(depth_histogram(df))
    assert ">A</text>" in svg and ">B</text>" in svg
    with pytest.raises(ParameterError, match="bins must be at least 2"):
        depth_histogram(df, bins=1)


def test_k_occurrence_histogram():
    df = pd.DataFrame({"k_occurrence": [0, 0, 1, 10, 30, 2], "corpus": list("aaabbb")})
    spec = k_occurrence_histogram(df, k=10).to_dict()
    layers = spec["spec"]["layer"][0]["layer"]
    assert layers[0]["encoding"]["x"]["bin"] == {"step": 1}
    assert layers[1]["encoding"]["x"] == {"datum": 10}
    assert spec["facet"]["row"]["field"] == "group"
    assert [r["n_k"] for r in values_of(spec)] == [0, 0, 1, 10, 30, 2]
    assert "(k = 10)" in spec["title"]
    big = k_occurrence_histogram(pd.DataFrame({"k_occurrence": [0, 500]}), group=None).to_dict()
    assert big["spec"]["layer"][0]["encoding"]["x"]["bin"] == {"maxbins": 60}
    with pytest.raises(InputError, match="non-negative counts"):
        k_occurrence_histogram(pd.DataFrame({"k_occurrence": [-1], "corpus": ["a"]}))
    with pytest.raises(ParameterError, match="k must be a positive integer"):
        k_occurrence_histogram(df, k=0)


def test_eigenspectrum_chart_normalises_per_group():
    df = pd.DataFrame({"component": [1, 2, 3] * 2, "eigenvalue": [6.0, 3.0, 1.0, 2.0, 2.0, 0.0],
                       "corpus": ["a"] * 3 + ["b"] * 3})
    spec = eigenspectrum_chart(df).to_dict()
    rows = values_of(spec)
    assert [round(r["value"], 12) for r in rows] == [0.6, 0.3, 0.1, 0.5, 0.5]  # zero dropped (log)
    assert spec["encoding"]["y"]["scale"] == {"type": "log"}
    raw = values_of(eigenspectrum_chart(df, normalize=False, log_y=False).to_dict())
    assert [r["value"] for r in raw] == [6.0, 3.0, 1.0, 2.0, 2.0, 0.0]
    with pytest.raises(InputError, match="negative eigenvalues"):
        eigenspectrum_chart(df.assign(eigenvalue=-1.0))


def test_zipf_chart_is_log_log_and_thinned():
    n = 100_000
    df = pd.DataFrame({"rank": np.arange(1, n + 1), "frequency": 1e6 / np.arange(1, n + 1),
                       "corpus": "big"})
    small = pd.DataFrame({"rank": [1, 2, 3], "frequency": [5, 0, 1], "corpus": "small"})
    spec = zipf_chart(pd.concat([df, small]), max_points=300).to_dict()
    assert spec["encoding"]["x"]["scale"] == {"type": "log"}
    assert spec["encoding"]["y"]["scale"] == {"type": "log"}
    rows = values_of(spec)
    big_ranks = [r["rank"] for r in rows if r["corpus"] == "big"]
    assert big_ranks[0] == 1 and big_ranks[-1] == n and len(big_ranks) <= 300
    assert big_ranks == sorted(big_ranks)
    # evenly spread on the log axis: no gap wider than two grid steps (rounding to integer ranks)
    step = math.log(n) / (300 - 1)
    assert all(b - a <= 2 or math.log(b / a) <= 2 * step for a, b in itertools.pairwise(big_ranks))
    assert len(big_ranks) >= 200
    assert [r["rank"] for r in rows if r["corpus"] == "small"] == [1, 3]  # zero frequency dropped
    with pytest.raises(ParameterError, match="max_points must be at least 2"):
        zipf_chart(df, max_points=1)


def test_shift_bar_chart_ranks_by_shift():
    df = pd.DataFrame({"word": ["a", "b", "c", "d"], "shift": [0.1, 0.9, np.nan, 0.5],
                       "neighbours_a": [["x", "y"], ["z"], [], ["w"]], "freq_a": [5, 6, 7, 8]})
    spec = shift_bar_chart(df, top=2).to_dict()
    rows = values_of(spec)
    assert [(r["word"], r["shift"]) for r in rows] == [("b", 0.9), ("d", 0.5)]
    titles = [t["title"] for t in spec["encoding"]["tooltip"]]
    assert titles == ["word", "shift", "freq_a", "neighbours_a"]
    assert rows[0]["extra_1"] == "z"
    assert spec["encoding"]["y"]["sort"] is None
    with pytest.raises(ParameterError, match="top must be a positive integer"):
        shift_bar_chart(df, top=0)


def test_shift_bar_chart_splits_noise_and_ranks_beyond_it():
    # "rare" has the largest shift, but mostly noise; "c" has a shift below its noise
    df = pd.DataFrame({"word": ["rare", "real", "c", "d"], "shift": [0.9, 0.5, 0.2, 0.3],
                       "noise": [0.8, 0.1, 0.25, np.nan], "freq_a": [21, 300, 40, 50]})
    spec = shift_bar_chart(df, top=3).to_dict()
    rows = values_of(spec)
    assert spec["encoding"]["y"]["sort"] == ["real", "rare", "c"]  # by shift − noise; no noise, no rank
    parts = {(r["word"], r["part"]): r["length"] for r in rows}
    assert parts == pytest.approx({("real", "noise at this frequency"): 0.1, ("real", "beyond noise"): 0.4,
                                   ("rare", "noise at this frequency"): 0.8, ("rare", "beyond noise"): 0.1,
                                   ("c", "noise at this frequency"): 0.2, ("c", "beyond noise"): 0.0})
    # the two parts of a bar add up to the word's shift
    for w, total in (("real", 0.5), ("rare", 0.9), ("c", 0.2)):
        assert parts[(w, "noise at this frequency")] + parts[(w, "beyond noise")] == pytest.approx(total)
    beyond = {r["word"]: r["beyond"] for r in rows}
    assert beyond == pytest.approx({"real": 0.4, "rare": 0.1, "c": -0.05})
    titles = [t["title"] for t in spec["encoding"]["tooltip"]]
    assert titles == ["word", "shift", "noise at this frequency", "shift − noise", "freq_a"]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["noise at this frequency", "beyond noise"]
    # an analysis saved without noise estimates: plain bars by shift
    plain = shift_bar_chart(df.assign(noise=np.nan), top=2).to_dict()
    assert [(r["word"], r["shift"]) for r in values_of(plain)] == [("rare", 0.9), ("real", 0.5)]
    assert "color" not in plain["encoding"]


def test_significance_chart():
    df = pd.DataFrame({"test": ["depth", "depth", "mmd"], "reference": ["A", "B", "A"],
                       "other": ["B", "A", "B"], "pvalue_adjusted": [0.001, 0.5, 0.0]})
    spec = significance_chart(df).to_dict()
    rows = values_of(spec)
    assert [r["label"] for r in rows] == ["depth: B vs reference A", "depth: A vs reference B",
                                          "mmd: B vs reference A"]
    assert rows[0]["neglog10p"] == pytest.approx(3.0)
    assert rows[2]["neglog10p"] == pytest.approx(300.0)  # p = 0 drawn at min_pvalue
    assert [r["significant"] for r in rows] == ["yes", "no", "yes"]
    assert spec["layer"][1]["encoding"]["x"]["datum"] == pytest.approx(-math.log10(0.05))
    with pytest.raises(InputError, match=r"p-values in \[0, 1\]"):
        significance_chart(df.assign(pvalue_adjusted=1.5))
    with pytest.raises(ParameterError, match=r"alpha must be in \(0, 1\)"):
        significance_chart(df, alpha=1.0)


# --------------------------------------------------------------------------- hostile names, export


def _all_charts(names: list[str]):
    a, b = names
    docs = pd.DataFrame({"umap_x": [0.0, 1.0, 2.0, 3.0], "umap_y": [0.0, 1.0, 0.0, 1.0],
                         "corpus": [a, a, b, b], "text": [EVIL] * 4, EVIL: [1.0, 2.0, 3.0, 4.0]})
    depth = pd.DataFrame({"reference": [a, a, b, b], "corpus": [a, b, a, b], "depth": [1.0, 0.5, 0.7, 1.2]})
    return [
        map_chart(docs, tooltip_columns=[EVIL]),
        map_chart(docs, color=EVIL),
        depth_histogram(depth),
        k_occurrence_histogram(pd.DataFrame({"k_occurrence": [0, 3], EVIL: [a, b]}), group=EVIL, k=2),
        eigenspectrum_chart(pd.DataFrame({"component": [1, 2, 1, 2], "eigenvalue": [2.0, 1.0, 3.0, 1.0],
                                          "corpus": [a, a, b, b]})),
        zipf_chart(pd.DataFrame({"rank": [1, 2, 1, 2], "frequency": [9, 3, 8, 2], "corpus": [a, a, b, b]})),
        shift_bar_chart(pd.DataFrame({"word": [EVIL, "w"], "shift": [0.4, 0.2], "neighbours_a": [EVIL, "x"]})),
        significance_chart(pd.DataFrame({"test": [EVIL], "reference": [a], "other": [b], "pvalue_adjusted": [0.2]})),
    ]


def test_every_chart_draws_with_hostile_corpus_and_column_names():
    # U+2028 broke Vega's expression parser when names reached an expression (sort arrays, tooltip
    # titles); quotes and markup must stay text in the SVG.
    for chart in _all_charts([EVIL, "plain"]):
        svg = chart_to_svg(chart)
        assert svg.startswith("<svg") and "<script" not in svg and "<img" not in svg


def test_chart_to_svg_and_png(docs):
    chart = map_chart(docs)
    svg = chart_to_svg(chart)
    assert svg.startswith("<svg") and svg.count('class="mark-symbol') >= 1
    png = chart_to_png(chart, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width > 600  # the 640-pixel plot plus legend
    assert int.from_bytes(chart_to_png(chart, scale=2)[16:20], "big") == 2 * width
    with pytest.raises(ParameterError, match="scale must be positive"):
        chart_to_png(chart, scale=0)


def test_export_never_fetches_urls():
    spec = {"data": {"url": "https://example.com/data.csv"}, "mark": "point",
            "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    with pytest.raises(InputError, match="could not be converted to SVG"):
        chart_to_svg(spec)


def test_chart_to_spec_forces_inline_data(tmp_path, monkeypatch, rng):
    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame({"x": rng.normal(size=6_000)})  # a DataFrame, above the 5,000-row limit
    chart = alt.Chart(df).mark_tick().encode(x="x:Q")
    with alt.data_transformers.enable("json"):  # would write a file and reference it by URL
        spec = chart_to_spec(chart)
    assert list(tmp_path.iterdir()) == []
    assert len(values_of(spec)) == 6_000
    assert "$schema" not in spec and "usermeta" not in spec
    with pytest.raises(InputError, match="must be an Altair chart or a Vega-Lite dict"):
        chart_to_spec(42)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30),
       st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_rows_in_region_returns_exactly_the_points_inside(xs, bounds):
    n = len(xs)
    df = pd.DataFrame({"umap_x": xs, "umap_y": list(reversed(xs))})
    lo, hi = sorted([bounds[0], bounds[-1]])
    got = rows_in_region(df, {"umap_x": [hi, lo]})
    assert got.index.tolist() == [i for i in range(n) if lo <= xs[i] <= hi]
