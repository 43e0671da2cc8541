"""Charts of the corpora's texts (document lengths) for the dashboard's Data page and the report.

Kept apart from :mod:`core.report.charts` (the charts of analysis results), following its rules:
data inline, user names only as titles, no ``configure_*`` call.
"""

from __future__ import annotations

import pandas as pd

from core.report.charts import _alt, _corpus_color, _inline, _order, _require_frame

__all__ = ["length_histogram"]


def length_histogram(lengths: pd.DataFrame, *, corpus_order: list[str] | None = None, width: int = 560,
                     height: int = 110):
    """Histogram of tokens per document, one row of panels per corpus.

    Parameters
    ----------
    lengths : DataFrame
        ``corpus, tokens_from, tokens_to, documents`` (see :func:`core.load.overview.length_frame`): one row
        per histogram bin ``[tokens_from, tokens_to)``.
    corpus_order : list of str, optional
        Order (and colours) of the corpora.
    """
    alt = _alt()
    _require_frame(lengths, ["corpus", "tokens_from", "tokens_to", "documents"], name="lengths")
    data = pd.DataFrame({"corpus": lengths["corpus"].astype(str), "start": lengths["tokens_from"].astype(float),
                         "end": lengths["tokens_to"].astype(float), "documents": lengths["documents"].astype(int)})
    order = _order(data["corpus"], corpus_order)
    data["rank"] = data["corpus"].map({c: i for i, c in enumerate(order)})
    bars = alt.Chart().mark_bar().encode(
        x=alt.X(field="start", type="quantitative", bin="binned", title="tokens per document"),
        x2=alt.X2(field="end"),
        y=alt.Y(field="documents", type="quantitative", title="documents"),
        color=_corpus_color("corpus", order, "corpus"),
        tooltip=[alt.Tooltip(field="start", type="quantitative", title="from (tokens)", format=".0f"),
                 alt.Tooltip(field="end", type="quantitative", title="to (tokens)", format=".0f"),
                 alt.Tooltip(field="documents", type="quantitative", title="documents")],
    ).properties(width=width, height=height)
    return alt.layer(bars, data=_inline(data)).facet(
        row=alt.Facet(field="corpus", type="nominal", title=None,
                      sort=alt.EncodingSortField(field="rank", op="min"))
    ).resolve_scale(y="independent").properties(title="Document lengths")
