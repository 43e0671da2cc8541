"""Ranking charts: the words that moved most between two corpora, and the tests of a comparison
against their significance threshold. The conventions of every chart are in :mod:`core.report.charts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.exceptions import InputError, ParameterError
from core.report.charts import (
    OKABE_ITO,
    _alt,
    _inline,
    _is_numeric,
    _label,
    _require_frame,
    _tooltip_title,
    truncate_text,
)

__all__ = ["shift_bar_chart", "significance_chart"]


def shift_bar_chart(
    df: pd.DataFrame,
    *,
    word: str = "word",
    shift: str = "shift",
    noise: str | None = "noise",
    top: int = 20,
    tooltip_columns: Sequence[str] = ("freq_a", "freq_b", "neighbours_a", "neighbours_b"),
    title: str = "Words whose meaning shifted most",
    width: int = 420,
):
    """Horizontal bars of the ``top`` words by semantic shift (CADE; Bianchi et al. 2020).

    With a ``noise`` column (the calibrated word shift, :mod:`core.analysis.shift.calibrate`) each bar
    is the word's shift in two parts, the noise expected at its frequency (grey) and the shift beyond it
    (coloured), and the words are ranked by the part beyond noise, as the word-shift table is: a long
    bar that is mostly grey is a rare or varied word, not a shifted one. Without it (``noise=None``,
    the column absent or empty, as in analyses saved before the calibration) the bars are the shift
    alone, largest first.

    Parameters
    ----------
    df : DataFrame
        ``word`` and ``shift`` (1 − cosine between the word's vectors in two corpora), optionally
        ``noise``; columns named in ``tooltip_columns`` are shown on hover when present (missing ones
        are skipped).
    top : int
        Number of words shown, most shifted first.
    """
    alt = _alt()
    _require_frame(df, [word, shift])
    if top < 1:
        raise ParameterError(f"top must be a positive integer, got {top}")
    ranked = df.assign(_s=pd.to_numeric(df[shift], errors="coerce")).dropna(subset=["_s"])
    calibrated = noise is not None and noise in ranked.columns and \
        pd.to_numeric(ranked[noise], errors="coerce").notna().any()
    if calibrated:
        ranked = ranked.assign(_n=pd.to_numeric(ranked[noise], errors="coerce")).dropna(subset=["_n"])
        ranked = ranked.assign(_e=ranked["_s"] - ranked["_n"])
        ranked = ranked.sort_values("_e", ascending=False, kind="stable").head(top)
    else:
        ranked = ranked.sort_values("_s", ascending=False, kind="stable").head(top)
    data = pd.DataFrame({"word": ranked[word].astype(str).to_numpy(), "shift": ranked["_s"].to_numpy()})
    taken: set[str] = set()
    tooltips = [alt.Tooltip(field="word", type="nominal", title=_tooltip_title(word, taken)),
                alt.Tooltip(field="shift", type="quantitative", title=_tooltip_title(shift, taken),
                            format=".3f")]
    if calibrated:
        data["noise"] = ranked["_n"].to_numpy()
        data["beyond"] = ranked["_e"].to_numpy()
        tooltips += [alt.Tooltip(field="noise", type="quantitative", title="noise at this frequency",
                                 format=".3f"),
                     alt.Tooltip(field="beyond", type="quantitative", title="shift − noise", format=".3f")]
    for i, col in enumerate(c for c in tooltip_columns if c in df.columns):
        field = f"extra_{i}"
        vals = ranked[col]
        if _is_numeric(vals):
            data[field] = vals.to_numpy()
        else:
            data[field] = [truncate_text(", ".join(map(str, v)) if isinstance(v, (list, tuple, np.ndarray))
                                         else v, 200) for v in vals]
        tooltips.append(alt.Tooltip(field=field, type="quantitative" if _is_numeric(vals) else "nominal",
                                    title=_tooltip_title(col, taken)))
    x_title = "shift (1 − cosine)"
    if not calibrated:
        return (
            alt.Chart(_inline(data), title=_label(title))
            .mark_bar(color=OKABE_ITO[0])
            .encode(
                y=alt.Y(field="word", type="nominal", sort=None, title=None),
                x=alt.X(field="shift", type="quantitative", title=x_title),
                tooltip=tooltips,
            )
            .properties(width=width, height=max(60, 18 * len(data)))
        )
    # one row per word and part: the noise (at most the whole shift) and the part beyond it (at least 0)
    parts = ("noise at this frequency", "beyond noise")
    below = np.minimum(np.maximum(data["noise"].to_numpy(), 0.0), np.maximum(data["shift"].to_numpy(), 0.0))
    long = pd.concat([data.assign(part=parts[0], length=below, part_order=0),
                      data.assign(part=parts[1], length=np.maximum(data["shift"].to_numpy() - below, 0.0),
                                  part_order=1)], ignore_index=True)
    return (
        alt.Chart(_inline(long), title=_label(title))
        .mark_bar()
        .encode(
            y=alt.Y(field="word", type="nominal", sort=list(data["word"]), title=None),
            x=alt.X(field="length", type="quantitative", title=x_title, stack="zero"),
            color=alt.Color(field="part", type="nominal", title=None,
                            scale=alt.Scale(domain=list(parts), range=["#BBBBBB", OKABE_ITO[0]]),
                            legend=alt.Legend(orient="bottom")),
            order=alt.Order(field="part_order", type="quantitative"),
            tooltip=tooltips,
        )
        .properties(width=width, height=max(60, 18 * len(data)))
    )


def significance_chart(
    df: pd.DataFrame,
    *,
    test: str = "test",
    reference: str = "reference",
    other: str = "other",
    pvalue: str = "pvalue_adjusted",
    alpha: float = 0.05,
    min_pvalue: float = 1e-300,
    width: int = 420,
):
    """Dot plot of −log10 p per test and direction, with a rule at the significance level.

    Parameters
    ----------
    df : DataFrame
        One row per test and direction (the ``tests.csv`` layout of the output contract).
    pvalue : str
        Column of p-values to show; the multiple-testing-adjusted ones by default.
    alpha : float in (0, 1)
        Significance level drawn as a dashed rule; points right of it are significant.
    min_pvalue : float
        p-values below it (a p that underflowed to 0) are drawn at −log10(min_pvalue).
    """
    alt = _alt()
    _require_frame(df, [test, reference, other, pvalue])
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha}")
    p = pd.to_numeric(df[pvalue], errors="coerce").to_numpy(dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise InputError(f"column {pvalue!r} must hold p-values in [0, 1]")
    label = [f"{t}: {o} vs reference {r}" for t, r, o in zip(df[test].astype(str), df[reference].astype(str),
                                                   df[other].astype(str))]
    data = pd.DataFrame({"label": label, "p": p,
                         "neglog10p": -np.log10(np.clip(p, min_pvalue, 1.0)),
                         "significant": np.where(p < alpha, "yes", "no")})
    data.loc[np.isnan(p), "neglog10p"] = np.nan
    points = alt.Chart().mark_point(filled=True, size=70).encode(
        y=alt.Y(field="label", type="nominal", sort=None, title=None),
        x=alt.X(field="neglog10p", type="quantitative", title="−log10 p (right = stronger evidence)"),
        color=alt.Color(field="significant", type="nominal", title=f"p < {alpha:g}",
                        scale=alt.Scale(domain=["yes", "no"], range=[OKABE_ITO[4], "#888888"])),
        tooltip=[alt.Tooltip(field="label", type="nominal", title="test"),
                 alt.Tooltip(field="p", type="quantitative", title="p", format=".3g")],
    )
    rule = alt.Chart().mark_rule(strokeDash=[4, 3], color="#444444").encode(
        x=alt.datum(float(-np.log10(alpha))))
    return alt.layer(points, rule, data=_inline(data)).properties(
        title="Test results", width=width, height=max(60, 26 * len(data)))
