"""Per-word noise and significance of a shift, from random halves of each corpus.

A word's distance between two corpora mixes real change with sampling noise, and the noise grows as
the word gets rarer: ranked by raw distance, the top of a list is led by rare words and by function
words with varied contexts (Dubossarsky, Weinshall, Grossman 2017, "Outta Control: Laws of Semantic
Change and Inherent Biases in Word Representation Models"). The control used here splits each corpus
into two random halves of its documents, ``A1, A2`` and ``B1, B2``, measures the word in each of the
four halves, and compares the three ways of pairing the four halves:

* ``M0 = (d(A1, A2) + d(B1, B2)) / 2``, within corpora: sampling noise only;
* ``M1 = (d(A1, B1) + d(A2, B2)) / 2`` and ``M2 = (d(A1, B2) + d(A2, B1)) / 2``, across corpora.

``d`` is the method's distance (``1 − cosine`` of the word's vectors in two halves). Every figure is
averaged over ``R`` replicates (new halves, and for CADE a new seed each time). Per word:

* ``shift = (M1 + M2) / 2``: distance across corpora, measured at half the corpus size;
* ``M0``: the distance the same word shows between two halves of one corpus;
* ``noise = λ M0 + (1 − λ) M̄0``, the shift expected from noise at the word's frequency: the word's own
  ``M0`` shrunk halfway (``λ = NOISE_SHRINK = 0.5``) towards ``M̄0``, the mean ``M0`` of the
  ``neighbourhood`` words nearest to it in log frequency (see "Shrunk noise" below);
* ``excess = shift − noise``: the ranking figure.

Why this is a valid test. If the two corpora use a word alike, the four halves are exchangeable, so
the three pairings are too, and the word's own split-half excess ``shift − M0`` is symmetric about 0.
Whatever the corpora, ``M1`` and ``M2`` are exchangeable (swap ``A1`` and ``A2``), so
``null = M2 − M1`` is a symmetric sample of noise for the very word, at its own frequencies, even when
the word did shift. For three exchangeable pairings of equal variance ``v`` and covariance ``c``,
``Var(shift − M0) = 1.5 (v − c)`` and
``Var(null) = 2 (v − c)``, hence ``sd(shift − M0) = sqrt(3/4) sd(null)`` under the hypothesis of no
shift. One word's ``null`` is a single draw, so its scale is pooled over words of similar frequency:
``sd_null(w)`` is the root mean square of ``null`` over the ``neighbourhood`` words nearest to ``w`` in
log frequency (frequency = the word's smaller count of the two corpora, which bounds its noise). Then
``z = (shift − M0) / (sqrt(3/4) sd_null)``, the one-sided p-value is ``1 − Φ(z)``, and
Benjamini–Hochberg q-values control the false discovery rate over all ranked words. The test uses the
word's own ``M0``, not the shrunk ``noise``: only the former is exchangeable with the cross pairings.

Shrunk noise (the ranking). ``M0`` is one noisy draw per word, and it is also raised by the very change
that is sought when a word gains or loses a sense: a word used in two ways in one corpus differs more
between two halves of that corpus, so ``shift − M0`` pushes sense mixtures down the list. The mean
``M0`` of words of similar frequency has neither problem but forgets that some words (function words,
words of many topics) vary more than others. Halfway between the two was chosen on the development
pair of ``python -m bench shift`` (games–science; λ tried 0, 0.25, 0.4, 0.5, 0.6, 0.75 and 1, the
combined method): λ = 0.5 had the best graded-change Spearman (0.595; 0.75: 0.581; 1, ``M0`` alone:
0.576) and 50 % of the planted words in the top 5 (0.75: 52 %; 1: 50 %; 48 words). Held out
afterwards: graded Spearman 0.686 against 0.637 on the three held-out pairs and 0.52 against 0.47
on the two larger pairs (targets down to 5 occurrences; CADE with the former epoch rule); planted
words in the top 5 50 % against 49 % (sense mixtures 19 % against 17 %). For CADE alone the held-out
top 5 fell (38 % against 42 %) while its graded Spearman rose (0.60 against 0.55).

Replicates. The split-half excess is averaged over the ``R`` replicates, but the noise scale is that
of a *single* replicate (``sd_null²`` is the mean over replicates of each replicate's windowed mean of
``(M2 − M1)²``). Replicates re-split the same documents, so they are correlated in a way that breaks
the exchangeability of the *averaged* pairings: averaged, ``M1`` and ``M2`` converge to each other
(both compare the same two whole corpora) and their difference underestimates the noise of the
averaged excess. A first version used the averaged difference and flagged 19 % of the words of two
halves of one corpus (contextual method, 24 halvings). An average never has a larger variance than
its terms, so the single-replicate scale is conservative: valid under no change, and exact when the
replicates are fully correlated (measured on the benchmark's halves: ``python -m bench shift``, row
"false positives on halves").

The additive picture behind it: for small angles ``1 − cos(u + e1, u + e2) ≈ |e1 − e2|² / 2``, so
the expected distance of two noisy measurements of one meaning is the sum of their noise terms. A
word with 200 occurrences in A and 20 in B has a noisy B side; ``M0``, ``M1`` and ``M2`` each contain
one A-side and one B-side noise term on average, so the frequency difference cancels out of
``excess`` and no word is flagged for being rare in one corpus.

Written here rather than taken from a library: no package implements this split-half design for word
vectors; it is a few lines of numpy over the per-word distances, and the BH step is
:func:`core.analysis.multitest.adjust_pvalues`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from core.exceptions import InputError, ParameterError

__all__ = ["DEFAULT_NEIGHBOURHOOD", "NOISE_SHRINK", "Calibration", "HalfDistances", "calibrate", "pairings"]

#: Words whose ``null`` values set a word's noise scale, and whose ``M0`` the word's own is shrunk
#: towards (at most; all words when fewer).
DEFAULT_NEIGHBOURHOOD = 60
#: Weight ``λ`` of the word's own within-corpus distance in ``noise`` (the rest: its frequency neighbours').
NOISE_SHRINK = 0.5
_SQRT_3_4 = float(np.sqrt(0.75))


@dataclass(frozen=True)
class HalfDistances:
    """The three pairings of four halves, averaged over replicates, for n words.

    Attributes
    ----------
    within, cross1, cross2 : ndarray of float64, shape (n,)
        ``M0``, ``M1`` and ``M2`` of the module docstring.
    replicates : int
        Replicates averaged.
    null_sq : ndarray of float64, shape (replicates, n), optional
        ``(M2 − M1)²`` of each replicate; the noise scale is taken from single replicates (see
        :func:`calibrate`). When omitted, the averaged ``M2 − M1`` is used (exact for one replicate).
    """

    within: np.ndarray
    cross1: np.ndarray
    cross2: np.ndarray
    replicates: int
    null_sq: np.ndarray | None = None


def pairings(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``M0, M1, M2`` of one replicate from the word's vectors in the four halves.

    Parameters
    ----------
    vectors : ndarray, shape (4, n, d)
        Vectors of n words in ``A1, A2, B1, B2`` (any scale: rows are normalised here).

    Returns
    -------
    within, cross1, cross2 : ndarray of float64, shape (n,)
    """
    v = np.asarray(vectors, dtype=np.float64)
    if v.ndim != 3 or v.shape[0] != 4:
        raise InputError(f"vectors must have shape (4, n, d) for the halves A1, A2, B1, B2, got {v.shape}")
    norms = np.linalg.norm(v, axis=2, keepdims=True)
    u = v / np.where(norms > 0, norms, 1.0)

    def d(i: int, j: int) -> np.ndarray:
        return 1.0 - np.clip(np.einsum("ij,ij->i", u[i], u[j]), -1.0, 1.0)

    return (d(0, 1) + d(2, 3)) / 2, (d(0, 2) + d(1, 3)) / 2, (d(0, 3) + d(1, 2)) / 2


def average_pairings(replicates: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> HalfDistances:
    """Average :func:`pairings` over replicates."""
    if not replicates:
        raise InputError("at least one replicate is needed")
    stack = np.asarray(replicates, dtype=np.float64)  # (R, 3, n)
    return HalfDistances(within=stack[:, 0].mean(axis=0), cross1=stack[:, 1].mean(axis=0),
                         cross2=stack[:, 2].mean(axis=0), replicates=len(replicates),
                         null_sq=(stack[:, 2] - stack[:, 1]) ** 2)


@dataclass(frozen=True)
class Calibration:
    """Shift, noise and significance of n words (see the module docstring).

    Attributes
    ----------
    shift, noise, excess : ndarray of float64, shape (n,)
        ``excess = shift − noise``, the ranking figure; ``noise`` is the shrunk estimate.
    noise_sd : ndarray of float64, shape (n,)
        Standard deviation of the split-half excess ``shift − M0`` expected from noise at the word's
        frequency.
    z, p, q : ndarray of float64, shape (n,)
        ``(shift − M0) / noise_sd``, one-sided p-value, Benjamini–Hochberg q-value.
    """

    shift: np.ndarray
    noise: np.ndarray
    excess: np.ndarray
    noise_sd: np.ndarray
    z: np.ndarray
    p: np.ndarray
    q: np.ndarray


def calibrate(distances: HalfDistances, freq: np.ndarray, *,
              neighbourhood: int = DEFAULT_NEIGHBOURHOOD, shrink: float = NOISE_SHRINK) -> Calibration:
    """Noise-calibrated shift of every word.

    Parameters
    ----------
    distances : HalfDistances
        Per-word pairings over the four halves, n words.
    freq : ndarray, shape (n,)
        The word's frequency that bounds its noise: its smaller count of the two corpora.
    neighbourhood : int, default 60
        Words nearest in log frequency whose ``null`` values set a word's noise scale, and whose mean
        ``M0`` the word's own is shrunk towards.
    shrink : float in [0, 1], default 0.5
        ``λ``, the weight of the word's own ``M0`` in ``noise`` (1: ``noise = M0``).

    Returns
    -------
    Calibration
    """
    from core.analysis.multitest import adjust_pvalues

    within, c1, c2 = (np.asarray(x, dtype=np.float64) for x in
                      (distances.within, distances.cross1, distances.cross2))
    freq = np.asarray(freq, dtype=np.float64)
    n = within.shape[0]
    if not (c1.shape == c2.shape == freq.shape == (n,)):
        raise InputError(f"distances and freq must all have shape (n,), got {within.shape}, {c1.shape}, "
                         f"{c2.shape}, {freq.shape}")
    if isinstance(neighbourhood, bool) or not isinstance(neighbourhood, (int, np.integer)) or neighbourhood < 2:
        raise ParameterError(f"neighbourhood must be an integer ≥ 2, got {neighbourhood!r}")
    if isinstance(shrink, bool) or not isinstance(shrink, (int, float)) or not 0 <= shrink <= 1:
        raise ParameterError(f"shrink must be a number in [0, 1], got {shrink!r}")
    shift = (c1 + c2) / 2
    own_excess = shift - within
    null_sq = (c2 - c1)[None] ** 2 if distances.null_sq is None else np.asarray(distances.null_sq, dtype=np.float64)
    if null_sq.ndim != 2 or null_sq.shape[1] != n:
        raise InputError(f"null_sq must have shape (replicates, {n}), got {null_sq.shape}")
    if n == 0:
        empty = np.empty(0)
        return Calibration(shift, within, own_excess, empty, empty, empty, empty)
    order = np.argsort(np.log(np.maximum(freq, 1.0)), kind="stable")
    k = int(min(neighbourhood, n))
    # window of k words centred on each word in frequency order (clamped at the ends)
    start = np.clip(np.arange(n) - k // 2, 0, n - k)

    def window_mean(values: np.ndarray) -> np.ndarray:
        cums = np.concatenate([[0.0], np.cumsum(values[order])])
        out = np.empty(n)
        out[order] = (cums[start + k] - cums[start]) / k
        return out

    sd_null = np.sqrt(window_mean(null_sq.mean(axis=0)))
    noise = shrink * within + (1 - shrink) * window_mean(within)
    # guard against a window of exact zeros (identical halves): no noise scale, no evidence
    floor = max(float(np.median(sd_null)) * 1e-3, 1e-12)
    noise_sd = _SQRT_3_4 * np.maximum(sd_null, floor)
    z = own_excess / noise_sd
    p = norm.sf(z)
    q = adjust_pvalues(p, method="bh")
    return Calibration(shift=shift, noise=noise, excess=shift - noise, noise_sd=noise_sd, z=z, p=p,
                       q=np.asarray(q, dtype=np.float64))
