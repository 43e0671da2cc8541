"""Calibrated word-shift scores of one method for one pair of corpora, and their combination.

Each method (:mod:`core.analysis.shift.ensemble` for CADE, :mod:`core.analysis.shift.contextual` for
the bundled sentence model) measures every candidate word in four random halves of the two corpora,
several times over, and hands the averaged pairings (:class:`~core.analysis.shift.calibrate.HalfDistances`)
to :func:`~core.analysis.shift.calibrate.calibrate`. :class:`ShiftScores` holds the result for the
candidate words (at least ``min_freq`` occurrences in both corpora), and the per-corpus word vectors
from which neighbours are read. :func:`combine` averages two methods' z-scores (Stouffer's method,
equal weights) and their shifts, put on one scale, for the ``combined`` ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import norm

from core.analysis.shift.calibrate import Calibration, HalfDistances, calibrate
from core.exceptions import InputError, ParameterError

__all__ = ["COMBINED_WEIGHT", "ShiftScores", "combine"]


@dataclass(frozen=True, eq=False)
class ShiftScores:
    """One method's calibrated shift of the candidate words between corpora ``a`` and ``b``.

    Attributes
    ----------
    method : str
        ``"cade"``, ``"contextual"`` or ``"combined"``.
    corpus_a, corpus_b : str
    words : tuple of str, length n
        Candidate words (at least ``min_freq`` occurrences in both corpora), most frequent first.
    freq_a, freq_b : ndarray of int64, shape (n,)
    distances : HalfDistances or None
        The averaged pairings the calibration used (None for ``combined``).
    calibration : Calibration
        ``shift``, ``noise``, ``excess``, ``z``, ``p``, ``q`` per word.
    min_freq : int
    vocabulary : tuple of str, length V
        Words that have vectors for neighbours (a superset of ``words``).
    vocab_freq : ndarray of int64, shape (2, V)
        Counts of the vocabulary words in ``a`` and ``b``.
    similarity_vectors : tuple of ndarray
        For corpus a and b, arrays of shape (R, V, d): unit word vectors of each replicate (cosines
        are averaged over replicates, whose coordinates differ). Empty for ``combined``.
    params : mapping
        Hyperparameters, replicates and seconds.
    """

    method: str
    corpus_a: str
    corpus_b: str
    words: tuple[str, ...]
    freq_a: np.ndarray
    freq_b: np.ndarray
    distances: HalfDistances | None
    calibration: Calibration
    min_freq: int
    vocabulary: tuple[str, ...] = ()
    vocab_freq: np.ndarray | None = None
    similarity_vectors: tuple[np.ndarray, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.words)

    @property
    def shift(self) -> np.ndarray:
        return self.calibration.shift

    def order(self, by: str = "excess") -> np.ndarray:
        """Indices of the words, most shifted first, by ``"excess"``, ``"z"`` or ``"shift"``.

        Ties keep frequency order.
        """
        if by not in ("z", "excess", "shift"):
            raise ParameterError(f"by must be 'z', 'excess' or 'shift', got {by!r}")
        return np.argsort(-getattr(self.calibration, by), kind="stable")

    def ranking(self, by: str = "excess") -> tuple[str, ...]:
        return tuple(self.words[i] for i in self.order(by))

    def rank(self, word: str, by: str = "excess") -> int | None:
        """1-based rank of ``word``, or None when it is not a candidate."""
        ranking = self.ranking(by)
        return ranking.index(word) + 1 if word in ranking else None

    def significant(self, alpha: float = 0.05) -> np.ndarray:
        """Boolean mask of the words whose q-value is at most ``alpha``."""
        return self.calibration.q <= alpha

    def neighbours(self, words: Sequence[str], corpus: int, k: int = 5, *,
                   min_freq: int | None = None) -> list[tuple[str, ...]]:
        """Nearest words of each of ``words`` in corpus 0 (a) or 1 (b), by cosine averaged over replicates.

        Only words with at least ``min_freq`` (default the scores' ``min_freq``) occurrences in that
        corpus are offered; a word is never its own neighbour.
        """
        if not self.similarity_vectors or k <= 0:
            return [() for _ in words]
        floor = self.min_freq if min_freq is None else int(min_freq)
        index = {w: i for i, w in enumerate(self.vocabulary)}
        pool = np.flatnonzero(self.vocab_freq[corpus] >= floor)
        rows = np.array([index[w] for w in words], dtype=np.int64)
        if rows.size == 0 or pool.size == 0:
            return [() for _ in words]
        vecs = self.similarity_vectors[corpus]  # (R, V, d)
        sims = np.zeros((rows.size, pool.size))
        for rep in vecs:
            sims += np.asarray(rep[rows], dtype=np.float64) @ np.asarray(rep[pool], dtype=np.float64).T
        sims[pool[None, :] == rows[:, None]] = -np.inf
        out = []
        for r in range(rows.size):
            best = np.argsort(-sims[r], kind="stable")[:k]
            out.append(tuple(self.vocabulary[pool[j]] for j in best if np.isfinite(sims[r, j])))
        return out


#: Weight of the first method (CADE) in the combination; the second (the token vectors) gets the rest.
#: Chosen on the development pair of ``python -m bench shift`` (games–science, two planting seeds;
#: weights 0.4–0.9): 0.7 had the best graded-change Spearman (0.576; 0.5: 0.565, 0.9: 0.519) and the
#: second-best top-5 hit rate (50 %; 0.5: 42 %, 0.9: 54 %). Held out afterwards: top 5 49 % against 44 %
#: with equal weights, graded Spearman 0.637 against 0.635. Chosen while the noise was the word's own
#: split-half distance alone; re-checked with the shrunk noise (``calibrate.NOISE_SHRINK``) on the
#: development pair: 0.7 still had the best graded Spearman (0.595; 0.6: 0.595, 0.5: 0.592, 0.8: 0.575)
#: and a top-5 share of 50 % (0.6: 42 %, 0.8: 52 %).
COMBINED_WEIGHT = 0.7


def combine(first: ShiftScores, second: ShiftScores, *, weight: float = COMBINED_WEIGHT) -> ShiftScores:
    """Combination of two methods' scores on their shared candidate words.

    ``z = (z1 + z2) / sqrt(2)`` (Stouffer; the two methods read the same text and are positively
    correlated, which makes this z somewhat too large under no change: the benchmark's halves measure
    how many words it flags). The two methods measure distance on different scales (word2vec's
    ``1 − cosine`` is several times the token vectors'), so the second method's distances are first
    put on the first method's scale, multiplied by ``r = s1 / s2``, the ratio of the two methods' median
    noise spread (``noise_sd``) over all words. Then ``shift``, ``noise`` and ``excess`` are the means of
    the two methods' figures on that common scale, weighted ``weight`` and ``1 − weight``, so
    ``excess = shift − noise`` holds for the combination as for each method, and neither method's units
    dominate the ranking by excess.
    """
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
        raise ParameterError(f"weight must be a number in [0, 1], got {weight!r}")
    if (first.corpus_a, first.corpus_b) != (second.corpus_a, second.corpus_b):
        raise InputError("the two scores compare different corpora")
    index = {w: i for i, w in enumerate(second.words)}
    keep = [i for i, w in enumerate(first.words) if w in index]
    other = np.array([index[first.words[i]] for i in keep], dtype=np.int64)
    keep = np.array(keep, dtype=np.int64)
    c1, c2 = first.calibration, second.calibration
    scale1 = float(np.median(c1.noise_sd)) if len(c1.noise_sd) else 0.0
    scale2 = float(np.median(c2.noise_sd)) if len(c2.noise_sd) else 0.0
    r = scale1 / scale2 if scale1 > 0 and scale2 > 0 else 1.0

    def both(name: str) -> np.ndarray:
        return weight * getattr(c1, name)[keep] + (1 - weight) * r * getattr(c2, name)[other]

    z = (c1.z[keep] + c2.z[other]) / np.sqrt(2.0)
    from core.analysis.multitest import adjust_pvalues

    p = norm.sf(z)
    shift, noise = both("shift"), both("noise")
    noise_sd = np.sqrt(weight * c1.noise_sd[keep] ** 2 + (1 - weight) * (r * c2.noise_sd[other]) ** 2)
    cal = Calibration(shift=shift, noise=noise, excess=shift - noise, noise_sd=noise_sd, z=z, p=p,
                      q=np.asarray(adjust_pvalues(p, method="bh")))
    return ShiftScores(method="combined", corpus_a=first.corpus_a, corpus_b=first.corpus_b,
                       words=tuple(first.words[i] for i in keep), freq_a=first.freq_a[keep],
                       freq_b=first.freq_b[keep], distances=None, calibration=cal,
                       min_freq=max(first.min_freq, second.min_freq), vocabulary=first.vocabulary,
                       vocab_freq=first.vocab_freq, similarity_vectors=first.similarity_vectors,
                       params={"methods": [first.method, second.method], "scale": r, "weight": float(weight)})


def scores_from_replicates(method: str, a: str, b: str, words: Sequence[str], freq_a: np.ndarray,
                           freq_b: np.ndarray, replicates: list, *, min_freq: int,
                           **extra: Any) -> ShiftScores:
    """Build :class:`ShiftScores` from per-replicate ``pairings`` of the candidate words."""
    from core.analysis.shift.calibrate import average_pairings

    dist = average_pairings(replicates)
    cal = calibrate(dist, np.minimum(freq_a, freq_b))
    return ShiftScores(method=method, corpus_a=a, corpus_b=b, words=tuple(words),
                       freq_a=np.asarray(freq_a, dtype=np.int64), freq_b=np.asarray(freq_b, dtype=np.int64),
                       distances=dist, calibration=cal, min_freq=min_freq, **extra)
