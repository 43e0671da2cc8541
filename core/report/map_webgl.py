"""The dashboard's map drawn with WebGL (Plotly ``scattergl``): every document, up to hundreds of thousands.

The Vega-Lite map of :func:`core.report.charts.map_chart` draws SVG or canvas marks and becomes slow
beyond a few thousand points, so the dashboard used to draw a sample. Plotly's ``scattergl`` trace
draws points with WebGL; Streamlit ships plotly.js in its own front end (``st.plotly_chart``), so
nothing is fetched from the network, and reports box and lasso selections back to Python. This module
builds the figure and turns a selection into rows; it has no Streamlit code.

Choices, documented here:

- **One trace per category** when colouring by corpus or a label (a legend entry each, colours of
  :func:`core.report.charts.corpus_colors`), one trace with a viridis colour scale for a numeric
  measure. Each point carries its row number in ``customdata``.
- **Hover text** is the document's text cut to ``max_text_chars`` characters (fewer above 20,000
  points, to keep the page's data small), HTML-escaped: Plotly interprets a few HTML tags in hover
  text, and a document's text is data, never markup.
- **Selection** is decided on the server from the geometry Plotly reports (the box's ranges or the
  lasso's polygon) and the coordinates, not from the list of points the browser sends back, so the
  documents listed are exactly those whose coordinates lie inside, whatever was drawn.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.exceptions import InputError, ParameterError

__all__ = ["map_figure", "rows_in_selection", "selection_bounds"]

_LONG = 20_000


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _hover(df: pd.DataFrame, text: str | None, columns: Sequence[str], max_chars: int) -> np.ndarray:
    from core.report.charts import truncate_text

    parts: list[list[str]] = []
    for col in columns:
        values = df[col]
        if _numeric(values):
            shown = [f"{v:.4g}" if np.isfinite(v) else "" for v in pd.to_numeric(values, errors="coerce")]
        else:
            shown = [truncate_text(v, 60) for v in values]
        parts.append([html.escape(f"{col}: {v}", quote=False) for v in shown])
    if text:
        parts.append([html.escape(truncate_text(t, max_chars), quote=False) for t in df[text]])
    return np.array(["<br>".join(row) for row in zip(*parts)], dtype=object) if parts else \
        np.array([""] * len(df), dtype=object)


def map_figure(df: pd.DataFrame, *, color: str = "corpus", tooltip_text: str | None = "text",
               tooltip_columns: Sequence[str] = (), max_text_chars: int = 200,
               corpus_order: Sequence[str] | None = None, x: str = "umap_x", y: str = "umap_y",
               height: int = 560) -> Any:
    """A WebGL scatter plot of the documents' map coordinates, one point per row of ``df``.

    Parameters
    ----------
    df : DataFrame, shape (n, ...)
        ``x``, ``y`` and ``color`` columns (and the hover columns); rows with non-finite coordinates
        are not drawn.
    color : str
        Column to colour by: ``"corpus"``, a label (one legend entry per value) or a numeric measure
        (viridis scale).
    tooltip_text : str or None
        Column of the document text shown on hover, cut to ``max_text_chars`` (100 above 20,000 rows).
    tooltip_columns : sequence of str
        Further columns shown on hover.
    corpus_order : sequence of str, optional
        Order of the categories (and so of the colours) when colouring by corpus.
    height : int
        Height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        Drag mode "select" (box); each point's ``customdata`` is its row number in ``df``.
    """
    import plotly.graph_objects as go

    from core.report.charts import corpus_colors

    needed = [x, y, color] + ([tooltip_text] if tooltip_text else []) + list(tooltip_columns)
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InputError(f"df has no column(s) {missing}; it has {list(df.columns)}")
    if max_text_chars < 2:
        raise ParameterError(f"max_text_chars must be at least 2, got {max_text_chars}")
    xs = pd.to_numeric(df[x], errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(df[y], errors="coerce").to_numpy(dtype=float)
    keep = np.flatnonzero(np.isfinite(xs) & np.isfinite(ys))
    n = keep.size
    chars = max_text_chars if n <= _LONG else min(max_text_chars, 100)
    hover = _hover(df.iloc[keep], tooltip_text, tooltip_columns, chars)
    size = 6 if n <= 2_000 else 4 if n <= 20_000 else 2.5
    fig = go.Figure()
    values = df[color].iloc[keep]
    if _numeric(values):
        fig.add_trace(go.Scattergl(
            x=xs[keep], y=ys[keep], mode="markers", customdata=keep, hovertext=hover, hoverinfo="text",
            name=str(color), showlegend=False,
            marker={"size": size, "opacity": 0.8, "color": pd.to_numeric(values, errors="coerce").to_numpy(),
                    "colorscale": "Viridis", "colorbar": {"title": {"text": html.escape(str(color))}}}))
    else:
        labels = values.astype(str).to_numpy()
        order = [str(c) for c in corpus_order] if color == "corpus" and corpus_order else []
        order += [v for v in pd.unique(labels) if v not in order]
        colours = corpus_colors(order)
        for name in order:
            idx = np.flatnonzero(labels == name)
            if idx.size == 0:
                continue
            fig.add_trace(go.Scattergl(
                x=xs[keep[idx]], y=ys[keep[idx]], mode="markers", customdata=keep[idx], hovertext=hover[idx],
                hoverinfo="text", name=html.escape(name, quote=False),
                marker={"size": size, "opacity": 0.8, "color": colours[name]}))
    fig.update_layout(height=height, dragmode="select", margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"title": {"text": html.escape(str(color))}, "itemsizing": "constant"},
                      xaxis={"title": {"text": "UMAP 1"}, "showticklabels": False, "zeroline": False},
                      yaxis={"title": {"text": "UMAP 2"}, "showticklabels": False, "zeroline": False},
                      hoverlabel={"align": "left"})
    return fig


def selection_bounds(selection: Mapping[str, Any] | None) -> tuple[list, list]:
    """The boxes and lassos of a Streamlit Plotly selection event (``event.selection``).

    Returns
    -------
    (boxes, lassos)
        ``boxes``: list of ``(x0, x1, y0, y1)`` with ``x0 <= x1`` and ``y0 <= y1``; ``lassos``: list of
        (m, 2) arrays of polygon vertices.
    """
    if not selection:
        return [], []
    boxes, lassos = [], []
    for box in selection.get("box") or []:
        xs, ys = box.get("x") or [], box.get("y") or []
        if len(xs) >= 2 and len(ys) >= 2:
            boxes.append((min(xs), max(xs), min(ys), max(ys)))
    for lasso in selection.get("lasso") or []:
        xs, ys = lasso.get("x") or [], lasso.get("y") or []
        if len(xs) >= 3 and len(xs) == len(ys):
            lassos.append(np.column_stack([np.asarray(xs, float), np.asarray(ys, float)]))
    return boxes, lassos


def _in_polygon(px: np.ndarray, py: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd rule (ray casting), vectorised over the points; O(n m) for m vertices."""
    inside = np.zeros(px.shape, dtype=bool)
    x0, y0 = poly[-1]
    for x1, y1 in poly:
        crosses = (y1 > py) != (y0 > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = (x0 - x1) * (py - y1) / (y0 - y1) + x1
        inside ^= crosses & (px < at)
        x0, y0 = x1, y1
    return inside


def rows_in_selection(df: pd.DataFrame, selection: Mapping[str, Any] | None, *, x: str = "umap_x",
                      y: str = "umap_y") -> pd.DataFrame:
    """Rows of ``df`` inside any box or lasso of a Plotly selection (``event.selection``).

    Parameters
    ----------
    df : DataFrame
        The frame the map was drawn from.
    selection : mapping or None
        ``{"box": [{"x": [x0, x1], "y": [y0, y1]}, ...], "lasso": [{"x": [...], "y": [...]}, ...]}``
        as Streamlit reports it. None or empty: no rows.

    Returns
    -------
    DataFrame
        Rows with ``x0 <= x <= x1`` and ``y0 <= y <= y1`` for some box, or inside some lasso
        polygon (even-odd rule), in their original order.
    """
    boxes, lassos = selection_bounds(selection)
    if not boxes and not lassos:
        return df.iloc[0:0]
    px = pd.to_numeric(df[x], errors="coerce").to_numpy(dtype=float)
    py = pd.to_numeric(df[y], errors="coerce").to_numpy(dtype=float)
    mask = np.zeros(len(df), dtype=bool)
    for x0, x1, y0, y1 in boxes:
        mask |= (px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)
    for poly in lassos:
        mask |= _in_polygon(px, py, poly)
    return df[mask]
