"""Kernels of the hubness reductions (:mod:`core.transform.hubness_reduction`): primary distances by
row blocks, the moments and quantiles of each point's distance distribution (Gaussian and empirical
mutual proximity), and the numba kernels of mutual proximity on the full matrix and on a kNN
candidate graph.

Private: the estimators in :mod:`core.transform.hubness_reduction` validate every input before any
of these run; the formulas and the choices behind them are documented there.
"""

from __future__ import annotations

import numba
import numpy as np

from core.knn import _block_topk

_FLOOR = 1e-150
_BLOCK_ELEMENTS = 4_000_000  # float64 entries per row block of the full matrix (32 MB)

# --------------------------------------------------------------------------- primary distances


def _distance_block(Xf: np.ndarray, sq: np.ndarray, start: int, stop: int, metric: str) -> np.ndarray:
    """float64 distances of rows ``start:stop`` to all rows, (stop - start, n), zero at self."""
    G = Xf[start:stop] @ Xf.T
    if metric == "cosine":
        D = np.clip(1.0 - G, 0.0, 2.0)
    else:
        D = np.sqrt(np.maximum(sq[start:stop, None] + sq[None, :] - 2.0 * G, 0.0))
    D[np.arange(stop - start), np.arange(start, stop)] = 0.0
    return D


def _row_blocks(n: int) -> range:
    return range(0, n, max(1, _BLOCK_ELEMENTS // n))


def _full_knn(Xf: np.ndarray, sq: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact float64 k nearest other points of every row."""
    n = Xf.shape[0]
    I = np.empty((n, k), dtype=np.int64)
    D = np.empty((n, k), dtype=np.float64)
    step = max(1, _BLOCK_ELEMENTS // n)
    for start in range(0, n, step):
        stop = min(n, start + step)
        I[start:stop], D[start:stop] = _block_topk(_distance_block(Xf, sq, start, stop, metric),
                                                   np.arange(start, stop), k)
    return I, D


_N_QUANTILES = 65


def _reference_blocks(Xf: np.ndarray, reference: np.ndarray, metric: str):
    """Yield ``(start, stop, D, own, pos)``: float64 distances of rows start:stop to the reference
    points, and the rows (``own``, block-relative) that are reference points themselves, at ``pos``."""
    n = Xf.shape[0]
    R = Xf[reference]
    sq_r = np.einsum("ij,ij->i", R, R)
    sq = np.einsum("ij,ij->i", Xf, Xf)
    where = np.full(n, -1, dtype=np.int64)
    where[reference] = np.arange(reference.size)
    step = max(1, _BLOCK_ELEMENTS // reference.size)
    for start in range(0, n, step):
        stop = min(n, start + step)
        G = Xf[start:stop] @ R.T
        if metric == "cosine":
            D = np.clip(1.0 - G, 0.0, 2.0)
        else:
            D = np.sqrt(np.maximum(sq[start:stop, None] + sq_r[None, :] - 2.0 * G, 0.0))
        pos = where[start:stop]
        own = np.flatnonzero(pos >= 0)
        yield start, stop, D, own, pos[own]


def _moments(Xf: np.ndarray, reference: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd (ddof 0) of each point's distances to the ``reference`` points other than itself."""
    n = Xf.shape[0]
    mu = np.empty(n)
    sd = np.empty(n)
    for start, stop, D, own, pos in _reference_blocks(Xf, reference, metric):
        D[own, pos] = 0.0
        count = np.full(stop - start, reference.size, dtype=np.float64)
        count[own] -= 1
        m = D.sum(axis=1) / count
        D[own, pos] = m[own]  # the point itself then adds nothing to the squared deviations
        mu[start:stop] = m
        sd[start:stop] = np.sqrt(np.sum((D - m[:, None]) ** 2, axis=1) / count)
    return mu, np.maximum(sd, 1e-12 * np.maximum(mu, _FLOOR))


def _cosine_moments(Xf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and sd (ddof 0) of each unit row's cosine distances to all the other rows, O(n d^2).

    With ``g_ij = x_i . x_j``: the mean of g over all j is ``x_i . c`` (c the mean row) and the sum of
    squared deviations is ``x_i^T S x_i`` (S the scatter matrix of the centred rows), so no (n, n)
    matrix is needed. The point itself (``g_ii = |x_i|^2``) is then removed from both (Welford's
    down-date), and ``d = 1 - g`` has the same sd and the mean ``1 - mean(g)``. Centring first keeps
    the variance free of the cancellation of ``E[g^2] - E[g]^2``.
    """
    n, d = Xf.shape
    c = Xf.mean(axis=0)
    S = np.zeros((d, d))
    step = max(1, _BLOCK_ELEMENTS // d)
    for start in range(0, n, step):
        B = Xf[start:start + step] - c
        S += B.T @ B
    mean_all = Xf @ c
    m2_all = np.empty(n)
    for start in range(0, n, step):
        B = Xf[start:start + step]
        m2_all[start:start + step] = np.einsum("ij,ij->i", B @ S, B)
    self_g = np.einsum("ij,ij->i", Xf, Xf)
    mean_other = (n * mean_all - self_g) / (n - 1)
    m2_other = np.maximum(m2_all - (self_g - mean_all) ** 2 * n / (n - 1), 0.0)
    mu = 1.0 - mean_other
    sd = np.sqrt(m2_other / (n - 1))
    return mu, np.maximum(sd, 1e-12 * np.maximum(mu, _FLOOR))


def _quantiles(Xf: np.ndarray, reference: np.ndarray, metric: str) -> np.ndarray:
    """(n, 65) quantiles (levels 0, 1/64, ..., 1) of each point's distances to the other reference points."""
    n = Xf.shape[0]
    levels = np.linspace(0.0, 1.0, _N_QUANTILES)
    Q = np.empty((n, _N_QUANTILES))
    for start, stop, D, own, pos in _reference_blocks(Xf, reference, metric):
        D[own, pos] = np.inf  # sorts last and is left out by the per-row count below
        D.sort(axis=1)
        m = np.full(stop - start, reference.size)
        m[own] -= 1
        at = levels[None, :] * (m[:, None] - 1)
        lo = np.floor(at).astype(np.int64)
        hi = np.minimum(lo + 1, m[:, None] - 1)
        a = np.take_along_axis(D, lo, axis=1)
        b = np.take_along_axis(D, hi, axis=1)
        Q[start:stop] = a + (at - lo) * (b - a)
    return Q


# --------------------------------------------------------------------------- numba kernels


_TILE = 32  # rows per tile of the O(n^3) kernel: two tiles of rows stay in cache while compared


@numba.njit(parallel=True, cache=True)
def _mp_full_kernel(D, tile_x, tile_y, tile):  # pragma: no cover - compiled
    """Empirical MP of every pair from the symmetric (n, n) distance matrix ``D``.

    Work is split into pairs of row tiles (tile_x[i] <= tile_y[i]) so that the rows compared stay in
    cache; each pair (x, y), x <= y, is written by exactly one task.
    """
    n = D.shape[0]
    out = np.empty((n, n))
    for task in numba.prange(tile_x.size):
        x0 = tile_x[task] * tile
        y0 = tile_y[task] * tile
        for x in range(x0, min(n, x0 + tile)):
            for y in range(max(x, y0), min(n, y0 + tile)):
                t = D[x, y]
                cnt = 0
                for j in range(n):
                    cnt += (D[x, j] <= t) | (D[y, j] <= t)
                out[x, y] = cnt / n
                out[y, x] = cnt / n
    return out


def _mp_full(D: np.ndarray) -> np.ndarray:
    n_tiles = -(-D.shape[0] // _TILE)
    tx, ty = np.triu_indices(n_tiles)
    return _mp_full_kernel(D, tx.astype(np.int64), ty.astype(np.int64), _TILE)


@numba.njit(parallel=True, cache=True)
def _mp_graph_kernel(C, Dc, Xf, Q, cosine, chunks):  # pragma: no cover - compiled
    """Empirical MP of each point and its candidates (see the module docstring), (n, c).

    ``C`` (n, c) candidate indices and ``Dc`` their distances, ascending along rows; ``Xf`` the rows
    (unit rows for cosine) for the distances that the candidate lists do not hold; ``Q`` (n, m)
    quantiles of each point's distances, for the size of a ball larger than the candidate list.
    """
    n, c = C.shape
    d = Xf.shape[1]
    nq = Q.shape[1]
    out = np.empty((n, c))
    for chp in numba.prange(chunks):
        ch = np.int64(chp)  # prange indices can be unsigned
        # "stamps" mark ball members without clearing an n-sized array for every pair
        stamp_y = np.full(n, -1, dtype=np.int64)
        stamp_x = np.full(n, -1, dtype=np.int64)
        for x in range(ch * n // chunks, (ch + 1) * n // chunks):
            for p in range(c):
                y = C[x, p]
                t = Dc[x, p]
                sid = x * c + p
                known = t <= Dc[y, c - 1]
                cy = np.searchsorted(Dc[y], t, side="right") if known else c
                # ball of y: y, x and y's candidates within t
                stamp_y[y] = sid
                ry = 1
                if stamp_y[x] != sid:
                    stamp_y[x] = sid
                    ry += 1
                for q in range(cy):
                    j = C[y, q]
                    if stamp_y[j] != sid:
                        stamp_y[j] = sid
                        ry += 1
                # ball of x: x, y and x's candidates within t; count the overlap
                cx = np.searchsorted(Dc[x], t, side="right")
                rx = 0
                both = 0
                for q in range(-2, cx):
                    j = x if q == -2 else (y if q == -1 else C[x, q])
                    if stamp_x[j] == sid:
                        continue
                    stamp_x[j] = sid
                    rx += 1
                    if stamp_y[j] == sid:
                        both += 1
                    elif not known:
                        acc = 0.0
                        if cosine:
                            for e in range(d):
                                acc += Xf[y, e] * Xf[j, e]
                            dist = max(1.0 - acc, 0.0)
                        else:
                            for e in range(d):
                                diff = Xf[y, e] - Xf[j, e]
                                acc += diff * diff
                            dist = np.sqrt(acc)
                        if dist <= t:
                            both += 1
                            ry += 1
                if not known:
                    # y's ball reaches past its candidates: its size is at least the members found,
                    # and is estimated as n times the share of y's distances <= t (quantile table)
                    at = np.searchsorted(Q[y], t, side="right")
                    if at == 0:
                        share = 0.0
                    elif at == nq:
                        share = 1.0
                    else:
                        lo = Q[y, at - 1]
                        hi = Q[y, at]
                        frac = (t - lo) / (hi - lo) if hi > lo else 1.0
                        share = (at - 1 + frac) / (nq - 1)
                    ry = max(ry, int(np.floor(share * n + 0.5)))
                out[x, p] = (rx + ry - both) / n
    return out


def _mp_graph(C: np.ndarray, Dc: np.ndarray, Xf: np.ndarray, Q: np.ndarray, cosine: bool) -> np.ndarray:
    chunks = min(C.shape[0], 8 * numba.get_num_threads())
    return _mp_graph_kernel(C, Dc, Xf, Q, cosine, chunks)
