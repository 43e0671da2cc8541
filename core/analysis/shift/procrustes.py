"""The Procrustes baseline: independent word2vec per corpus, rotated onto each other.

Hamilton, Leskovec, Jurafsky 2016, "Diachronic Word Embeddings Reveal Statistical Laws of Semantic
Change" (HistWords): train each corpus's word2vec on its own, then find the orthogonal matrix ``R``
minimising ``‖B R − A‖_F`` over words both corpora use (orthogonal Procrustes, solved by the SVD of
``Bᵀ A``; ``scipy.linalg.orthogonal_procrustes``), and measure a word's shift as ``1 − cos(a_w, R b_w)``.
It is shown beside CADE because it is the standard alternative, and because its failure modes differ:
an orthogonal map cannot undo everything two independent runs disagree on, so it ranks words that
merely came out differently in two runs, while CADE's shared context matrix removes most of that.

What is done here, where the paper leaves choices open:

* The independent models are trained by ``train_cade(baseline=True)`` with our CBOW trainer, the
  same hyperparameters as CADE, both matrices learning, a separate seed stream per corpus, on the
  same token stream as the CADE slice (the compass vocabulary), so both methods see identical input.
* Rows are length-normalised before alignment (HistWords does the same; it makes every anchor word
  count equally, whatever its vector norm). No mean-centring.
* Anchors are all words with at least ``anchor_min_freq`` occurrences in both corpora (default the
  ranking's ``min_freq``), the shifted words included, as HistWords does: the method has no way of
  knowing which words changed. At least ``dim`` anchors are required, else the rotation is not
  determined (``InsufficientDataError``).
"""

from __future__ import annotations

import numpy as np

from core.analysis.shift.cade import CadeModel
from core.analysis.shift.ranking import ShiftTable, _check_count, _check_pair, _shift_table, _unit
from core.exceptions import InputError, InsufficientDataError

__all__ = ["procrustes_rotation", "procrustes_shift"]


def procrustes_rotation(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Orthogonal ``R`` minimising ``‖source R − target‖_F``.

    Parameters
    ----------
    source, target : ndarray, shape (n, d)
        Paired rows (the anchor words in two spaces), n ≥ d, finite.

    Returns
    -------
    ndarray of float64, shape (d, d)
        Orthogonal: ``R.T @ R == I``.
    """
    from scipy.linalg import orthogonal_procrustes

    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if source.ndim != 2 or source.shape != target.shape:
        raise InputError(f"source and target must be 2-d arrays of the same shape, got {source.shape} and "
                         f"{target.shape}")
    if not (np.isfinite(source).all() and np.isfinite(target).all()):
        raise InputError("source and target must be finite (no NaN or inf)")
    if source.shape[0] < source.shape[1]:
        raise InsufficientDataError(f"{source.shape[0]} anchor rows cannot determine a rotation of "
                                    f"{source.shape[1]} dimensions; at least {source.shape[1]} are needed")
    rotation, _ = orthogonal_procrustes(source, target)
    return rotation


def procrustes_shift(model: CadeModel, a: str, b: str, *, min_freq: int = 20, top: int | None = 100,
                     n_neighbours: int = 5, neighbour_min_freq: int | None = None,
                     anchor_min_freq: int | None = None) -> ShiftTable:
    """Rank words by shift between two corpora with independent word2vec + orthogonal Procrustes.

    Parameters
    ----------
    model : CadeModel
        Trained with ``baseline=True``.
    a, b : str
        Corpus names; ``b``'s space is rotated onto ``a``'s.
    min_freq, top, n_neighbours, neighbour_min_freq
        As in :func:`word_shift`.
    anchor_min_freq : int, optional
        Least occurrences in both corpora for a word to anchor the rotation; default ``min_freq``.

    Returns
    -------
    ShiftTable
        ``method="procrustes"``; ``details`` holds ``n_anchors``, ``anchor_min_freq`` and
        ``anchor_mean_cosine`` (mean cosine of the anchors after rotation: how well one rotation
        explains the two spaces).
    """
    if model.independent_vectors is None:
        raise InputError("this CADE model was trained with baseline=False, so it has no independent "
                         "models; train it with train_cade(..., baseline=True) for the Procrustes baseline")
    ia, ib = _check_pair(model, a, b)
    floor = _check_count("min_freq", min_freq, 1)
    anchor_min_freq = _check_count("anchor_min_freq", anchor_min_freq, 1, allow_none=True)
    anchor_floor = floor if anchor_min_freq is None else anchor_min_freq
    anchors = np.flatnonzero((model.counts[ia] >= anchor_floor) & (model.counts[ib] >= anchor_floor))
    ua = _unit(model.independent_vectors[ia])
    ub = _unit(model.independent_vectors[ib])
    if anchors.size < model.dim:
        raise InsufficientDataError(
            f"only {anchors.size} words occur at least anchor_min_freq={anchor_floor} times in both "
            f"{a!r} and {b!r}; the Procrustes rotation of {model.dim} dimensions needs at least "
            f"{model.dim}: lower anchor_min_freq or use larger corpora")
    rotation = procrustes_rotation(ub[anchors], ua[anchors])
    ub_rot = ub @ rotation
    anchor_cos = float(np.mean(np.einsum("ij,ij->i", ua[anchors], ub_rot[anchors])))
    return _shift_table("procrustes", model, a, b, ua, ub_rot, min_freq=min_freq, top=top,
                        n_neighbours=n_neighbours, neighbour_min_freq=neighbour_min_freq,
                        details={"n_anchors": int(anchors.size), "anchor_min_freq": anchor_floor,
                                 "anchor_mean_cosine": anchor_cos})
