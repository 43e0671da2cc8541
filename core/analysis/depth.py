"""TTE depth of text embeddings and the depth rank-sum test.

Source: Seegmiller & Preum, "Statistical Depth for Ranking and Characterizing Transformer-Based Text
Embeddings", EMNLP 2023. The quality index Q is Liu & Singh, "A quality index based on data depth and
multivariate rank tests", JASA 1993.

The depth of ``x`` with respect to a corpus ``F`` is ``D(x; F) = 2 - mean_{h in F} (1 - cos(x, h))``,
from 0 (opposite to everything) to 2 (identical in direction to everything); larger is more central.
The mean of cosine similarities is a dot product with the sum of unit vectors, so every depth comes
from the exact closed form (O(n d), no pairwise matrix)::

    out-of-sample  D(x; F)   = 1 + x̂ · m / n_F               m = Σ_{h ∈ F} ĥ
    in-sample      D(x_i; F) = 1 + (x̂_i · m - 1) / (n_F - 1)  (x_i itself left out)

Choices where the specification or the paper leave room:

- The rank-sum test is ``scipy.stats.ranksums`` (normal approximation, no tie correction), as the
  specification asks. With many tied depths (duplicate documents) it is conservative.
- Identical corpora (G = F row for row) are a documented degenerate case, not an error: every G
  document has an exact twin in F, so its out-of-sample depth is slightly *larger* than the
  leave-one-out depth of that twin; W is negative and p >= 0.5 ("no evidence"), which is the correct
  answer to "is G outlying relative to F?".
- Only the Liu–Singh Q is offered. The pooled-rank variant of one published package (fraction of all
  pooled ranks below each G rank) is not, because it cannot go below about (n_G - 1) / (2 (n_F + n_G)).
- Zero vectors have no direction: they are refused with an error naming the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from core.exceptions import InsufficientDataError, ParameterError
from core.validation import as_embedding_matrix, check_choice, check_int, check_name, check_same_dimension

__all__ = [
    "BidirectionalDepthResult",
    "CorpusDepths",
    "DepthExtremes",
    "DepthTestResult",
    "corpus_depths",
    "depth_extremes",
    "depth_rank_sum_test",
    "depth_rank_sum_test_both_ways",
    "liu_singh_q",
    "tte_depth",
]

_ALTERNATIVES = ("greater", "less", "two-sided")


def _unit_rows(X: np.ndarray) -> np.ndarray:
    # np.linalg.norm over row blocks: the same digits as one call, without an (n, d) temporary of
    # squares, which at 100,000 x 384 cost more than the whole depth computation
    norms = np.empty(X.shape[0], dtype=np.result_type(X.dtype, np.float32))
    for start in range(0, X.shape[0], 8192):
        norms[start:start + 8192] = np.linalg.norm(X[start:start + 8192], axis=1)
    return X / norms[:, None]


def _in_sample(Fh: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Leave-one-out depths of unit rows ``Fh`` whose sum is ``m``."""
    # x̂_i · m includes x̂_i · x̂_i = 1; removing it leaves the other n - 1 similarities.
    # Rounding can push a depth of an exact duplicate a few ulps outside [0, 2]: clipped.
    return np.clip(1.0 + (Fh @ m - 1.0) / (Fh.shape[0] - 1), 0.0, 2.0)


def _out_of_sample(Xh: np.ndarray, m: np.ndarray, n_reference: int) -> np.ndarray:
    """Depths of unit rows ``Xh`` in a reference of ``n_reference`` unit rows whose sum is ``m``."""
    return np.clip(1.0 + Xh @ m / n_reference, 0.0, 2.0)


def tte_depth(X: Any, reference: Any = None) -> np.ndarray:
    """TTE depth of each row of ``X``, exact closed form (Seegmiller & Preum 2023).

    Parameters
    ----------
    X : array-like of shape (n, d)
        Embeddings whose depth is wanted. Rows need not be normalised; only their direction counts.
    reference : array-like of shape (n_F, d), optional
        The corpus F the depth is measured against. If omitted, the depth of each row of ``X`` with
        respect to ``X`` itself is returned, leaving the row itself out (in-sample; needs n >= 2).
        If given, every row of ``X`` is averaged over all of ``reference`` (out-of-sample); passing the
        same array twice therefore counts each document's zero distance to itself, which is
        usually not what you want: omit ``reference`` for in-sample depth.

    Returns
    -------
    ndarray of shape (n,)
        Depths in [0, 2]; larger means more central.

    Raises
    ------
    InputError
        Non-numeric, non-2-D, NaN/inf or all-zero rows, or mismatched dimensions.
    InsufficientDataError
        In-sample depth of a single document (nothing to compare it with).
    """
    if reference is None:
        Fh = _unit_rows(as_embedding_matrix(X, name="X", min_rows=2))
        return _in_sample(Fh, Fh.sum(axis=0))
    Xa = as_embedding_matrix(X, name="X", min_rows=1)
    F = as_embedding_matrix(reference, name="reference", min_rows=1)
    check_same_dimension(Xa, F, ("X", "reference"))
    return _out_of_sample(_unit_rows(Xa), _unit_rows(F).sum(axis=0), F.shape[0])


def liu_singh_q(depth_reference: Any, depth_sample: Any) -> float:
    """Liu–Singh quality index ``Q = mean_{y in G} #{x in F : D(x) <= D(y)} / n_F``.

    Parameters
    ----------
    depth_reference : array-like of shape (n_F,)
        Depths of the reference corpus F with respect to F.
    depth_sample : array-like of shape (n_G,)
        Depths of the compared corpus G with respect to F.

    Returns
    -------
    float
        In [0, 1]. About 0.5 when G looks like F, towards 0 when G is outlying relative to F, above
        0.5 when G sits more centrally than F's own documents.
    """
    dF = np.sort(np.asarray(depth_reference, dtype=np.float64).ravel())
    dG = np.asarray(depth_sample, dtype=np.float64).ravel()
    if dF.size == 0 or dG.size == 0:
        raise InsufficientDataError("liu_singh_q needs at least one depth in each sample.")
    if not (np.isfinite(dF).all() and np.isfinite(dG).all()):
        raise InsufficientDataError("liu_singh_q received NaN or infinite depths.")
    counts = np.searchsorted(dF, dG, side="right")  # #{x : D(x) <= D(y)}
    return float(counts.mean() / dF.size)


@dataclass(frozen=True)
class DepthTestResult:
    """Result of :func:`depth_rank_sum_test`: is the sample corpus G outlying relative to F?

    Attributes
    ----------
    statistic : float
        Wilcoxon rank-sum z statistic W of depths of F against depths of G (both w.r.t. F).
    pvalue : float
        p-value for ``alternative`` ("greater": F deeper than G, i.e. G outlying).
    quality_index : float
        Liu–Singh Q; about 0.5 when G looks like F, towards 0 when G is outlying.
    depth_reference : ndarray of shape (n_reference,)
        In-sample (leave-one-out) depths of F w.r.t. F.
    depth_sample : ndarray of shape (n_sample,)
        Out-of-sample depths of G w.r.t. F.
    n_reference, n_sample : int
        Corpus sizes.
    reference_name, sample_name : str
        Corpus names, used in tables and in the plain-language summary.
    alternative : str
        "greater", "less" or "two-sided".
    """

    statistic: float
    pvalue: float
    quality_index: float
    depth_reference: np.ndarray = field(repr=False, compare=False)
    depth_sample: np.ndarray = field(repr=False, compare=False)
    n_reference: int
    n_sample: int
    reference_name: str = "F"
    sample_name: str = "G"
    alternative: str = "greater"
    test: str = "depth rank-sum"

    def to_dict(self) -> dict[str, Any]:
        """Scalar fields (no per-document arrays)."""
        return {
            "test": self.test,
            "reference": self.reference_name,
            "sample": self.sample_name,
            "statistic": self.statistic,
            "pvalue": self.pvalue,
            "quality_index": self.quality_index,
            "n_reference": self.n_reference,
            "n_sample": self.n_sample,
            "alternative": self.alternative,
        }

    def to_frame(self):
        """One row per document: ``corpus``, ``index`` (row within its corpus), ``depth``."""
        import pandas as pd

        return pd.DataFrame({
            "corpus": [self.reference_name] * self.n_reference + [self.sample_name] * self.n_sample,
            "index": np.r_[np.arange(self.n_reference), np.arange(self.n_sample)],
            "depth": np.r_[self.depth_reference, self.depth_sample],
            "reference": self.reference_name,
        })


def depth_rank_sum_test(F: Any, G: Any, *, alternative: Literal["greater", "less", "two-sided"] = "greater",
                        reference_name: str = "F", sample_name: str = "G") -> DepthTestResult:
    """Depth rank-sum test of Seegmiller & Preum (2023): is G drawn from the same distribution as F?

    Depths of F (leave-one-out) and of G are both taken with respect to F, then compared with
    ``scipy.stats.ranksums(depth_F, depth_G, alternative=alternative)``. With the default
    "greater", a small p means F's documents are more central in F than G's are: G is outlying
    relative to F. The test is directional; use :func:`depth_rank_sum_test_both_ways` to run it with
    each corpus as the reference.

    Parameters
    ----------
    F : array-like of shape (n_F, d)
        Reference corpus embeddings, n_F >= 2.
    G : array-like of shape (n_G, d)
        Compared corpus embeddings, n_G >= 2.
    alternative : {"greater", "less", "two-sided"}
        Alternative hypothesis on the depths of F relative to those of G.
    reference_name, sample_name : str
        Names of F and G, carried into the result.

    Returns
    -------
    DepthTestResult

    Raises
    ------
    InputError
        NaN/inf, zero vectors, mismatched dimensions.
    InsufficientDataError
        A corpus with fewer than 2 documents.
    ParameterError
        Unknown ``alternative`` or empty names.

    Examples
    --------
    >>> import numpy as np
    >>> F = np.array([[1, 0], [0, 1], [1, 1]]); G = np.array([[-1, 0], [1, 0.1]])
    >>> r = depth_rank_sum_test(F, G)
    >>> round(r.statistic, 6), round(r.pvalue, 6), round(r.quality_index, 6)
    (0.57735, 0.281851, 0.333333)
    """
    check_choice(alternative, "alternative", _ALTERNATIVES)
    check_name(reference_name, "reference_name")
    check_name(sample_name, "sample_name")
    Fa = as_embedding_matrix(F, name="F", min_rows=2)
    Ga = as_embedding_matrix(G, name="G", min_rows=2)
    check_same_dimension(Fa, Ga, ("F", "G"))
    depth_F = tte_depth(Fa)
    depth_G = tte_depth(Ga, Fa)
    return _test_result(depth_F, depth_G, alternative, reference_name, sample_name)


def _test_result(depth_F: np.ndarray, depth_G: np.ndarray, alternative: str, reference_name: str,
                 sample_name: str) -> DepthTestResult:
    from scipy.stats import ranksums

    res = ranksums(depth_F, depth_G, alternative=alternative)
    return DepthTestResult(
        statistic=float(res.statistic),
        pvalue=float(res.pvalue),
        quality_index=liu_singh_q(depth_F, depth_G),
        depth_reference=depth_F,
        depth_sample=depth_G,
        n_reference=depth_F.shape[0],
        n_sample=depth_G.shape[0],
        reference_name=reference_name,
        sample_name=sample_name,
        alternative=alternative,
    )


@dataclass(frozen=True)
class BidirectionalDepthResult:
    """The depth rank-sum test run both ways: ``a_reference`` (is B outlying relative to A?) and
    ``b_reference`` (is A outlying relative to B?)."""

    a_reference: DepthTestResult
    b_reference: DepthTestResult

    @property
    def results(self) -> tuple[DepthTestResult, DepthTestResult]:
        return (self.a_reference, self.b_reference)

    def to_dict(self) -> dict[str, Any]:
        return {"a_reference": self.a_reference.to_dict(), "b_reference": self.b_reference.to_dict()}

    def to_frame(self):
        """Two rows, one per direction, with the scalar fields of each result."""
        import pandas as pd

        return pd.DataFrame([r.to_dict() for r in self.results])


def depth_rank_sum_test_both_ways(A: Any, B: Any, *, names: tuple[str, str] = ("A", "B"),
                                  alternative: Literal["greater", "less", "two-sided"] = "greater",
                                  ) -> BidirectionalDepthResult:
    """Run :func:`depth_rank_sum_test` with A as the reference, then with B as the reference.

    Parameters
    ----------
    A, B : array-like of shape (n_A, d) and (n_B, d)
        The two corpora's embeddings, each with at least 2 documents.
    names : tuple of two str
        Corpus names.
    alternative : {"greater", "less", "two-sided"}
        Passed to both tests.

    Returns
    -------
    BidirectionalDepthResult
        ``a_reference`` answers "is B outlying relative to A?", ``b_reference`` the reverse. When both
        are reported, correct for multiple testing (:func:`core.analysis.multitest.adjust_pvalues`).
    """
    if not (isinstance(names, (tuple, list)) and len(names) == 2):
        raise ParameterError(f"names must be a pair of corpus names; got {names!r}.")
    check_name(names[0], "names[0]")
    check_name(names[1], "names[1]")
    check_choice(alternative, "alternative", _ALTERNATIVES)
    # each corpus is validated and normalised once, not once per direction and depth (at 200,000
    # documents that repeated float64 copying took most of the time)
    Aa = as_embedding_matrix(A, name="F", min_rows=2)
    Ba = as_embedding_matrix(B, name="G", min_rows=2)
    check_same_dimension(Aa, Ba, ("F", "G"))
    Ah, Bh = _unit_rows(Aa), _unit_rows(Ba)
    del Aa, Ba
    mA, mB = Ah.sum(axis=0), Bh.sum(axis=0)
    return BidirectionalDepthResult(
        a_reference=_test_result(_in_sample(Ah, mA), _out_of_sample(Bh, mA, Ah.shape[0]), alternative,
                                 names[0], names[1]),
        b_reference=_test_result(_in_sample(Bh, mB), _out_of_sample(Ah, mB, Bh.shape[0]), alternative,
                                 names[1], names[0]),
    )


@dataclass(frozen=True)
class DepthExtremes:
    """The most central and the most outlying documents of one corpus (see :func:`depth_extremes`).

    Indices are row numbers within the corpus, so callers can attach texts:
    ``[texts[i] for i in result.central_indices]``.
    """

    central_indices: np.ndarray
    central_depths: np.ndarray
    outlying_indices: np.ndarray
    outlying_depths: np.ndarray
    corpus_name: str = "X"
    reference_name: str = "X"

    def to_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus_name,
            "reference": self.reference_name,
            "central_indices": self.central_indices.tolist(),
            "central_depths": self.central_depths.tolist(),
            "outlying_indices": self.outlying_indices.tolist(),
            "outlying_depths": self.outlying_depths.tolist(),
        }

    def to_frame(self):
        """Rows ``role`` ("central"/"outlying"), ``rank`` (1 = most), ``index``, ``depth``."""
        import pandas as pd

        k_c, k_o = len(self.central_indices), len(self.outlying_indices)
        return pd.DataFrame({
            "corpus": self.corpus_name,
            "reference": self.reference_name,
            "role": ["central"] * k_c + ["outlying"] * k_o,
            "rank": np.r_[np.arange(1, k_c + 1), np.arange(1, k_o + 1)],
            "index": np.r_[self.central_indices, self.outlying_indices].astype(int),
            "depth": np.r_[self.central_depths, self.outlying_depths],
        })


def depth_extremes(X: Any, *, reference: Any = None, k: int = 5, corpus_name: str = "X",
                   reference_name: str | None = None) -> DepthExtremes:
    """The ``k`` most central and ``k`` most outlying documents of a corpus, by TTE depth.

    Parameters
    ----------
    X : array-like of shape (n, d)
        The corpus whose documents are ranked.
    reference : array-like of shape (n_F, d), optional
        Rank by depth with respect to another corpus (e.g. "which science texts look most like
        games?"). Default: in-sample depth of ``X`` with respect to itself.
    k : int
        How many of each; capped at n.
    corpus_name, reference_name : str
        Names for the result (``reference_name`` defaults to ``corpus_name``).

    Returns
    -------
    DepthExtremes
        Indices and depths; most central first (highest depth), most outlying first (lowest depth).
        Ties are broken by the lower row index.
    """
    k = check_int(k, "k", minimum=1)
    check_name(corpus_name, "corpus_name")
    reference_name = corpus_name if reference_name is None else check_name(reference_name, "reference_name")
    return _extremes(tte_depth(X, reference), k, corpus_name, reference_name)


def _extremes(depth: np.ndarray, k: int, corpus_name: str, reference_name: str) -> DepthExtremes:
    k = min(k, depth.size)
    central = np.argsort(-depth, kind="stable")[:k]
    outlying = np.argsort(depth, kind="stable")[:k]
    return DepthExtremes(
        central_indices=central, central_depths=depth[central],
        outlying_indices=outlying, outlying_depths=depth[outlying],
        corpus_name=corpus_name, reference_name=reference_name,
    )


# --------------------------------------------------------------------------- every depth of a run, once


@dataclass(frozen=True, eq=False)
class CorpusDepths:
    """Every TTE depth a comparison of several corpora needs, each computed once (:func:`corpus_depths`).

    Attributes
    ----------
    names : tuple of str
        Corpus names, in input order.
    in_sample : dict of str to ndarray of shape (n_c,)
        Leave-one-out depth of each corpus's documents in their own corpus.
    cross : dict of (str, str) to ndarray of shape (n_other,)
        ``cross[(reference, other)]``: depth of the documents of ``other`` in ``reference``.
    """

    names: tuple[str, ...]
    in_sample: dict[str, np.ndarray] = field(repr=False)
    cross: dict[tuple[str, str], np.ndarray] = field(repr=False)

    def depth(self, reference: str, corpus: str) -> np.ndarray:
        """Depths of the documents of ``corpus`` in ``reference`` (in-sample when they are the same)."""
        return self.in_sample[corpus] if corpus == reference else self.cross[(reference, corpus)]

    def test(self, a: str, b: str, *, alternative: Literal["greater", "less", "two-sided"] = "greater",
             ) -> BidirectionalDepthResult:
        """:func:`depth_rank_sum_test_both_ways` of corpora ``a`` and ``b``, from the stored depths."""
        check_choice(alternative, "alternative", _ALTERNATIVES)
        return BidirectionalDepthResult(
            a_reference=_test_result(self.in_sample[a], self.cross[(a, b)], alternative, a, b),
            b_reference=_test_result(self.in_sample[b], self.cross[(b, a)], alternative, b, a))

    def extremes(self, corpus: str, k: int) -> DepthExtremes:
        """:func:`depth_extremes` of one corpus (in-sample), from the stored depths."""
        return _extremes(self.in_sample[corpus], check_int(k, "k", minimum=1), corpus, corpus)

    def to_frame(self):
        """Long table ``reference, corpus, depth``: for every reference corpus, the depth of every
        document of every corpus (its own corpus's documents leave themselves out)."""
        import pandas as pd

        parts = [pd.DataFrame({"reference": ref, "corpus": name, "depth": self.depth(ref, name)})
                 for ref in self.names for name in self.names]
        return pd.concat(parts, ignore_index=True)


def corpus_depths(corpora: dict[str, Any]) -> CorpusDepths:
    """In-sample depths of every corpus and the depths of every corpus in every other one, computed
    once: each corpus is validated, normalised and summed once, then every depth is one matrix-vector
    product (the closed forms in the module docstring).

    Parameters
    ----------
    corpora : dict of str to array-like of shape (n_c, d)
        At least two documents in each corpus; the same ``d`` everywhere.

    Returns
    -------
    CorpusDepths
        The same numbers as :func:`tte_depth` (in-sample and against each other corpus),
        :func:`depth_rank_sum_test_both_ways` and :func:`depth_extremes` give one by one.
    """
    names = tuple(corpora)
    for name in names:
        check_name(name, "corpus name")
    unit: dict[str, np.ndarray] = {}
    first = None
    for name in names:
        arr = as_embedding_matrix(corpora[name], name=name, min_rows=2)
        if first is not None:
            check_same_dimension(unit[first], arr, (first, name))
        first = first or name
        unit[name] = _unit_rows(arr)
    sums = {name: unit[name].sum(axis=0) for name in names}
    in_sample = {name: _in_sample(unit[name], sums[name]) for name in names}
    cross = {(ref, other): _out_of_sample(unit[other], sums[ref], unit[ref].shape[0])
             for ref in names for other in names if other != ref}
    return CorpusDepths(names=names, in_sample=in_sample, cross=cross)
