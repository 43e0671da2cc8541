"""Word-shift benchmark, parts ``settings:dev`` and ``settings:held:<i>``: CADE's dimension and the
frequency floor ``min_freq``.

The same corpora, planted changes and planting seeds as the rest of ``python -m bench shift``
(:mod:`bench.bench_shift`): the planted swaps and mixtures (top-5 and top-10 hit rates by excess over
noise, by kind) and the graded benchmark (Spearman with the planted share over its 48 targets), for
CADE and for the combination with the contextual method, with

* CADE vectors of :data:`DIMS` dimensions (``min_freq`` 20);
* ``min_freq`` in :data:`MIN_FREQS` (100 dimensions): the least occurrences in each corpus for a word
  to be scored, so the number of words that compete with the planted ones for the top of the list.

Every planted word and graded target occurs 20 times or more in both corpora, so ``min_freq`` up to 20
scores them all; at 30 the planted words of the 20–40 band that fall below it are not ranked (their
hit rates then count only the others: the figure is not comparable, and it says so).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import spearmanr

from bench import bench_shift as bs
from bench import shift_corpora as sc
from core.analysis.shift.contextual import contextual_scores
from core.analysis.shift.ensemble import DEFAULT_DIM, pair_scores, train_halves
from core.analysis.shift.scores import combine

#: CADE dimensions compared (min_freq 20)
DIMS = (50, 100, 200)
#: frequency floors compared (CADE with 100 dimensions)
MIN_FREQS = (10, 15, 20, 30)
CHOSEN_MIN_FREQ = 20


def _configs() -> list[tuple[int, int]]:
    return [(d, CHOSEN_MIN_FREQ) for d in DIMS] + [(DEFAULT_DIM, m) for m in MIN_FREQS if m != CHOSEN_MIN_FREQ]


def raw(part: str, quick: bool) -> dict:
    """Planted ranks and graded scores of every setting, on the development pair (``settings:dev``)
    or one held-out pair (``settings:held:<i>``)."""
    from core.exceptions import CorpusCompassWarning

    warnings.simplefilter("ignore", CorpusCompassWarning)
    which = part.split(":", 1)[1]
    if which == "dev":
        pairs, seeds, split = bs.DEV, bs.PLANT_SEEDS, "dev"
    elif which.startswith("held:"):
        pairs, seeds, split = [bs.HELD[int(which[5:])]], bs.HELD_PLANT_SEEDS, "held out"
    else:
        raise ValueError(f"unknown BENCH_SHIFT_PART {part!r} (settings:dev or settings:held:<i>)")
    replicates = 2 if quick else 3
    layer, center = bs.CTX_CHOSEN
    out = []
    for a, b in pairs:
        texts, tokens, freqs, words = bs._prepared((a, b), min_freq=min(MIN_FREQS))
        sums = {n: bs._sums(n, texts[n], words[n], layer) for n in (a, b)}
        for ps in seeds[:1] if quick else seeds:
            for kind in ("planted", "graded"):
                if kind == "planted":
                    chosen, planted, stratum = bs._choose_planted(a, b, freqs, ps)
                    gold = {}
                else:
                    chosen, gold = bs._graded_targets(a, b, freqs, ps)
                    planted, stratum = {w for w, g in gold.items() if g > 0}, {}
                texts_b, tokens_b, changed = sc.plant(texts[b], tokens[b], chosen, seed=ps)
                sb = bs._planted_sums(sums[b], texts_b, changed, planted, layer)
                halves = {dim: train_halves({a: tokens[a], b: tokens_b}, replicates=replicates,
                                            epochs=bs.CADE_CHOSEN, seed=ps, dim=dim) for dim in DIMS}
                for dim, min_freq in _configs():
                    cs = pair_scores(halves[dim], a, b, min_freq=min_freq)
                    ctx = contextual_scores(a, sums[a], b, sb, min_freq=min_freq, center=center, seed=ps)
                    record = {"split": split, "pair": f"{a}–{b}", "seed": ps, "kind": kind,
                              "dim": dim, "min_freq": min_freq, "methods": {}}
                    for method, sco in (("cade", cs), ("combined", combine(cs, ctx))):
                        entry: dict = {"n_words": len(sco)}
                        if kind == "planted":
                            entry["ranks"] = [[rank, stratum[w][0]]
                                              for w, rank in bs._planted_ranks(sco.ranking("excess"), planted)]
                            entry["planted"] = len(planted)
                        else:
                            index = {w: i for i, w in enumerate(sco.words)}
                            common = [w for w in gold if w in index]
                            entry["rho"] = float(spearmanr([gold[w] for w in common],
                                                           [sco.calibration.excess[index[w]] for w in common])[0])
                        record["methods"][method] = entry
                    out.append(record)
    return {"settings": out}


def rows(records: list[dict]) -> list[dict]:
    """One row per split, method and setting: hit rates of the planted words, graded Spearman, words
    scored."""
    out = []
    for split in ("dev", "held out"):
        for dim, min_freq in _configs():
            for method in ("cade", "combined"):
                chosen = [r for r in records if r["split"] == split and (r["dim"], r["min_freq"]) == (dim, min_freq)]
                planted = [r["methods"][method] for r in chosen if r["kind"] == "planted"]
                graded = [r["methods"][method]["rho"] for r in chosen if r["kind"] == "graded"]
                if not planted or not graded:
                    continue
                ranks = np.array([rank for e in planted for rank, _ in e["ranks"]])
                kinds = np.array([k for e in planted for _, k in e["ranks"]])
                n_planted = sum(e["planted"] for e in planted)
                unranked = n_planted - ranks.size
                words = int(np.mean([e["n_words"] for e in planted]))
                note = (f"top 5 {np.mean(ranks <= 5):.0%} (swaps {np.mean(ranks[kinds == 'swap'] <= 5):.0%}, "
                        f"mixtures {np.mean(ranks[kinds == 'mixture'] <= 5):.0%}), top 10 {np.mean(ranks <= 10):.0%}, "
                        f"median rank {np.median(ranks):.0f}; graded Spearman {np.mean(graded):.2f}; "
                        f"{words} words scored per pair")
                if unranked:
                    note += (f"; {unranked} of {n_planted} planted words (and graded targets) below min_freq, "
                             "not ranked (not comparable)")
                out.append({"case": f"{split}: settings, {method}, CADE {dim} dimensions, min_freq {min_freq}",
                            "n": int(ranks.size), "note": note})
    return out
