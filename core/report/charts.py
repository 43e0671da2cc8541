"""Altair chart builders for the dashboard, the HTML report and PNG/SVG export.

Every builder takes a plain :class:`pandas.DataFrame` (column names are parameters, so the builders do
not depend on the result classes of ``core.analysis``) and returns an Altair chart that tests inspect
through ``chart.to_dict()``.

Choices the specification leaves open, and why:

- **Data is always inline.** Each builder copies the columns it needs into the chart as
  ``alt.InlineData`` (Altair files them under the top-level ``datasets``), never as a URL or a file,
  so the HTML report opens offline. Inline data also bypasses Altair's ``MaxRowsError`` (5,000
  rows), which only guards DataFrames. The flip side: the builders never sample. Large maps must be
  sampled by the caller (``DataFrame.sample(n, random_state=...)``) and the true size passed as
  ``n_total`` so that the chart says "showing N of M documents".
- **Column names are renamed** to fixed internal field names (``umap_x``, ``corpus``, ``value``, ...)
  and the user's names are kept as axis/legend titles. Vega-Lite reads ``.`` and ``[ ]`` in a field
  name as nested access and Altair reads ``:`` as a type shorthand, so a metadata column called
  ``"score.v2"`` or ``"a:b"`` would otherwise silently plot nothing.
- **Tooltips are text, never HTML.** Vega renders SVG text; the tooltip handler of vega-embed
  (vega-tooltip) escapes ``&`` and ``<`` of every key and value by default (``sanitize``). Nothing
  here changes that handler, and no spec sets ``usermeta.embedOptions``. One key is special in
  vega-tooltip: a tooltip entry titled ``image`` becomes ``<img src=...>``, which would let a document
  text trigger a network request; tooltip titles are therefore never ``image``/``title``
  (see :func:`_tooltip_title`). Tooltip texts are truncated (200 characters by default).
- **Colours**: corpora get the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), which
  stays distinguishable under the common colour-vision deficiencies; beyond its 8 colours Tableau-20
  colours follow (distinct, not all colour-blind safe). Quantitative colour uses ``viridis``. Pass the
  same ``corpus_order`` to every chart of one analysis and each corpus keeps its colour everywhere.
- **Charts are not configured** (no ``.configure_*``), so callers may concatenate or layer them;
  :data:`CHART_CONFIG` is applied when the chart is embedded (report) or exported (PNG/SVG).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.exceptions import InputError, ParameterError

__all__ = [
    "CHART_CONFIG",
    "OKABE_ITO",
    "corpus_colors",
    "depth_histogram",
    "eigenspectrum_chart",
    "k_occurrence_histogram",
    "map_chart",
    "rows_in_region",
    "truncate_text",
    "zipf_chart",
]

#: Okabe & Ito (2008) colour-blind-safe palette, reordered so that the first colours are the most
#: distinct on white (the yellow, hard to see on white, comes last).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442",
)
# Tableau-20, used after Okabe–Ito is exhausted (9+ categories).
_TABLEAU20: tuple[str, ...] = (
    "#4E79A7", "#A0CBE8", "#F28E2B", "#FFBE7D", "#59A14F", "#8CD17D", "#B6992D", "#F1CE63",
    "#499894", "#86BCB6", "#E15759", "#FF9D9A", "#79706E", "#BAB0AC", "#D37295", "#FABFD2",
    "#B07AA1", "#D4A6C8", "#9D7660", "#D7B5A6",
)

#: Vega-Lite ``config`` applied by the HTML report and by :func:`chart_to_png` / :func:`chart_to_svg`.
CHART_CONFIG: dict[str, Any] = {
    "font": "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif",
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 220},
    "title": {"fontSize": 14, "subtitleFontSize": 12, "subtitleColor": "#555555", "anchor": "start"},
    "header": {"labelFontSize": 12, "titleFontSize": 12},
    "view": {"stroke": "#dddddd"},
}

_SAFE_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x1f\x7f\u2028\u2029]")
# vega-tooltip renders these two keys specially (image -> <img src>, title -> heading)
_RESERVED_TOOLTIP_KEYS = {"image", "title"}


# --------------------------------------------------------------------------- helpers


def _alt():
    try:
        import altair as alt
    except ImportError as exc:  # pragma: no cover - altair is a core dependency
        raise ImportError("charts need altair: pip install 'altair>=5.2'") from exc
    return alt


def palette(n: int) -> list[str]:
    """``n`` colours: Okabe–Ito first, then Tableau-20, then repeating (documented, unavoidable)."""
    base = list(OKABE_ITO) + list(_TABLEAU20)
    return [base[i % len(base)] for i in range(n)]


def corpus_colors(names: Iterable[str]) -> dict[str, str]:
    """Map each corpus name to a colour, in the given order (duplicates keep their first colour).

    Parameters
    ----------
    names : iterable of str
        Corpus names in the order the analysis lists them.

    Returns
    -------
    dict
        ``{name: "#RRGGBB"}``; the first 8 colours are Okabe–Ito (colour-blind safe).
    """
    unique = list(dict.fromkeys(str(n) for n in names))
    return dict(zip(unique, palette(len(unique))))


def truncate_text(text: Any, max_chars: int = 200) -> str:
    """Collapse whitespace and cut ``text`` to at most ``max_chars`` characters (ending in "…")."""
    if max_chars < 2:
        raise ParameterError(f"max_chars must be at least 2, got {max_chars}")
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = _WHITESPACE.sub(" ", str(text)).strip()
    return s if len(s) <= max_chars else s[: max_chars - 1].rstrip() + "…"


def _require_frame(df: Any, columns: Sequence[str], *, name: str = "df") -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{name} lacks the column(s) {missing}; it has {[str(c) for c in df.columns]}. "
            "Pass the right column names as keyword arguments."
        )
    return df


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records: numpy scalars become Python numbers, NaN/inf become null, dates ISO text."""
    if frame.empty:
        return []
    return json.loads(frame.to_json(orient="records", date_format="iso", double_precision=15,
                                    force_ascii=False, default_handler=str))


def _inline(frame: pd.DataFrame):
    return _alt().InlineData(values=_records(frame))


def _order(values: pd.Series, order: Sequence[str] | None) -> list[str]:
    present = [str(v) for v in pd.unique(values.astype(str))]
    if order is None:
        return present
    order = [str(o) for o in order]
    return order + [v for v in present if v not in order]


def _label(text: Any) -> str:
    """User text for a title: Vega-Lite compiles tooltip titles into an expression whose parser
    rejects U+2028/U+2029 and control characters (the chart would fail to draw), so those become
    spaces."""
    return _CONTROL.sub(" ", str(text))


def _corpus_color(field: str, domain: list[str], title: str):
    # The order comes from the scale domain only: an explicit ``sort`` array would make Vega-Lite
    # compile the (user-supplied) names into an expression, which U+2028 in a name breaks.
    alt = _alt()
    return alt.Color(field=field, type="nominal", title=_label(title),
                     scale=alt.Scale(domain=domain, range=palette(len(domain))))


def _tooltip_title(title: str, taken: set[str]) -> str:
    t = _label(title)
    if t.strip().lower() in _RESERVED_TOOLTIP_KEYS:
        t = f"{t} (column)"
    while t in taken:
        t = t + " "
    taken.add(t)
    return t


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


# --------------------------------------------------------------------------- map


def map_chart(
    df: pd.DataFrame,
    *,
    color: str = "corpus",
    color_type: str | None = None,
    tooltip_text: str | None = "text",
    tooltip_columns: Sequence[str] = (),
    max_text_chars: int = 200,
    n_total: int | None = None,
    corpus_order: Sequence[str] | None = None,
    x: str = "umap_x",
    y: str = "umap_y",
    title: str = "Map of the documents (UMAP)",
    width: int = 640,
    height: int = 480,
    selectable: bool = True,
):
    """Scatter plot of a 2-D projection (UMAP), one point per document.

    Parameters
    ----------
    df : DataFrame, shape (n_documents, ...)
        Must hold ``x``, ``y`` and ``color`` columns; ``tooltip_text`` and ``tooltip_columns`` if given.
        Already sampled by the caller for large corpora (the chart never samples).
    color : str
        Column to colour by: the corpus, a label, depth, N_k, a classifier probability ...
    color_type : {"nominal", "quantitative", None}
        ``None`` infers it: numeric columns are quantitative (viridis), others nominal. The column
        ``"corpus"`` (nominal) uses the corpus palette of :func:`corpus_colors`.
    tooltip_text : str or None
        Column with the document text, shown truncated to ``max_text_chars`` on hover.
    tooltip_columns : sequence of str
        Extra columns to show on hover (e.g. ``doc_id``, ``depth``).
    n_total : int, optional
        Number of documents before sampling; when larger than ``len(df)`` the subtitle reads
        "showing N of M documents".
    corpus_order : sequence of str, optional
        Order (and so colours) of the corpora; default: order of first appearance.
    selectable : bool
        Add an interval selection parameter named ``region`` (drag a rectangle); the dashboard reads
        it with ``st.altair_chart(..., on_select="rerun")`` and :func:`rows_in_region`.

    Returns
    -------
    altair.Chart
    """
    alt = _alt()
    needed = [x, y, color] + ([tooltip_text] if tooltip_text else []) + list(tooltip_columns)
    _require_frame(df, needed)
    if max_text_chars < 2:
        raise ParameterError(f"max_text_chars must be at least 2, got {max_text_chars}")
    if color_type not in (None, "nominal", "quantitative", "ordinal"):
        raise ParameterError(
            f"color_type must be 'nominal', 'quantitative', 'ordinal' or None, got {color_type!r}")
    if n_total is not None and n_total < len(df):
        raise ParameterError(f"n_total ({n_total}) cannot be smaller than the rows shown ({len(df)})")
    for col in (x, y):
        if not _is_numeric(df[col]):
            raise InputError(f"column {col!r} must be numeric (map coordinates), got {df[col].dtype}")

    data = pd.DataFrame({"umap_x": df[x].to_numpy(), "umap_y": df[y].to_numpy()})
    if color_type is None:
        color_type = "quantitative" if _is_numeric(df[color]) else "nominal"
    if color_type == "quantitative":
        data["color_value"] = pd.to_numeric(df[color], errors="coerce").to_numpy()
        color_enc = alt.Color(field="color_value", type="quantitative", title=_label(color),
                              scale=alt.Scale(scheme="viridis"))
    else:
        data["color_value"] = df[color].astype(str).to_numpy()
        domain = _order(df[color], corpus_order if color == "corpus" else None)
        color_enc = _corpus_color("color_value", domain, str(color))

    taken: set[str] = set()
    tooltips = [alt.Tooltip(field="color_value", type=color_type, title=_tooltip_title(color, taken),
                            **({"format": ".4~g"} if color_type == "quantitative" else {}))]
    if tooltip_text:
        data["tooltip_text"] = [truncate_text(t, max_text_chars) for t in df[tooltip_text]]
        tooltips.append(alt.Tooltip(field="tooltip_text", type="nominal",
                                    title=_tooltip_title(tooltip_text, taken)))
    for i, col in enumerate(tooltip_columns):
        field = f"extra_{i}"
        values = df[col]
        if _is_numeric(values):
            data[field] = values.to_numpy()
            tip = alt.Tooltip(field=field, type="quantitative", title=_tooltip_title(col, taken),
                              format=".4~g")
        else:
            data[field] = [truncate_text(v, max_text_chars) for v in values]
            tip = alt.Tooltip(field=field, type="nominal", title=_tooltip_title(col, taken))
        tooltips.append(tip)

    n = len(df)
    subtitle = (f"showing {n:,} of {n_total:,} documents (random sample)"
                if n_total is not None and n_total > n else f"{n:,} documents")
    size = 40 if n <= 2_000 else 18 if n <= 10_000 else 8
    chart = (
        alt.Chart(_inline(data), title=alt.Title(_label(title), subtitle=subtitle))
        .mark_circle(size=size)
        .encode(
            x=alt.X(field="umap_x", type="quantitative", title="UMAP 1",
                    scale=alt.Scale(zero=False), axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y(field="umap_y", type="quantitative", title="UMAP 2",
                    scale=alt.Scale(zero=False), axis=alt.Axis(labels=False, ticks=False)),
            color=color_enc,
            tooltip=tooltips,
        )
        .properties(width=width, height=height)
    )
    if selectable:
        region = alt.selection_interval(name="region", encodings=["x", "y"])
        chart = chart.add_params(region).encode(
            opacity=alt.condition(region, alt.value(0.75), alt.value(0.12)))
    else:
        chart = chart.encode(opacity=alt.value(0.75))
    return chart


def rows_in_region(df: pd.DataFrame, region: Mapping[str, Sequence[float]] | None, *,
                   x: str = "umap_x", y: str = "umap_y") -> pd.DataFrame:
    """Rows of ``df`` inside an interval selection of :func:`map_chart`.

    Parameters
    ----------
    df : DataFrame
        The frame the map was drawn from (with ``x`` and ``y`` columns).
    region : mapping or None
        The selection as Streamlit reports it: ``{"umap_x": [lo, hi], "umap_y": [lo, hi]}``
        (``event.selection["region"]``). ``None`` or empty (nothing selected) gives no rows.

    Returns
    -------
    DataFrame
        The rows with ``lo <= coordinate <= hi`` on every selected axis, in their original order.
    """
    _require_frame(df, [x, y])
    if not region:
        return df.iloc[0:0]
    mask = np.ones(len(df), dtype=bool)
    for field, column in (("umap_x", x), ("umap_y", y)):
        bounds = region.get(field)
        if bounds is None:
            continue
        if len(bounds) != 2:
            raise ParameterError(f"region[{field!r}] must be [low, high], got {bounds!r}")
        lo, hi = sorted(float(b) for b in bounds)
        values = df[column].to_numpy(dtype=float)
        mask &= (values >= lo) & (values <= hi)
    return df[mask]


# --------------------------------------------------------------------------- distributions


def depth_histogram(
    df: pd.DataFrame,
    *,
    reference: str = "reference",
    corpus: str = "corpus",
    depth: str = "depth",
    corpus_order: Sequence[str] | None = None,
    bins: int = 30,
    width: int = 300,
    height: int = 200,
):
    """Histograms of depth, one panel per reference corpus, coloured by the documents' corpus.

    The depth rank-sum test (Seegmiller & Preum, EMNLP 2023) compares, for a reference corpus F, the
    depths of F's own documents (leave-one-out) with those of another corpus G, both with respect to
    F; it runs in both directions. One panel per direction shows exactly what each test compares.

    Parameters
    ----------
    df : DataFrame, long format
        One row per (reference, document): ``reference`` (corpus the depth is computed against),
        ``corpus`` (corpus the document belongs to), ``depth`` (in [0, 2]).
    bins : int
        Maximum number of bins.
    """
    alt = _alt()
    _require_frame(df, [reference, corpus, depth])
    if bins < 2:
        raise ParameterError(f"bins must be at least 2, got {bins}")
    data = pd.DataFrame({"reference": df[reference].astype(str).to_numpy(),
                         "corpus": df[corpus].astype(str).to_numpy(),
                         "depth": pd.to_numeric(df[depth], errors="coerce").to_numpy()})
    domain = _order(df[corpus], corpus_order)
    ref_order = _order(df[reference], corpus_order)
    data["reference_rank"] = data["reference"].map({r: i for i, r in enumerate(ref_order)})
    return (
        alt.Chart(_inline(data))
        .mark_bar(opacity=0.55, binSpacing=0)
        .encode(
            x=alt.X(field="depth", type="quantitative", bin=alt.Bin(maxbins=bins),
                    title="depth (larger = more central)"),
            y=alt.Y(aggregate="count", type="quantitative", title="documents", stack=None),
            color=_corpus_color("corpus", domain, "documents of"),
            tooltip=[alt.Tooltip(field="corpus", type="nominal", title="documents of"),
                     alt.Tooltip(aggregate="count", type="quantitative", title="documents")],
        )
        .properties(width=width, height=height)
        .facet(column=alt.Facet(field="reference", type="nominal", title="depth with respect to",
                                sort=alt.EncodingSortField(field="reference_rank", op="min")))
        .properties(title="Depth of each corpus's documents, per reference corpus")
    )


def k_occurrence_histogram(
    df: pd.DataFrame,
    *,
    k_occurrence: str = "k_occurrence",
    group: str | None = "corpus",
    k: int | None = None,
    width: int = 420,
    height: int = 140,
):
    """Distribution of the k-occurrence N_k (how often each point is among others' k nearest).

    Hubness (Radovanović et al., JMLR 2010) shows as a long right tail: a few hubs with N_k far above
    k, many antihubs with N_k = 0. One row of panels per ``group`` (corpus, space or reduction
    method, e.g. before/after mutual proximity).

    Parameters
    ----------
    df : DataFrame
        ``k_occurrence`` (non-negative integers) and optionally ``group``.
    k : int, optional
        Neighbourhood size; draws a rule at N_k = k (the mean of N_k).
    """
    alt = _alt()
    _require_frame(df, [k_occurrence] + ([group] if group else []))
    if k is not None and k < 1:
        raise ParameterError(f"k must be a positive integer, got {k}")
    values = pd.to_numeric(df[k_occurrence], errors="coerce")
    if (values < 0).any():
        raise InputError(f"column {k_occurrence!r} must be non-negative counts")
    data = pd.DataFrame({"n_k": values.to_numpy()})
    data["group"] = df[group].astype(str).to_numpy() if group else "all"
    vmax = float(np.nanmax(values)) if len(values) else 0.0
    binning = alt.Bin(step=1) if vmax <= 60 else alt.Bin(maxbins=60)
    bars = alt.Chart().mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X(field="n_k", type="quantitative", bin=binning, title="N_k (k-occurrence)",
                axis=alt.Axis(format="d")),
        y=alt.Y(aggregate="count", type="quantitative", title="points"),
        tooltip=[alt.Tooltip(field="n_k", type="quantitative", bin=binning, title="N_k"),
                 alt.Tooltip(aggregate="count", type="quantitative", title="points")],
    ).properties(width=width, height=height)
    layer = bars
    if k is not None:
        rule = alt.Chart().mark_rule(color=OKABE_ITO[4], strokeDash=[4, 3]).encode(
            x=alt.datum(k))
        layer = alt.layer(bars, rule)
    order = _order(data["group"], None)
    data["group_rank"] = data["group"].map({g: i for i, g in enumerate(order)})
    return alt.layer(layer, data=_inline(data)).facet(
        row=alt.Facet(field="group", type="nominal", title=_label(group) if group else None,
                      sort=alt.EncodingSortField(field="group_rank", op="min"))
    ).properties(title="k-occurrence distribution" + (f" (k = {k})" if k else ""))


def eigenspectrum_chart(
    df: pd.DataFrame,
    *,
    component: str = "component",
    value: str = "eigenvalue",
    group: str | None = "corpus",
    normalize: bool = True,
    log_y: bool = True,
    corpus_order: Sequence[str] | None = None,
    width: int = 480,
    height: int = 260,
):
    """Eigenvalue spectrum of the covariance, one line per group (corpus, space, before/after).

    A flat spectrum means isotropic spread; a steep drop means a few directions dominate (Rudman et
    al., IsoScore; Marbut et al., ICML 2023).

    Parameters
    ----------
    df : DataFrame, long format
        ``component`` (1-based index), ``value`` (eigenvalue, >= 0) and optionally ``group``.
    normalize : bool
        Divide each group's eigenvalues by their sum (share of variance), so spaces of different
        scale are comparable.
    log_y : bool
        Logarithmic y axis; non-positive values are dropped from a log plot (they cannot be drawn).
    """
    alt = _alt()
    _require_frame(df, [component, value] + ([group] if group else []))
    data = pd.DataFrame({"component": pd.to_numeric(df[component], errors="coerce").to_numpy(),
                         "value": pd.to_numeric(df[value], errors="coerce").to_numpy(dtype=float)})
    data["group"] = df[group].astype(str).to_numpy() if group else "all"
    if (data["value"] < 0).any():
        raise InputError(f"column {value!r} holds negative eigenvalues; pass eigenvalues of a covariance")
    if normalize:
        totals = data.groupby("group")["value"].transform("sum")
        data["value"] = np.where(totals > 0, data["value"] / totals.where(totals > 0, 1.0), np.nan)
    if log_y:
        data = data[data["value"] > 0]
    domain = _order(data["group"], corpus_order)
    y_title = "share of variance" if normalize else str(value)
    return (
        alt.Chart(_inline(data), title="Eigenvalue spectrum")
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X(field="component", type="quantitative", title="principal component"),
            y=alt.Y(field="value", type="quantitative", title=y_title,
                    scale=alt.Scale(type="log") if log_y else alt.Scale()),
            color=_corpus_color("group", domain, _label(group) if group else "series"),
            tooltip=[alt.Tooltip(field="group", type="nominal", title=_label(group) if group else "series"),
                     alt.Tooltip(field="component", type="quantitative", title="component"),
                     alt.Tooltip(field="value", type="quantitative", title=y_title, format=".3g")],
        )
        .properties(width=width, height=height)
    )


def _log_thin(ranks: np.ndarray, max_points: int) -> np.ndarray:
    """Indices of about ``max_points`` ranks evenly spaced on a log axis (always first and last)."""
    n = len(ranks)
    if n <= max_points:
        return np.arange(n)
    grid = np.unique(np.round(np.geomspace(1, n, max_points)).astype(int) - 1)
    return grid


def zipf_chart(
    df: pd.DataFrame,
    *,
    rank: str = "rank",
    frequency: str = "frequency",
    corpus: str = "corpus",
    corpus_order: Sequence[str] | None = None,
    max_points: int = 400,
    width: int = 480,
    height: int = 300,
):
    """Rank–frequency plot on log–log axes, one line per corpus (Zipf's law: a straight line).

    Parameters
    ----------
    df : DataFrame, long format
        One row per (corpus, word): ``rank`` (1 = most frequent) and ``frequency`` (count > 0).
    max_points : int
        Per corpus, keep about this many ranks evenly spaced on the log axis: a 100,000-word
        vocabulary then costs 400 points per line and draws the same curve. Rows with a
        non-positive rank or frequency are dropped (a log axis cannot show them).
    """
    alt = _alt()
    _require_frame(df, [rank, frequency, corpus])
    if max_points < 2:
        raise ParameterError(f"max_points must be at least 2, got {max_points}")
    data = pd.DataFrame({"rank": pd.to_numeric(df[rank], errors="coerce").to_numpy(dtype=float),
                         "frequency": pd.to_numeric(df[frequency], errors="coerce").to_numpy(dtype=float),
                         "corpus": df[corpus].astype(str).to_numpy()})
    data = data[(data["rank"] > 0) & (data["frequency"] > 0)]
    parts = []
    for _, part in data.groupby("corpus", sort=False):
        part = part.sort_values("rank")
        parts.append(part.iloc[_log_thin(part["rank"].to_numpy(), max_points)])
    data = pd.concat(parts, ignore_index=True) if parts else data
    domain = _order(df[corpus], corpus_order)
    return (
        alt.Chart(_inline(data), title=alt.Title("Rank–frequency (Zipf) plot",
                                                  subtitle="log–log axes; Zipf's law is a straight line"))
        .mark_line()
        .encode(
            x=alt.X(field="rank", type="quantitative", scale=alt.Scale(type="log"), title="rank"),
            y=alt.Y(field="frequency", type="quantitative", scale=alt.Scale(type="log"),
                    title="frequency"),
            color=_corpus_color("corpus", domain, "corpus"),
            tooltip=[alt.Tooltip(field="corpus", type="nominal", title="corpus"),
                     alt.Tooltip(field="rank", type="quantitative", title="rank"),
                     alt.Tooltip(field="frequency", type="quantitative", title="frequency")],
        )
        .properties(width=width, height=height)
    )
