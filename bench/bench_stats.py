"""Corpus comparison statistics (core.analysis): the depth test's closed form against the naive pairwise
definition, and the permutation tests (MMD, energy distance, classifier; 999 permutations) at 5,000
documents per corpus, with the default per-corpus cap of 2,000 (baseline: the same test without the
cap, one run). Data: synthetic 384-dimensional unit vectors in a cone, like sentence embeddings.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist
from scipy.stats import ranksums

from bench.timing import best_of
from core.analysis.attribution import classifier_attribution
from core.analysis.depth import depth_rank_sum_test, depth_rank_sum_test_both_ways
from core.analysis.spread import spread_report
from core.analysis.twosample import (
    DEFAULT_MAX_N,
    DEFAULT_N_PERMUTATIONS,
    classifier_test,
    energy_test,
    mmd_test,
)

D = 384


def _corpora(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    center = rng.standard_normal(D)
    center *= 4.0 / np.linalg.norm(center)
    A = rng.standard_normal((n, D)) * 0.25 + center / np.sqrt(D)
    B = rng.standard_normal((n, D)) * 0.25 + center / np.sqrt(D)
    B[:, :8] += 0.05  # a small difference in a few directions
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    B /= np.linalg.norm(B, axis=1, keepdims=True)
    return A.astype(np.float32), B.astype(np.float32)


def _naive_depth_test(F: np.ndarray, G: np.ndarray):
    """The definition with full pairwise cosine-distance matrices (scipy cdist)."""
    dFF = cdist(F, F, metric="cosine")
    np.fill_diagonal(dFF, 0.0)
    depth_F = 2.0 - dFF.sum(axis=1) / (len(F) - 1)
    depth_G = 2.0 - cdist(G, F, metric="cosine").mean(axis=1)
    return depth_F, depth_G, ranksums(depth_F, depth_G, alternative="greater")


def run(quick: bool = False) -> list[dict]:
    rows: list[dict] = []
    n_depth = 500 if quick else 2000
    F, G = _corpora(n_depth)
    t_fast, res = best_of(lambda: depth_rank_sum_test(F, G))
    t_naive, (dF, dG, naive) = best_of(lambda: _naive_depth_test(F.astype(np.float64), G.astype(np.float64)))
    err = max(np.abs(res.depth_reference - dF).max(), np.abs(res.depth_sample - dG).max())
    rows.append({
        "case": f"depth rank-sum test, closed form (d={D})", "n": n_depth, "seconds": t_fast,
        "baseline": "naive pairwise cosine distances (scipy cdist)", "baseline_seconds": t_naive,
        "ratio": t_naive / t_fast,
        "note": (f"n per corpus; max |depth difference| {err:.1e}; |W difference| "
                 f"{abs(res.statistic - naive.statistic):.1e}; identical to 1e-9: {err <= 1e-9}"),
    })

    n = 1000 if quick else 5000
    A, B = _corpora(n, seed=1)
    t, _ = best_of(lambda: depth_rank_sum_test_both_ways(A, B))
    rows.append({"case": "depth rank-sum test, both directions", "n": n, "seconds": t,
                 "note": "n per corpus"})
    B_perm = DEFAULT_N_PERMUTATIONS
    for name, test in (("MMD", mmd_test), ("energy distance", energy_test), ("classifier", classifier_test)):
        t_cap, capped = best_of(lambda test=test: test(A, B, n_permutations=B_perm))
        t_full, full = best_of(lambda test=test: test(A, B, n_permutations=B_perm, max_n=None), repeat=1)
        rows.append({
            "case": f"{name} test, {B_perm} permutations, max_n={DEFAULT_MAX_N}", "n": n, "seconds": t_cap,
            "baseline": "same test without the cap (max_n=None, one run)", "baseline_seconds": t_full,
            "ratio": t_full / t_cap,
            "note": (f"n per corpus; capped p={capped.pvalue:.3g} on {capped.n_used_a}+{capped.n_used_b}, "
                     f"uncapped p={full.pvalue:.3g} on {full.n_used_a}+{full.n_used_b}"),
        })
    t, att = best_of(lambda: classifier_attribution(A, B), repeat=1)
    rows.append({"case": "classifier attribution (fitted logistic regression, 5 folds, no cap)", "n": n,
                 "seconds": t, "note": f"n per corpus; out-of-fold AUC {att.auc:.3f}"})
    t, rep = best_of(lambda: spread_report(A))
    rows.append({"case": "spread report (IsoScore, EEE, VRM, average cosine, spectrum)", "n": n, "seconds": t,
                 "note": f"one corpus; IsoScore {rep.isoscore:.3f}"})
    return rows
