"""Plain-language summary of a corpus comparison, for readers who are not statisticians.

:func:`summarize_comparison` turns the depth rank-sum test in both directions and any other
two-sample tests into two or three sentences: what was compared, whether there is evidence of a
difference, how large it is, and which corpus sits on the fringe of which.

Rules the wording follows (and the tests enforce):

- **Evidence** is decided only on multiple-testing-corrected p-values (Holm by default, see
  :mod:`core.analysis.multitest`), at level ``alpha`` (default 0.05), rejecting when ``p <= alpha``
  (valid for permutation p-values). Without evidence the text says "no evidence of a difference" and
  that this does not prove there is none; it never calls the corpora "the same" or "identical".
- **Strength** comes from an effect size, never from a p-value (a tiny p with thousands of documents
  can go with a negligible difference). It is the classifier AUC when a classifier test is given,
  otherwise the depth "AUC" ``1 - Q`` of the more outlying direction: the probability that a random
  reference document is more central than a random document of the other corpus (0.5 = no
  difference). Words, by AUC (a common convention for discrimination, e.g. Hosmer & Lemeshow 2000,
  "Applied Logistic Regression", §5.2.4):

  ========== ============
  AUC        word
  ========== ============
  < 0.6      negligible
  0.6 – 0.7  small
  0.7 – 0.8  moderate
  0.8 – 0.9  large
  >= 0.9     very large
  ========== ============

- **Direction** comes from the depth tests (Liu–Singh Q; 0.5 = as central as the reference corpus's
  own documents, towards 0 = on its fringe), and only directions whose corrected p-value is
  significant are stated as findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.analysis.depth import BidirectionalDepthResult
from core.analysis.multitest import CORRECTION_NAMES, DEFAULT_CORRECTION, adjust_pvalues
from core.analysis.twosample import TwoSampleResult
from core.exceptions import ParameterError
from core.validation import check_choice, check_float

__all__ = ["AUC_THRESHOLDS", "ComparisonSummary", "effect_size_word", "summarize_comparison"]

# (lower bound, word), checked from the top
AUC_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (0.9, "very large"), (0.8, "large"), (0.7, "moderate"), (0.6, "small"), (-np.inf, "negligible"),
)


def effect_size_word(auc: float) -> str:
    """The word for an AUC-type effect size (see the module docstring for the thresholds)."""
    auc = check_float(auc, "auc", minimum=0.0, maximum=1.0)
    return next(word for bound, word in AUC_THRESHOLDS if auc >= bound)


def _fmt_p(p: float) -> str:
    if p < 0.001:
        return "less than 0.001"
    return f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def _q(x: float) -> str:
    return f"{x:.2f}"


@dataclass(frozen=True)
class ComparisonSummary:
    """Result of :func:`summarize_comparison`.

    Attributes
    ----------
    text : str
        The summary: two or three sentences.
    sentences : tuple of str
        The same sentences, separately.
    evidence : bool
        Whether any corrected p-value is <= ``alpha``.
    strength : str
        Effect-size word ("negligible" .. "very large").
    effect_size : float
        The AUC-type number behind ``strength``.
    effect_size_name : str
        Which effect size that is.
    direction : str
        "b_on_fringe_of_a", "a_on_fringe_of_b", "each_on_fringe_of_other", "neither", or
        "not assessed" (no depth test given, or no evidence).
    alpha : float
    correction : str
        "holm" or "bh".
    tests : tuple of str
        Label of each test, in the order of ``pvalues``.
    pvalues, adjusted_pvalues : tuple of float
        Raw and corrected p-values.
    names : tuple of two str
    sizes : tuple of two int
    """

    text: str
    sentences: tuple[str, ...]
    evidence: bool
    strength: str
    effect_size: float
    effect_size_name: str
    direction: str
    alpha: float
    correction: str
    tests: tuple[str, ...]
    pvalues: tuple[float, ...]
    adjusted_pvalues: tuple[float, ...]
    names: tuple[str, str]
    sizes: tuple[int, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text, "evidence": self.evidence, "strength": self.strength,
            "effect_size": self.effect_size, "effect_size_name": self.effect_size_name,
            "direction": self.direction, "alpha": self.alpha, "correction": self.correction,
            "names": list(self.names), "sizes": list(self.sizes),
            "tests": [{"test": t, "pvalue": p, "adjusted_pvalue": q, "significant": q <= self.alpha}
                      for t, p, q in zip(self.tests, self.pvalues, self.adjusted_pvalues)],
        }

    def to_frame(self):
        """One row per test: ``test``, ``pvalue``, ``adjusted_pvalue``, ``significant``."""
        import pandas as pd

        return pd.DataFrame(self.to_dict()["tests"])


def _pair_of(depth: BidirectionalDepthResult | None, tests: Sequence[TwoSampleResult],
             names: Any) -> tuple[tuple[str, str], tuple[int, int]]:
    pairs: list[tuple[tuple[str, str], tuple[int, int]]] = []
    if depth is not None:
        a = depth.a_reference
        pairs.append(((a.reference_name, a.sample_name), (a.n_reference, a.n_sample)))
    for t in tests:
        pairs.append(((t.name_a, t.name_b), (t.n_a, t.n_b)))
    (na, nb), (sa, sb) = pairs[0]
    for (x, y), (sx, sy) in pairs[1:]:
        same = {(x, sx), (y, sy)} == {(na, sa), (nb, sb)}
        if not same:
            raise ParameterError(
                f"the results describe different comparisons: {na!r} ({sa}) vs {nb!r} ({sb}) and "
                f"{x!r} ({sx}) vs {y!r} ({sy}); summarise one pair of corpora at a time, with the same "
                "names and full sizes.")
    if names is not None:
        if not (isinstance(names, (tuple, list)) and len(names) == 2
                and all(isinstance(s, str) and s.strip() for s in names)):
            raise ParameterError(f"names must be a pair of non-empty strings; got {names!r}.")
        na, nb = names
    return (na, nb), (sa, sb)


def summarize_comparison(depth: BidirectionalDepthResult | None = None,
                         tests: Sequence[TwoSampleResult] = (), *, alpha: float = 0.05,
                         correction: str = DEFAULT_CORRECTION,
                         names: tuple[str, str] | None = None) -> ComparisonSummary:
    """Two or three plain sentences saying whether, how much and in which direction two corpora differ.

    Parameters
    ----------
    depth : BidirectionalDepthResult, optional
        :func:`core.analysis.depth.depth_rank_sum_test_both_ways` for the pair. Needed for the
        direction sentence.
    tests : sequence of TwoSampleResult
        Other tests on the same pair (:func:`core.analysis.twosample.two_sample_tests`).
    alpha : float
        Significance level for the corrected p-values, in (0, 1).
    correction : {"holm", "bh"}
        Multiple-testing correction over all p-values given (both depth directions count as two).
    names : tuple of two str, optional
        Override the corpus names stored in the results (order: the depth test's A then B).

    Returns
    -------
    ComparisonSummary

    Raises
    ------
    ParameterError
        No results, results about different corpora, bad ``alpha``/``correction``/``names``.
    """
    alpha = check_float(alpha, "alpha", minimum=0.0, maximum=1.0, strict_minimum=True, strict_maximum=True)
    check_choice(correction, "correction", tuple(CORRECTION_NAMES))
    if depth is not None and not isinstance(depth, BidirectionalDepthResult):
        raise ParameterError("depth must be the result of depth_rank_sum_test_both_ways "
                             f"(a BidirectionalDepthResult); got {type(depth).__name__}.")
    tests = tuple(tests)
    for t in tests:
        if not isinstance(t, TwoSampleResult):
            raise ParameterError(f"tests must contain TwoSampleResult objects; got {type(t).__name__}.")
    if depth is None and not tests:
        raise ParameterError("summarize_comparison needs at least one result: pass depth=... and/or tests=[...].")
    (name_a, name_b), (n_a, n_b) = _pair_of(depth, tests, names)

    labels: list[str] = []
    raw: list[float] = []
    if depth is not None:
        labels += [f"depth ({name_b} outlying relative to {name_a})",
                   f"depth ({name_a} outlying relative to {name_b})"]
        raw += [depth.a_reference.pvalue, depth.b_reference.pvalue]
    for t in tests:
        labels.append(t.test)
        raw.append(t.pvalue)
    adjusted = adjust_pvalues(raw, method=correction)
    evidence = bool((adjusted <= alpha).any())
    smallest = float(adjusted.min())
    k = len(raw)
    if k > 1:
        p_phrase = f"smallest of {k} {CORRECTION_NAMES[correction]}-corrected p-values: {_fmt_p(smallest)}"
    else:
        p_phrase = f"p-value: {_fmt_p(smallest)}"
    p_phrase += f"; threshold {alpha:g}"

    s1_head = f"We compared '{name_a}' ({n_a:,} documents) with '{name_b}' ({n_b:,} documents)"
    if evidence:
        s1 = f"{s1_head}: there is evidence that they differ ({p_phrase})."
    else:
        s1 = f"{s1_head}: there is no evidence of a difference ({p_phrase})."

    # effect size: classifier AUC if available, else the depth AUC-equivalent 1 - Q
    clf = [t for t in tests if t.test == "classifier"]
    if clf:
        effect = float(clf[0].effect_size)
        effect_name = "classifier AUC"
        word = effect_size_word(min(max(effect, 0.0), 1.0))
        if effect < 0.5:
            # below chance is not a "reverse" difference: out-of-fold predictions anti-correlate when
            # the corpora share documents (exact duplicates across them, or one corpus copied)
            detail = (f"a cross-validated classifier does no better than chance at telling their documents "
                      f"apart (AUC {effect:.2f}; 0.5 = chance; values below 0.5 arise when the corpora share "
                      "documents)")
        else:
            detail = (f"a cross-validated classifier reaches AUC {effect:.2f} at telling their documents "
                      "apart (0.5 = chance, 1 = perfectly)")
    elif depth is not None:
        a, b = depth.a_reference, depth.b_reference
        ref, other, q = (a.reference_name, a.sample_name, a.quality_index)
        if 1.0 - b.quality_index > 1.0 - a.quality_index:
            ref, other, q = (b.reference_name, b.sample_name, b.quality_index)
        effect = 1.0 - q
        effect_name = "depth AUC (1 - Q)"
        word = effect_size_word(effect)
        detail = (f"a randomly picked '{ref}' document is more central to '{ref}' than a randomly "
                  f"picked '{other}' document {100 * effect:.0f}% of the time (50% = no difference)")
    else:
        effect, effect_name, word, detail = float("nan"), "none", "not measured", ""

    if not detail:
        s2 = "No effect size is available from these tests (add the classifier or depth test for one)."
    elif evidence and word == "negligible":
        s2 = f"The difference is detectable but negligible in size: {detail}."
    elif evidence:
        s2 = f"The difference is {word}: {detail}."
    elif word == "negligible":
        s2 = f"The measured difference is negligible: {detail}."
    else:
        s2 = (f"The measured difference looks {word} ({detail}), but with {min(n_a, n_b):,} documents in "
              "the smaller corpus it could be chance.")

    sentences = [s1, s2]
    if not evidence:
        # the caveat goes between verdict and size, so it is read before any effect-size number
        sentences.insert(1, "These tests could not tell the two corpora apart, which does not prove that "
                            "no difference exists.")
    direction = "not assessed"
    if depth is not None and evidence:
        sig_ab = adjusted[0] <= alpha  # B outlying relative to A
        sig_ba = adjusted[1] <= alpha
        qa, qb = depth.a_reference.quality_index, depth.b_reference.quality_index
        if sig_ab and sig_ba:
            direction = "each_on_fringe_of_other"
            sentences.append(
                f"Each corpus's documents tend to lie on the fringe of the other (Q = {_q(qa)} for "
                f"'{name_b}' within '{name_a}', {_q(qb)} for '{name_a}' within '{name_b}'; 0.5 = as "
                "central as the corpus's own documents): they occupy different regions rather than one "
                "sitting inside the other.")
        elif sig_ab or sig_ba:
            ref, out, q_in, q_rev = (name_a, name_b, qa, qb) if sig_ab else (name_b, name_a, qb, qa)
            direction = "b_on_fringe_of_a" if sig_ab else "a_on_fringe_of_b"
            sentences.append(
                f"'{out}' documents tend to lie on the fringe of '{ref}' (quality index Q = {_q(q_in)}, "
                f"where 0.5 = as central as '{ref}' documents themselves), more than the reverse "
                f"(Q = {_q(q_rev)}).")
        else:
            direction = "neither"
            sentences.append(
                "The depth tests found no evidence that either corpus lies on the fringe of the other, "
                "so the difference is not in how central their documents are.")
    return ComparisonSummary(
        text=" ".join(sentences), sentences=tuple(sentences), evidence=evidence, strength=word,
        effect_size=effect, effect_size_name=effect_name, direction=direction, alpha=alpha,
        correction=correction, tests=tuple(labels), pvalues=tuple(float(p) for p in raw),
        adjusted_pvalues=tuple(float(q) for q in adjusted), names=(name_a, name_b), sizes=(n_a, n_b),
    )
