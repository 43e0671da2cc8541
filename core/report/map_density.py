"""The report's map under a size budget: a density grid of every document beneath a sample of points.

report.html must stay a file one can e-mail and open anywhere, and each drawn point carries its hover
text (up to 200 characters), so drawing 50,000 documents as points would make a 15 MB+ file that a
browser draws slowly. The rule: every mappable document is counted in a grid of
``bins_x`` × ``bins_y`` cells over the map's extent (drawn as grey rectangles, darker for more
documents, so the shape of the whole corpus is visible), and at most ``map_max_points`` documents
(5,000 by default; a seeded random sample) are drawn as coloured points on top, with the counts
stated in the caption. Size: the grid adds at most ``bins_x * bins_y`` small records (about 150 kB
for 60 × 45), the points about 300 bytes each, so the map stays under 2 MB whatever the corpus size
(tested at 50,000 documents: the whole report under 15 MB).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.exceptions import ParameterError

__all__ = ["density_grid", "map_with_density"]


def density_grid(x: np.ndarray, y: np.ndarray, *, bins_x: int = 60, bins_y: int = 45) -> pd.DataFrame:
    """Counts of points per cell of a regular grid over their extent.

    Parameters
    ----------
    x, y : array, shape (n,)
        Finite coordinates.
    bins_x, bins_y : int
        Cells along each axis.

    Returns
    -------
    DataFrame
        ``x0, x1, y0, y1, documents``: one row per non-empty cell; the counts sum to ``n``.
    """
    if bins_x < 1 or bins_y < 1:
        raise ParameterError(f"bins_x and bins_y must be positive, got {bins_x}, {bins_y}")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ParameterError(f"x and y must be 1-d arrays of one length, got {x.shape} and {y.shape}")
    if x.size == 0:
        return pd.DataFrame(columns=["x0", "x1", "y0", "y1", "documents"])
    counts, ex, ey = np.histogram2d(x, y, bins=(bins_x, bins_y))
    i, j = np.nonzero(counts)
    return pd.DataFrame({"x0": ex[i], "x1": ex[i + 1], "y0": ey[j], "y1": ey[j + 1],
                         "documents": counts[i, j].astype(int)})


def map_with_density(all_docs: pd.DataFrame, shown: pd.DataFrame, *, bins_x: int = 60, bins_y: int = 45,
                     **map_kwargs):
    """:func:`core.report.charts.map_chart` of ``shown`` layered over the density grid of ``all_docs``.

    Parameters
    ----------
    all_docs : DataFrame
        Every mappable document (``umap_x``, ``umap_y``).
    shown : DataFrame
        The documents drawn as points (a sample of ``all_docs``).
    **map_kwargs
        Passed to :func:`~core.report.charts.map_chart` (``selectable`` is forced to False).

    Returns
    -------
    altair.LayerChart
    """
    import altair as alt

    from core.report.charts import _inline, map_chart

    grid = density_grid(all_docs["umap_x"].to_numpy(dtype=float), all_docs["umap_y"].to_numpy(dtype=float),
                        bins_x=bins_x, bins_y=bins_y)
    points = map_chart(shown, selectable=False, **map_kwargs)
    cells = (alt.Chart(_inline(grid)).mark_rect(opacity=0.55)
             .encode(x=alt.X("x0:Q", scale=alt.Scale(zero=False)), x2="x1:Q",
                     y=alt.Y("y0:Q", scale=alt.Scale(zero=False)), y2="y1:Q",
                     fill=alt.Fill("documents:Q", title="documents per cell",
                                   scale=alt.Scale(scheme="greys", type="log")),
                     tooltip=[alt.Tooltip("documents:Q", title="documents in this cell")]))
    title = points.title
    points.title = alt.Undefined  # the layer carries the title and subtitle
    return alt.layer(cells, points, title=title).resolve_scale(color="independent")
