"""Two corrections of word shift for words that follow the topic of their contexts, tried and left out.

Between corpora on different topics, function words ("from", "in", "or") shift beyond noise: their
vectors are made from the words around them, and those change with the topic. Two published remedies
replace the distance between a word's two vectors (``1 − cosine``), on the word-shift benchmark's pairs
and planted changes (``python -m bench shift``: development pair games–science with two planting seeds,
held-out pairs graphics–sound, net–admin and text–utils with one):

* ``local k``: Hamilton, Leskovec & Jurafsky (2016, "Cultural shift or linguistic drift?"), local
  neighbourhood measure: the word's cosines to the union of its k nearest neighbours in either half,
  compared between the halves (``1 − cosine`` of the two vectors of cosines); neighbours among the
  scored words. A function word keeps function words as neighbours when its contexts' topic changes.
* ``common removed, r components``: the difference of the word's two unit vectors, less its mean over
  all scored words (a shift every word shares) and its projection on the r main directions of all
  words' differences, then ``|difference|² / 2`` (equal to ``1 − cosine`` when nothing is removed).

Both are symmetric functions of the two halves compared, so the split-half calibration stays valid
(false positives on halves below). ``global`` is the distance in use. Rows: top-5 and top-10 hit rates
of the planted words (ranked by excess over noise, among unplanted words), by kind; the function words
(``core.results.queries.function_words``) among the 20 unplanted words ranked first on the pairs
without planted changes; on held-out pairs, the share of words flagged on two random halves of the
first corpus.

Result (2026-12-05): both corrections lower the share of planted changes found (held out, combined
method, top 5: 49 % with the distance in use, 26–33 % with the local measure, 25–49 % with the common
shift removed, none above). The local measure does take function words out of the top 20 on the
development pair (combined: 7 → 2) but not on the held-out pairs (3.7 → 4.0 to 4.3). The distance in
use stays; the dashboard and the report name the function words instead (``function_word_note``).
These figures were measured with the noise of that date, the word's own split-half distance; the
ranking's noise has since been shrunk towards the word's frequency neighbours (``calibrate.NOISE_SHRINK``,
2026-12-06) and this comparison was not rerun.
"""

from __future__ import annotations

import time

import numpy as np

from bench import bench_shift as bs
from bench import shift_corpora as sc
from core.analysis.shift import contextual as ctx_module
from core.analysis.shift import ensemble as ens_module
from core.analysis.shift.calibrate import pairings as global_pairings
from core.analysis.shift.scores import combine
from core.results.queries import function_words


def _unit(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, dtype=np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=2, keepdims=True), 1e-12)


def _three(d):
    """``M0, M1, M2`` of :func:`core.analysis.shift.calibrate.pairings` for a distance ``d(i, j)`` between
    the halves A1, A2, B1, B2."""
    return (d(0, 1) + d(2, 3)) / 2, (d(0, 2) + d(1, 3)) / 2, (d(0, 3) + d(1, 2)) / 2


def _local(k: int):
    def pairings(vectors: np.ndarray):
        u = _unit(vectors)
        n = u.shape[1]
        kk = min(k, n - 1)
        sims = [u[h] @ u[h].T for h in range(4)]
        tops = []
        for s in sims:
            np.fill_diagonal(s, -np.inf)
            mask = np.zeros((n, n), dtype=bool)
            np.put_along_axis(mask, np.argpartition(-s, kk, axis=1)[:, :kk], True, axis=1)
            tops.append(mask)
            np.fill_diagonal(s, 0.0)

        def d(i: int, j: int) -> np.ndarray:
            m = tops[i] | tops[j]
            a, b = sims[i] * m, sims[j] * m
            return 1.0 - (a * b).sum(1) / np.maximum(np.sqrt((a * a).sum(1) * (b * b).sum(1)), 1e-12)

        return _three(d)
    return pairings


def _common_removed(r: int):
    def pairings(vectors: np.ndarray):
        u = _unit(vectors)

        def d(i: int, j: int) -> np.ndarray:
            delta = u[j] - u[i]
            delta = delta - delta.mean(axis=0)
            if r:
                p = np.linalg.svd(delta, full_matrices=False)[2][:r]
                delta = delta - (delta @ p.T) @ p
            return (delta * delta).sum(1) / 2

        return _three(d)
    return pairings


SETTINGS = {"global": global_pairings, "local 10": _local(10), "local 25": _local(25),
            "common removed, 0 components": _common_removed(0), "common removed, 3 components": _common_removed(3),
            "common removed, 10 components": _common_removed(10)}


def _use(pairings) -> None:
    ens_module.pairings = pairings
    ctx_module.pairings = pairings


def _scored(halves, a, b, sums_a, sums_b, seed):
    cs = ens_module.pair_scores(halves, a, b)
    cx = ctx_module.contextual_scores(a, sums_a, b, sums_b, seed=seed)
    return {"cade": cs, "contextual": cx, "combined": combine(cs, cx)}


def _pair(split: str, a: str, b: str, seeds, out: dict, replicates: int) -> None:
    layer = bs.CTX_CHOSEN[0]
    texts, tokens, freqs, words = bs._prepared((a, b))
    sums = {n: bs._sums(n, texts[n], words[n], layer) for n in (a, b)}
    fw = function_words()
    halves = ens_module.train_halves({a: tokens[a], b: tokens[b]}, replicates=replicates, epochs=bs.CADE_CHOSEN,
                                     seed=0)
    for name, pairings in SETTINGS.items():
        _use(pairings)
        for method, sco in _scored(halves, a, b, sums[a], sums[b], 0).items():
            top = list(sco.ranking("excess"))[:20]
            out.setdefault((split, method, name), {}).setdefault("function", []).append(sum(w in fw for w in top))
    for ps in seeds:
        chosen, planted, stratum = bs._choose_planted(a, b, freqs, ps)
        texts_b, tokens_b, changed = sc.plant(texts[b], tokens[b], chosen, seed=ps)
        halves = ens_module.train_halves({a: tokens[a], b: tokens_b}, replicates=replicates,
                                         epochs=bs.CADE_CHOSEN, seed=ps)
        sums_b = bs._planted_sums(sums[b], texts_b, changed, planted, layer)
        for name, pairings in SETTINGS.items():
            _use(pairings)
            for method, sco in _scored(halves, a, b, sums[a], sums_b, ps).items():
                entry = out.setdefault((split, method, name), {})
                for w, rank in bs._planted_ranks(sco.ranking("excess"), planted):
                    entry.setdefault(stratum[w][0], []).append(rank)
    if split == "held out":
        first, second = bs._halves_split(tokens[a])  # the same split as of the texts, tokenized once
        halves = ens_module.train_halves({"h1": first, "h2": second}, replicates=replicates,
                                         epochs=bs.CADE_CHOSEN, seed=3)
        g = sums[a].sums.shape[0]
        s1, s2 = bs._sub_sums(sums[a], list(range(0, g, 2))), bs._sub_sums(sums[a], list(range(1, g, 2)))
        for name, pairings in SETTINGS.items():
            _use(pairings)
            for method, sco in _scored(halves, "h1", "h2", s1, s2, 3).items():
                out[(split, method, name)].setdefault("fp", []).append(
                    (float((sco.calibration.q <= 0.05).mean()), float((sco.calibration.p <= 0.05).mean())))


def run(quick: bool = False) -> list[dict]:
    import warnings

    from core.exceptions import CorpusCompassWarning

    warnings.simplefilter("ignore", CorpusCompassWarning)  # the benchmark's corpora are small on purpose
    replicates = 2 if quick else 3
    held = bs.HELD[:1] if quick else bs.HELD
    out: dict = {}
    started = time.perf_counter()
    try:
        for a, b in bs.DEV:
            _pair("dev", a, b, bs.PLANT_SEEDS[:1] if quick else bs.PLANT_SEEDS, out, replicates)
        for a, b in held:
            _pair("held out", a, b, bs.HELD_PLANT_SEEDS, out, replicates)
    finally:
        _use(global_pairings)
    rows = []
    for (split, method, name), entry in out.items():
        ranks = np.asarray(entry.get("swap", []) + entry.get("mixture", []))
        by_kind = ", ".join(f"{kind}s top 5 {np.mean(np.asarray(entry[kind]) <= 5):.0%}"
                            for kind in ("swap", "mixture") if entry.get(kind))
        note = (f"top 5 {np.mean(ranks <= 5):.0%}, top 10 {np.mean(ranks <= 10):.0%}, median rank "
                f"{np.median(ranks):.0f} ({by_kind}); function words in the top 20 without planted changes: "
                f"{np.mean(entry['function']):.1f} (mean over {len(entry['function'])} "
                f"{'pair' if len(entry['function']) == 1 else 'pairs'})")
        if entry.get("fp"):
            fp = np.asarray(entry["fp"])
            note += f"; flagged on halves: q ≤ 0.05 {fp[:, 0].mean():.1%}, p ≤ 0.05 {fp[:, 1].mean():.1%}"
        rows.append({"case": f"{split}: {method}, {name}", "n": int(ranks.size), "note": note})
    rows.append({"case": "all settings, all pairs", "seconds": time.perf_counter() - started})
    return rows
