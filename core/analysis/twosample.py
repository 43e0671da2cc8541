"""Two-sample tests beyond depth: MMD, energy distance and a classifier test.

All three answer "are the two corpora drawn from one distribution?" with a permutation p-value
``(1 + #{null >= observed}) / (1 + n_permutations)`` (Phipson & Smyth 2010: never 0, exact level
under exchangeability), are seeded through ``random_state`` and return the same
:class:`TwoSampleResult`. Each is one-sided: larger statistics mean "more different".

Sources: Gretton et al., "A Kernel Two-Sample Test", JMLR 2012 (MMD, median heuristic);
Székely & Rizzo, "Energy statistics", J. Stat. Plan. Inference 2013 (energy distance and the
homogeneity coefficient H); Lopez-Paz & Oquab, "Revisiting Classifier Two-Sample Tests", ICLR 2017.

Choices where the specification leaves room, and why:

- **Geometry.** By default rows are projected onto the unit sphere (``normalize=True``), the geometry
  of the depth test (cosine), so the tests compare directions, not vector lengths. For unit vectors
  ``||x - y||^2 = 2 (1 - cos(x, y))``.
- **One pooled distance matrix.** Squared Euclidean distances of the pooled (possibly subsampled)
  sample are computed once in float64 with one matrix product; permutations never recompute
  distances. A permutation is a random relabelling of the pooled rows; for a block of permutations
  with 0/1 indicator matrix ``Z`` (N, b), the within-A sums are ``diag(Zᵀ M Z)``, computed with one
  matrix product ``M @ Z``; the within-B and cross sums follow from the row sums of ``M``.
- **Scale.** That matrix is N x N with N = n_used_a + n_used_b, so memory and time grow with N^2
  (N = 4,000 is 128 MB; N = 10,000 is 800 MB). ``max_n`` (default 2,000 per corpus) caps each corpus
  by a seeded random subsample without replacement; the result states ``n_used_a``/``n_used_b``
  next to the full sizes. ``max_n=None`` disables the cap.
- **MMD estimator.** The *unbiased* U-statistic MMD²_u (Gretton et al. 2012, eq. 3), so that it is
  centred near 0 under the null and can be slightly negative. Kernel ``exp(-||x-y||² / (2 σ²))``
  with σ the median Euclidean distance between distinct pooled points (if more than half of the
  pairs coincide, the median of the non-zero distances; if all points coincide every statistic is
  0 and p = 1). The effect size is MMD²_u itself (the kernel is bounded, so it is on [−2, 2]).
- **Energy distance.** The U-statistic ``E = 2 mean|x−y| − mean|x−x'| − mean|y−y'|`` (distinct pairs
  only); effect size Székely & Rizzo's homogeneity coefficient ``H = E / (2 mean|x−y|)``,
  0 for equal distributions (an unbiased estimate, so it can be slightly negative by chance), at
  most 1, and defined as 0 when all points coincide.
- **Classifier test: why not a Mann–Whitney null.** Out-of-fold scores from k-fold cross-validation
  are not independent of the labels in the way the Mann–Whitney null assumes: model f is trained on
  the labels of fold g and model g on those of fold f, so under the null their two within-fold
  rank statistics are positively correlated (for a linear model both are, to first order, the same
  bilinear form in the labels). On Gaussian null data (100 vs 100, 50 dims, 5 folds, 300 repeats)
  the out-of-fold AUC had standard deviation 0.052 against the Mann–Whitney 0.041 (variance x1.6),
  so Mann–Whitney p-values are anti-conservative. The p-value here is therefore an exact
  permutation test of the *whole cross-validated procedure*: labels are permuted **within each
  fold** (folds fixed), which equals permuting documents within folds, keeps every fold
  stratified, and under exchangeability leaves the statistic's distribution unchanged.
- **Classifier test: which logistic regression.** Refitting logistic regression k x n_permutations
  times is too slow for a dashboard (0.25 s per fit at 4,000 x 384 on 2 cores: 999 permutations take
  about 20 minutes). The default ``model="one-step"`` is L2-penalised logistic regression estimated by
  one Newton (IRLS) step from the intercept-only fit. That step is exactly a ridge regression on
  centred features, so the out-of-fold logits are an affine function ``offset + H y`` of the label
  vector and all permutations cost one matrix product. As the penalty grows it coincides with the
  fully fitted logistic regression (tested). ``model="logistic"`` fits scikit-learn's
  ``LogisticRegression`` to convergence for every fold and permutation (same exact permutation
  scheme), for small corpora or as a cross-check. Features are standardised with the pooled mean and
  standard deviation (label-free, so permutation-valid). The effect size is the out-of-fold AUC
  (0.5 = the corpora cannot be told apart).
- **Per-document attribution** (:func:`classifier_attribution`) needs no permutations, so it uses
  the fully fitted logistic regression by default: its out-of-fold probabilities are what people
  read, and the one-step estimate, although it ranks documents almost the same way, shrinks them
  towards the base rate.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from core.exceptions import InsufficientDataError, ParameterError
from core.validation import (
    as_embedding_matrix,
    check_choice,
    check_float,
    check_int,
    check_name,
    check_random_state,
    check_same_dimension,
    seed_of,
)

__all__ = [
    "DEFAULT_MAX_N",
    "DEFAULT_N_PERMUTATIONS",
    "TwoSampleResult",
    "classifier_test",
    "energy_test",
    "mmd_test",
    "permutation_pvalue",
    "two_sample_tests",
]

DEFAULT_MAX_N = 2000
DEFAULT_N_PERMUTATIONS = 999
_CHUNK = 128  # permutations per matrix product: big enough for BLAS, small enough for memory
_SMALL_N = 1000  # pooled sizes up to this run single-threaded BLAS (see _blas_threads)
_MODELS = ("one-step", "logistic")


# the name each test reports (``TwoSampleResult.test``) → its id in core.methods
_TEST_IDS = {"MMD": "mmd", "energy distance": "energy", "classifier": "classifier"}

@dataclass(frozen=True)
class TwoSampleResult:
    """Result of a permutation two-sample test (:func:`mmd_test`, :func:`energy_test`,
    :func:`classifier_test`).

    Attributes
    ----------
    test : str
        "MMD", "energy distance" or "classifier".
    statistic : float
        The observed test statistic (larger = more different).
    pvalue : float
        ``(1 + #{null >= statistic}) / (1 + n_permutations)``.
    effect_size : float
        A size-of-difference number (see ``effect_size_name``); unlike the p-value it does not grow
        with the number of documents.
    effect_size_name : str
        What ``effect_size`` is.
    n_permutations : int
        Size of the permutation null.
    random_state : int or None
        The seed used (None if a Generator or None was passed).
    n_a, n_b : int
        Full corpus sizes.
    n_used_a, n_used_b : int
        Documents actually used (smaller than ``n_a``/``n_b`` when ``max_n`` capped them).
    max_n : int or None
        The per-corpus cap in force.
    name_a, name_b : str
        Corpus names.
    parameters : dict
        Test-specific settings actually used (bandwidth, folds, penalty, ...).
    null_distribution : ndarray of shape (n_permutations,)
        The permutation null (kept out of the repr).
    """

    test: str
    statistic: float
    pvalue: float
    effect_size: float
    effect_size_name: str
    n_permutations: int
    random_state: int | None
    n_a: int
    n_b: int
    n_used_a: int
    n_used_b: int
    max_n: int | None
    name_a: str = "A"
    name_b: str = "B"
    parameters: dict = field(default_factory=dict, compare=False)
    null_distribution: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def test_id(self) -> str:
        """The test's id in the tests table and the registry of methods (``mmd``, ``energy``,
        ``classifier``)."""
        return _TEST_IDS.get(self.test, self.test)

    @property
    def subsampled(self) -> bool:
        """True when either corpus was capped to ``max_n`` documents."""
        return self.n_used_a < self.n_a or self.n_used_b < self.n_b

    def to_dict(self) -> dict[str, Any]:
        """All scalar fields plus ``parameters`` and ``subsampled`` (no null distribution)."""
        return {
            "test": self.test, "name_a": self.name_a, "name_b": self.name_b,
            "statistic": self.statistic, "pvalue": self.pvalue,
            "effect_size": self.effect_size, "effect_size_name": self.effect_size_name,
            "n_permutations": self.n_permutations, "random_state": self.random_state,
            "n_a": self.n_a, "n_b": self.n_b, "n_used_a": self.n_used_a, "n_used_b": self.n_used_b,
            "max_n": self.max_n, "subsampled": self.subsampled, "parameters": dict(self.parameters),
        }

    def to_frame(self):
        """A one-row DataFrame of :meth:`to_dict` (``parameters`` as a dict cell)."""
        import pandas as pd

        return pd.DataFrame([self.to_dict()])


def permutation_pvalue(observed: float, null: np.ndarray, *, rtol: float = 1e-10) -> float:
    """``(1 + #{null >= observed}) / (1 + B)``, counting values equal to ``observed`` up to rounding.

    ``rtol`` absorbs floating-point noise: a permutation that reproduces the observed split (or its
    mirror image) must count as ">=", even if its sum was accumulated in another order.
    """
    null = np.asarray(null, dtype=np.float64)
    tol = rtol * max(abs(observed), float(np.max(np.abs(null))) if null.size else 0.0, 1e-300)
    return float((1 + np.count_nonzero(null >= observed - tol)) / (1 + null.size))


# --------------------------------------------------------------------------------------------- inputs

def _check_names(names: Any) -> tuple[str, str]:
    if not (isinstance(names, (tuple, list)) and len(names) == 2):
        raise ParameterError(f"names must be a pair of corpus names; got {names!r}.")
    return check_name(names[0], "names[0]"), check_name(names[1], "names[1]")


def _prepare(A: Any, B: Any, *, normalize: bool, min_rows: int) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(normalize, bool):
        raise ParameterError(f"normalize must be True or False; got {normalize!r}.")
    Aa = as_embedding_matrix(A, name="A", min_rows=min_rows, allow_zero_rows=not normalize)
    Ba = as_embedding_matrix(B, name="B", min_rows=min_rows, allow_zero_rows=not normalize)
    check_same_dimension(Aa, Ba)
    if normalize:
        Aa = Aa / np.linalg.norm(Aa, axis=1, keepdims=True)
        Ba = Ba / np.linalg.norm(Ba, axis=1, keepdims=True)
    return Aa, Ba


def _blas_threads(n_points: int):
    """One BLAS thread for small problems, the caller's setting otherwise.

    For pooled samples of up to ``_SMALL_N`` points the matrices are too small for threading to pay,
    and on a shared, oversubscribed machine OpenBLAS's spinning threads made a 200-document
    classifier test 40x slower (6 s instead of 0.15 s). Larger problems keep the user's thread count.
    """
    if n_points > _SMALL_N:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _subsample(X: np.ndarray, max_n: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_n is None or X.shape[0] <= max_n:
        return X
    return X[np.sort(rng.choice(X.shape[0], size=max_n, replace=False))]


# ------------------------------------------------------------------------------ kernel / distance tests

def _pooled_squared_distances(P: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (N, N) of the rows of ``P`` in float64, diagonal exactly 0."""
    sq = np.einsum("ij,ij->i", P, P)
    D2 = P @ P.T  # the one N x N allocation; everything below is in place
    D2 *= -2.0
    D2 += sq[:, None]
    D2 += sq[None, :]
    np.maximum(D2, 0.0, out=D2)  # cancellation can leave -1e-16 for near-duplicates
    np.fill_diagonal(D2, 0.0)
    return D2


def _upper_triangle(M: np.ndarray) -> np.ndarray:
    N = M.shape[0]
    return np.concatenate([M[i, i + 1:] for i in range(N - 1)]) if N > 1 else np.empty(0)


def _permutation_sums(M: np.ndarray, m: int, n_permutations: int, rng: np.random.Generator,
                      ) -> tuple[tuple[float, float, float], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Within-A, within-B and cross sums of ``M`` (zero diagonal) for the observed split (first ``m``
    rows are A) and for ``n_permutations`` random relabellings of the pooled rows."""
    N = M.shape[0]
    row = M.sum(axis=1)
    total = float(row.sum())
    s_aa = float(M[:m, :m].sum())
    s_ab = float(M[:m, m:].sum())
    s_bb = float(M[m:, m:].sum())
    null_aa = np.empty(n_permutations)
    null_ab = np.empty(n_permutations)
    null_bb = np.empty(n_permutations)
    for start in range(0, n_permutations, _CHUNK):
        c = min(_CHUNK, n_permutations - start)
        # a uniformly random m-subset per permutation: the m smallest of N i.i.d. uniform keys
        chosen = np.argpartition(rng.random((c, N)), m - 1, axis=1)[:, :m]
        Z = np.zeros((N, c))
        Z[chosen.ravel(), np.repeat(np.arange(c), m)] = 1.0
        MZ = M @ Z
        aa = np.einsum("ij,ij->j", Z, MZ)
        rz = row @ Z
        null_aa[start:start + c] = aa
        null_ab[start:start + c] = rz - aa
        null_bb[start:start + c] = total - 2.0 * rz + aa
    return (s_aa, s_bb, s_ab), (null_aa, null_bb, null_ab)


def _common_checks(n_permutations: Any, max_n: Any, random_state: Any, names: Any):
    n_permutations = check_int(n_permutations, "n_permutations", minimum=1)
    max_n = check_int(max_n, "max_n", minimum=2, allow_none=True)
    rng = check_random_state(random_state)
    return n_permutations, max_n, rng, _check_names(names)


def mmd_test(A: Any, B: Any, *, n_permutations: int = DEFAULT_N_PERMUTATIONS, bandwidth: float | None = None,
             max_n: int | None = DEFAULT_MAX_N, normalize: bool = True, random_state: Any = 0,
             names: tuple[str, str] = ("A", "B")) -> TwoSampleResult:
    """Maximum mean discrepancy permutation test with an RBF kernel (Gretton et al. 2012).

    Statistic: the unbiased estimator MMD²_u with kernel ``k(x, y) = exp(-||x - y||² / (2 σ²))``,
    σ the median pairwise Euclidean distance of the pooled sample (median heuristic). Null: the
    statistic recomputed under ``n_permutations`` random relabellings of the pooled sample.

    Parameters
    ----------
    A, B : array-like of shape (n_a, d) and (n_b, d)
        Embeddings of the two corpora, at least 2 documents each.
    n_permutations : int
        Size of the permutation null (p-value resolution 1 / (n_permutations + 1)).
    bandwidth : float, optional
        σ; default the median heuristic on the pooled (used) sample.
    max_n : int or None
        Per-corpus cap: a larger corpus is replaced by a seeded random subsample of ``max_n``
        documents, so the N x N kernel matrix never exceeds (2 max_n)². None: no cap.
    normalize : bool
        Project rows onto the unit sphere first (cosine geometry, as the depth test).
    random_state : int, Generator or None
        Seed for subsampling and permutations.
    names : tuple of two str
        Corpus names.

    Returns
    -------
    TwoSampleResult
        ``statistic`` = ``effect_size`` = MMD²_u; ``parameters["bandwidth"]`` is σ.
    """
    n_permutations, max_n, rng, names = _common_checks(n_permutations, max_n, random_state, names)
    bandwidth = check_float(bandwidth, "bandwidth", minimum=0.0, strict_minimum=True, allow_none=True)
    Aa, Ba = _prepare(A, B, normalize=normalize, min_rows=2)
    As, Bs = _subsample(Aa, max_n, rng), _subsample(Ba, max_n, rng)
    m, n = len(As), len(Bs)
    with _blas_threads(m + n):
        K = _pooled_squared_distances(np.vstack([As, Bs]))
        if bandwidth is None:
            dist = np.sqrt(_upper_triangle(K))
            sigma = float(np.median(dist))
            if sigma == 0.0:
                nonzero = dist[dist > 0]
                # all points identical: every kernel value is 1 whatever σ is, and every MMD is 0
                sigma = float(np.median(nonzero)) if nonzero.size else 1.0
            del dist
        else:
            sigma = bandwidth
        K *= -1.0 / (2.0 * sigma * sigma)
        np.exp(K, out=K)
        np.fill_diagonal(K, 0.0)  # U-statistic: distinct pairs only

        def stat(s_aa, s_bb, s_ab):
            return s_aa / (m * (m - 1)) + s_bb / (n * (n - 1)) - 2.0 * s_ab / (m * n)

        observed, null = _permutation_sums(K, m, n_permutations, rng)
        obs = float(stat(*observed))
        null_stat = stat(*null)
    return TwoSampleResult(
        test="MMD", statistic=obs, pvalue=permutation_pvalue(obs, null_stat),
        effect_size=obs, effect_size_name="MMD² (unbiased, RBF kernel)",
        n_permutations=n_permutations, random_state=seed_of(random_state),
        n_a=len(Aa), n_b=len(Ba), n_used_a=m, n_used_b=n, max_n=max_n,
        name_a=names[0], name_b=names[1],
        parameters={"bandwidth": sigma, "bandwidth_rule": "median heuristic" if bandwidth is None else "given",
                    "estimator": "unbiased", "normalize": normalize},
        null_distribution=null_stat,
    )


def energy_test(A: Any, B: Any, *, n_permutations: int = DEFAULT_N_PERMUTATIONS,
                max_n: int | None = DEFAULT_MAX_N, normalize: bool = True, random_state: Any = 0,
                names: tuple[str, str] = ("A", "B")) -> TwoSampleResult:
    """Energy-distance permutation test (Székely & Rizzo 2013).

    Statistic: ``E = 2 mean||a - b|| - mean||a - a'|| - mean||b - b'||`` over distinct pairs
    (U-statistic). Effect size: the homogeneity coefficient ``H = E / (2 mean||a - b||)``.

    Parameters
    ----------
    A, B : array-like of shape (n_a, d) and (n_b, d)
        Embeddings of the two corpora, at least 2 documents each.
    n_permutations, max_n, normalize, random_state, names
        As in :func:`mmd_test`.

    Returns
    -------
    TwoSampleResult
    """
    n_permutations, max_n, rng, names = _common_checks(n_permutations, max_n, random_state, names)
    Aa, Ba = _prepare(A, B, normalize=normalize, min_rows=2)
    As, Bs = _subsample(Aa, max_n, rng), _subsample(Ba, max_n, rng)
    m, n = len(As), len(Bs)
    with _blas_threads(m + n):
        D = _pooled_squared_distances(np.vstack([As, Bs]))
        np.sqrt(D, out=D)

        def stat(s_aa, s_bb, s_ab):
            return 2.0 * s_ab / (m * n) - s_aa / (m * (m - 1)) - s_bb / (n * (n - 1))

        observed, null = _permutation_sums(D, m, n_permutations, rng)
        obs = float(stat(*observed))
        null_stat = stat(*null)
        cross_mean = observed[2] / (m * n)
    return TwoSampleResult(
        test="energy distance", statistic=obs, pvalue=permutation_pvalue(obs, null_stat),
        effect_size=float(obs / (2.0 * cross_mean)) if cross_mean > 0 else 0.0,
        effect_size_name="homogeneity coefficient H (0 = same distribution)",
        n_permutations=n_permutations, random_state=seed_of(random_state),
        n_a=len(Aa), n_b=len(Ba), n_used_a=m, n_used_b=n, max_n=max_n,
        name_a=names[0], name_b=names[1],
        parameters={"estimator": "U-statistic", "normalize": normalize},
        null_distribution=null_stat,
    )


# -------------------------------------------------------------------------------------- classifier

def _standardize(X: np.ndarray) -> np.ndarray:
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0  # a constant feature carries no information; keep it at 0 instead of 0/0
    return (X - X.mean(axis=0)) / sd


def _folds(y: np.ndarray, n_splits: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=int(rng.integers(2**31 - 1)))
    return [(train, test) for train, test in skf.split(np.zeros((y.size, 1)), y)]


def _one_step_fold(Z: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray, C: float,
                   ) -> tuple[np.ndarray, float]:
    """Out-of-fold smoother for one fold: test logits = offset + M @ y[train].

    One Newton step of L2-penalised logistic regression (penalty ||w||² / (2C), intercept free)
    from the intercept-only fit p = mean(y_train): with centred features X_c and W = p (1 - p),
    ``w = (W X_cᵀ X_c + I / C)^-1 X_cᵀ (y - p)``; since X_cᵀ 1 = 0 this equals ``... X_cᵀ y``.
    """
    from scipy.linalg import cho_factor, cho_solve

    Xtr = Z[train]
    center = Xtr.mean(axis=0)
    Xc = Xtr - center
    Xt = Z[test] - center
    p = float(y[train].mean())
    W = p * (1.0 - p)
    d = Z.shape[1]
    if d <= len(train):
        A = W * (Xc.T @ Xc)
        A[np.diag_indices(d)] += 1.0 / C
        # solve for the |test| right-hand sides, not the |train| ones: M = (A^-1 Xtᵀ)ᵀ Xcᵀ
        M = cho_solve(cho_factor(A), np.ascontiguousarray(Xt.T)).T @ Xc.T
    else:  # push-through identity: (W XᵀX + λI)^-1 Xᵀ = Xᵀ (W XXᵀ + λI)^-1, cheaper when n < d
        G = W * (Xc @ Xc.T)
        G[np.diag_indices(len(train))] += 1.0 / C
        M = cho_solve(cho_factor(G), Xc @ Xt.T).T
    return M, float(np.log(p / (1.0 - p)))


def _auc_columns(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """AUC of each column of ``scores`` (N, c) for 0/1 ``labels`` (N, c) (label 1 = positive)."""
    from scipy.stats import rankdata

    ranks = rankdata(scores, axis=0)  # average ranks for ties
    n_pos = labels.sum(axis=0)
    n_neg = labels.shape[0] - n_pos
    U = (ranks * labels).sum(axis=0) - n_pos * (n_pos + 1) / 2.0
    return U / (n_pos * n_neg)


def _within_fold_permutations(folds, y: np.ndarray, c: int, rng: np.random.Generator) -> np.ndarray:
    """(N, c) 0/1 label matrix: the labels of each fold shuffled among that fold's documents."""
    Y = np.zeros((y.size, c))
    cols = np.arange(c)
    for _, test in folds:
        k = int(y[test].sum())
        if k == 0:
            continue
        chosen = np.argpartition(rng.random((c, test.size)), k - 1, axis=1)[:, :k]
        Y[test[chosen].ravel(), np.repeat(cols, k)] = 1.0
    return Y


def _logistic_oof(Z: np.ndarray, y: np.ndarray, folds, C: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    out = np.empty(y.size)
    for train, test in folds:
        model = LogisticRegression(C=C, max_iter=2000).fit(Z[train], y[train])
        out[test] = model.decision_function(Z[test])
    return out


def _classifier_checks(n_splits: Any, C: Any, model: Any) -> tuple[int, float, str]:
    n_splits = check_int(n_splits, "n_splits", minimum=2)
    C = check_float(C, "C", minimum=0.0, strict_minimum=True)
    model = check_choice(model, "model", _MODELS)
    return n_splits, C, model


def _labels_and_features(As: np.ndarray, Bs: np.ndarray, n_splits: int) -> tuple[np.ndarray, np.ndarray]:
    if min(len(As), len(Bs)) < n_splits:
        raise InsufficientDataError(
            f"the classifier test with n_splits={n_splits} needs at least {n_splits} documents in each "
            f"corpus (got {len(As)} and {len(Bs)}); lower n_splits or add documents.")
    y = np.r_[np.zeros(len(As)), np.ones(len(Bs))]
    return _standardize(np.vstack([As, Bs])), y


def classifier_test(A: Any, B: Any, *, n_splits: int = 5, C: float = 1.0,
                    model: Literal["one-step", "logistic"] = "one-step",
                    n_permutations: int = DEFAULT_N_PERMUTATIONS, max_n: int | None = DEFAULT_MAX_N,
                    normalize: bool = True, random_state: Any = 0,
                    names: tuple[str, str] = ("A", "B")) -> TwoSampleResult:
    """Classifier two-sample test: cross-validated logistic regression, AUC, exact permutation p.

    A stratified ``n_splits``-fold cross-validation predicts, for every document, the log-odds that it
    belongs to B from a model that never saw it; the statistic is the AUC of those out-of-fold
    scores (0.5: the corpora cannot be told apart; 1: perfectly). The p-value comes from
    ``n_permutations`` re-runs of the same cross-validation with the labels shuffled within each
    fold (see the module docstring for why not a Mann–Whitney null).

    Parameters
    ----------
    A, B : array-like of shape (n_a, d) and (n_b, d)
        Embeddings, at least ``n_splits`` documents each.
    n_splits : int
        Folds of the stratified cross-validation (>= 2).
    C : float
        Inverse L2 penalty, as in scikit-learn's ``LogisticRegression`` (features standardised).
    model : {"one-step", "logistic"}
        "one-step" (default): one Newton step of penalised logistic regression, all permutations in
        one matrix product. "logistic": scikit-learn's ``LogisticRegression`` refitted for each fold
        and permutation: n_splits x (n_permutations + 1) fits, only practical for small corpora.
    n_permutations, max_n, normalize, random_state, names
        As in :func:`mmd_test`; ``max_n`` bounds the (N, N) out-of-fold smoother matrix.

    Returns
    -------
    TwoSampleResult
        ``statistic`` = ``effect_size`` = out-of-fold AUC.
    """
    n_permutations, max_n, rng, names = _common_checks(n_permutations, max_n, random_state, names)
    n_splits, C, model = _classifier_checks(n_splits, C, model)
    Aa, Ba = _prepare(A, B, normalize=normalize, min_rows=2)
    As, Bs = _subsample(Aa, max_n, rng), _subsample(Ba, max_n, rng)
    Z, y = _labels_and_features(As, Bs, n_splits)
    with _blas_threads(y.size):
        N = y.size
        folds = _folds(y, n_splits, rng)
        null = np.empty(n_permutations)
        if model == "one-step":
            H = np.zeros((N, N))
            offset = np.empty(N)
            for train, test in folds:
                M, off = _one_step_fold(Z, y, train, test, C)
                H[np.ix_(test, train)] = M
                offset[test] = off
            observed = float(_auc_columns((offset + H @ y)[:, None], y[:, None])[0])
            for start in range(0, n_permutations, _CHUNK):
                c = min(_CHUNK, n_permutations - start)
                Y = _within_fold_permutations(folds, y, c, rng)
                null[start:start + c] = _auc_columns(offset[:, None] + H @ Y, Y)
        else:
            observed = float(_auc_columns(_logistic_oof(Z, y, folds, C)[:, None], y[:, None])[0])
            for i in range(n_permutations):
                yp = _within_fold_permutations(folds, y, 1, rng)[:, 0]
                null[i] = _auc_columns(_logistic_oof(Z, yp, folds, C)[:, None], yp[:, None])[0]
    return TwoSampleResult(
        test="classifier", statistic=observed, pvalue=permutation_pvalue(observed, null),
        effect_size=observed, effect_size_name="out-of-fold AUC (0.5 = indistinguishable)",
        n_permutations=n_permutations, random_state=seed_of(random_state),
        n_a=len(Aa), n_b=len(Ba), n_used_a=len(As), n_used_b=len(Bs), max_n=max_n,
        name_a=names[0], name_b=names[1],
        parameters={"model": model, "n_splits": n_splits, "C": C, "normalize": normalize,
                    "permutation": "labels shuffled within folds"},
        null_distribution=null,
    )


def two_sample_tests(A: Any, B: Any, *, n_permutations: int = DEFAULT_N_PERMUTATIONS,
                     max_n: int | None = DEFAULT_MAX_N, random_state: Any = 0,
                     names: tuple[str, str] = ("A", "B")) -> tuple[TwoSampleResult, ...]:
    """MMD, energy distance and classifier tests with default settings, in that order.

    Each test gets the same ``random_state``, so each is reproducible on its own. Report them with a
    multiple-testing correction (:func:`core.analysis.multitest.adjust_pvalues`).
    """
    kwargs = {"n_permutations": n_permutations, "max_n": max_n, "random_state": random_state, "names": names}
    return (mmd_test(A, B, **kwargs), energy_test(A, B, **kwargs), classifier_test(A, B, **kwargs))
