"""Word shift on real corpus pairs with planted changes: how often a planted change reaches the top of
the list, how many words two random halves of one corpus flag, and whether two seeds agree.

Corpora (``bench/shift_corpora.py``): Debian 12 package descriptions, at most 700 documents per corpus
(33,000–60,000 tokens). Development pair, on which the defaults were chosen: games–science (the
bundled samples; two planting seeds). Held-out pairs, used only for the figures: graphics–sound (with
video), net–admin and text–utils (one planting seed each). In each pair, corpus B gets planted changes:
24 content words (not in scikit-learn's English stop-word list) in 12 target/donor pairs, two per
frequency band (20–40, 40–100, 100–300 occurrences in B) and strength (context swap: all occurrences
exchanged; sense mixture: half of them). A planted word's rank counts only unplanted words above it,
so "top 5" means at most four real words outrank it. The real pairs differ in topic, so many real
words shift too: a planted word must beat them.

Rows: per method and setting, ``n`` planted words, ``seconds`` per pair (CADE: training; contextual:
the encoding of the two corpora and of the planted documents), ``note``: top-5 and top-10 hit rates
and the median rank, on the development pair ("dev") and the held-out pairs ("held out"), for three
rankings (excess over noise, the default; z; raw shift); then the held-out hit rates by kind and band;
then, on graphics–sound with the chosen settings, the share of words flagged on two random halves of
one corpus (both corpora of the pair; q ≤ 0.05 and p ≤ 0.05) and the seed agreement (Spearman between
two seeds' ranking scores of the words with 20+ occurrences in both corpora).

The contextual method's planted corpora re-encode the documents that contain a planted word and take
the planted words' usages from them; other words keep their usages from the original text (a planted
swap changes one token in their context window, which is left out to keep the benchmark in minutes).
On a loaded machine the parts can run in parallel processes: ``BENCH_SHIFT_PART=held:0`` (and
``held:1``, ``held:2``, ``dev``, ``fp``, ``seeds:0``, ``seeds:1``), then ``BENCH_SHIFT_PART=combine
python -m bench shift`` writes the table. The parts ``measures:dev`` and ``measures:held`` (contextual
only, a few minutes) add rows comparing the contextual method's distance measures (prototype, APD,
MMD with a Gaussian kernel; issue 13) and their false positives on halves.

Graded change (parts ``graded:dev``, ``graded:0``, ``graded:1``, ``graded:2``; rows "graded change"), in
the manner of SemEval-2020 Task 1's graded subtask, where a method's score is compared with a graded
gold ranking by Spearman's rho: in each pair, 24 planted words have a share 1, 0.75, 0.5 or 0.25 of
their occurrences exchanged with a donor (one target/donor pair per share and frequency band), and 24
unplanted content words of the same bands are stable targets (gold 0; as SemEval's stable words drift,
some of them shifted for real between these topically different corpora). The note gives Spearman
between the score and the planted share over the 48 targets, the mean over the pairs (games–science
with two planting seeds on the development side), then each pair.

Larger corpora (parts ``graded:large:0`` and ``graded:large:1``; rows "larger corpora"): the same graded
benchmark on two pairs of several Debian sections together, every document (290,000–340,000 tokens per
pair, the size of a SemEval-2020 English downsample of about 150,000 tokens per period), with targets
down to 5 occurrences (bands 5–10, 10–20, 20–40, 40–100, 100–300 in B; 80 targets per planting seed,
two seeds) scored with min_freq 5. It checks that the defaults chosen at 33,000–60,000 tokens carry
over to larger corpora and to rare words: CADE with the automatic epochs (20 at this size) and with the
former rule's (a budget of 3.6 million token passes: 12–14 epochs here), Spearman per frequency band,
and CADE's training time.

Settings (parts ``settings:dev``, ``settings:held:0``, ``settings:held:1``, ``settings:held:2``; rows
"settings", ``bench/bench_shift_settings.py``): CADE's dimension (50, 100, 200; ``min_freq`` 20) and the
frequency floor ``min_freq`` (10, 15, 20, 30; 100 dimensions), on the same planted words and graded
targets, for CADE and the combination: top-5 hit rates by kind, graded Spearman, words scored per pair.
Every planted word occurs 20 times or more in both corpora, so a lower floor only adds competing
words; at 30 some planted words and graded targets are not scored, and the row says so.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
from scipy.stats import spearmanr

from bench import shift_corpora as sc
from core.analysis.shift.contextual import DEFAULT_GROUPS, UsageSums, contextual_scores, usage_sums
from core.analysis.shift.ensemble import ensemble_epochs, pair_scores, train_halves
from core.analysis.shift.scores import combine
from core.load.tokens import tokenize, word_frequencies

DEV = [("games", "science")]
HELD = [("graphics", "sound"), ("net", "admin"), ("text", "utils")]
MAX_DOCS = 700
PLANT_SEEDS = (1, 2)
#: planting seeds on the held-out pairs, pairs used for the control rows (time: the machine is shared)
HELD_PLANT_SEEDS = (1,)
CONTROL_PAIRS = 1
#: CADE settings compared on the development pairs (epochs); the chosen one also runs held out
CADE_EPOCHS = (10, None)
CADE_CHOSEN = None
#: contextual: layer of the model; with BENCH_SHIFT_SWEEP=1 every layer is compared on dev pairs
CTX_LAYERS = (2, 3)
CTX_CHOSEN = (3, False)
RANK_BY = ("excess", "z", "shift")
#: contextual distance measures compared by the ``measures:*`` parts (core.analysis.shift.contextual.MEASURES)
CTX_MEASURES = ("prototype", "apd", "apd_norm")
#: kernels (random features, gamma) of the "mmd" measure compared by ``measures:dev``; the chosen one
#: (gamma about 1 / median squared distance of two usages of a word) also runs in ``measures:held``
CTX_KERNELS = ((1024, 0.5), (1024, 2.0), (1024, 8.0))
CTX_KERNEL_CHOSEN = (1024, 2.0)

_EMBEDDER = None


def _embedder():
    global _EMBEDDER
    if _EMBEDDER is None:
        from core.embed import load_embedder

        # the contextual method reads the transformer's hidden states: torch, whatever backend "auto" picks
        _EMBEDDER = load_embedder("default", backend="torch")
    return _EMBEDDER


def _texts(name: str) -> list[str]:
    if "+" in name:  # a larger corpus: the named corpora together, every document (no MAX_DOCS cap)
        return [t for part in name.split("+") for t in sc.load(part)]
    texts = sc.load(name)
    if len(texts) > MAX_DOCS:
        order = sorted(range(len(texts)), key=lambda i: hashlib.sha256(f"shift:{name}:{i}".encode()).hexdigest())
        texts = [texts[i] for i in sorted(order[:MAX_DOCS])]
    return texts


def _prepared(names, min_freq: int = 20) -> tuple[dict, dict, dict, dict]:
    """Per corpus name: its texts, their tokens, the word frequencies and the candidate words
    (``min_freq`` occurrences or more, the shift methods' ``min_freq``)."""
    texts = {n: _texts(n) for n in names}
    tokens = {n: [tokenize(t) for t in texts[n]] for n in names}
    freqs = {n: word_frequencies(texts[n]) for n in names}
    words = {n: sorted(w for w, c in freqs[n].items() if c >= min_freq) for n in names}
    return texts, tokens, freqs, words


def _feature_map(kernel: tuple[int, float] | None):
    """Random Fourier features (number, gamma) of the Gaussian kernel for ``measure="mmd"``, or None."""
    if kernel is None:
        return None
    from core.analysis.shift.contextual import rbf_features

    return rbf_features(384, n_features=kernel[0], gamma=kernel[1])


def _sums(name: str, texts: list[str], words: list[str], layer: int,
          kernel: tuple[int, float] | None = None) -> UsageSums:
    """Usage sums of a corpus at one layer, cached on disk by a hash of the texts, words and layer (and
    the kernel features' settings when ``kernel`` is given)."""
    extra = "" if kernel is None else f"\x01rff{kernel[0]}:{kernel[1]!r}"
    key = hashlib.sha256(("\x00".join(texts) + "\x01" + "\x00".join(words) + f"\x01{layer}" + extra).encode()
                         ).hexdigest()[:16]
    path = sc.CACHE / f"{name.replace('+', '_')}-{key}.npz"
    if path.exists():
        z = np.load(path)
        return UsageSums(words=tuple(words), sums=z["sums"], counts=z["counts"], total=z["total"],
                         n_usages=int(z["n_usages"]), features=z.get("features"))
    out = usage_sums(_embedder(), texts, words, n_groups=DEFAULT_GROUPS, layer=layer,
                     feature_map=_feature_map(kernel))
    sc.CACHE.mkdir(parents=True, exist_ok=True)
    arrays = {} if out.features is None else {"features": out.features}
    np.savez(path, sums=out.sums, counts=out.counts, total=out.total, n_usages=out.n_usages, **arrays)
    return out


def _planted_sums(base: UsageSums, texts: list[str], changed_docs: list[int], planted: set[str],
                  layer: int, kernel: tuple[int, float] | None = None) -> UsageSums:
    """Replace the planted words' sums by those of the re-encoded documents that contain them."""
    from core.analysis.shift.contextual import document_groups

    groups = document_groups(len(texts), DEFAULT_GROUPS, 0)
    sub = usage_sums(_embedder(), [texts[d] for d in changed_docs], sorted(planted), n_groups=DEFAULT_GROUPS,
                     groups=groups[changed_docs], layer=layer, feature_map=_feature_map(kernel))
    sums, counts = base.sums.copy(), base.counts.copy()
    features = None if base.features is None else base.features.copy()
    index = {w: i for i, w in enumerate(base.words)}
    for j, w in enumerate(sub.words):
        if w in index:
            sums[:, index[w]] = sub.sums[:, j]
            counts[:, index[w]] = sub.counts[:, j]
            if features is not None:
                features[:, index[w]] = sub.features[:, j]
    return UsageSums(words=base.words, sums=sums, counts=counts, total=base.total, n_usages=base.n_usages,
                     features=features)


def _epochs_label(epochs, halves) -> str:
    return f"{epochs} epochs" if epochs is not None else "automatic epochs"


def _planted_ranks(order, planted: set[str]) -> list[tuple[str, int]]:
    """Each planted word of ``order`` (best first) with its rank among the unplanted words (1 = nothing
    unplanted above it)."""
    out, above = [], 0
    for w in order:
        if w in planted:
            out.append((w, above + 1))
        else:
            above += 1
    return out


def _ranks(scores, planted: set[str], by: str) -> list[int]:
    """Rank of each planted word among the unplanted ones, in the order of ``scores.ranking(by)``."""
    return [rank for _, rank in _planted_ranks(scores.ranking(by), planted)]


def _summary(ranks: list[int]) -> str:
    r = np.asarray(ranks)
    if r.size == 0:
        return "no planted word scored"
    return (f"top 5 {np.mean(r <= 5):.0%}, top 10 {np.mean(r <= 10):.0%}, median rank {np.median(r):.0f}")


def _halves_split(texts: list[str], seed: int = 5) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(texts))
    return [texts[i] for i in sorted(idx[: len(texts) // 2])], [texts[i] for i in sorted(idx[len(texts) // 2:])]


def _sub_sums(s: UsageSums, groups: list[int]) -> UsageSums:
    """The usage sums of a subset of groups, as a corpus of its own (two groups per half)."""
    return UsageSums(words=s.words, sums=s.sums[groups], counts=s.counts[groups], total=s.total / 2,
                     n_usages=s.n_usages // 2, features=None if s.features is None else s.features[groups])


def _setting(layer: int, measure: str, kernel: tuple[int, float] | None) -> str:
    suffix = "" if kernel is None else f" (rbf gamma {kernel[1]:g}, {kernel[0]} features)"
    return f"layer {layer}, {measure}{suffix}"


def _choose_planted(a: str, b: str, freqs: dict, ps: int) -> tuple[list, set, dict]:
    """The planted (target, donor, strength) pairs of corpus pair ``a``–``b`` for planting seed ``ps``,
    the planted words, and each word's stratum (swap or mixture, frequency band in ``b``)."""
    rng = np.random.default_rng([ps, len(a), len(b)])
    chosen_pairs = sc.choose_pairs(freqs[a], freqs[b], rng)
    planted = {w for x, y, _ in chosen_pairs for w in (x, y)}
    stratum = {}
    for x, y, strength in chosen_pairs:
        for w in (x, y):
            band = "20–40" if freqs[b][w] < 40 else "40–100" if freqs[b][w] < 100 else "100–300"
            stratum[w] = ("swap" if strength == 1 else "mixture", band)
    return chosen_pairs, planted, stratum


def run(quick: bool = False) -> list[dict]:
    """All rows; with ``BENCH_SHIFT_PART`` set, one part only (see :func:`_part`)."""
    import os

    part = os.environ.get("BENCH_SHIFT_PART")
    if part:
        return _part(part, quick)
    return _run(quick, DEV, HELD, do_controls=True)


def _part(part: str, quick: bool) -> list[dict]:
    """Run one part in its own process and store its raw figures; ``combine`` reads them all.

    Parts: ``dev``, ``held:<i>`` (one held-out pair), ``fp`` (halves), ``seeds:<s>`` (one seed of the
    agreement run), ``combine``. Several parts can run at once on a machine with idle cores.
    ``measures:dev`` and ``measures:held`` compare the contextual method's distance measures
    (:data:`CTX_MEASURES`; no CADE, so minutes) on the development or held-out pairs, with their
    false positives on halves.
    """
    import json

    folder = sc.CACHE.parent / "shift_parts"
    folder.mkdir(parents=True, exist_ok=True)
    if part == "combine":
        raw = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
        return _combine(raw)
    if part == "dev":
        out = _run(quick, DEV, [], do_controls=False, raw=True)
    elif part.startswith("held:"):
        out = _run(quick, [], [HELD[int(part[5:])]], do_controls=False, raw=True)
    elif part.startswith("measures"):
        out = _measures_raw(part, quick)
    elif part.startswith("settings:"):
        from bench import bench_shift_settings

        out = bench_shift_settings.raw(part, quick)
    elif part.startswith("graded:large:"):
        out = _graded_large_raw(part, quick)
    elif part.startswith("graded:"):
        out = _graded_raw(part, quick)
    elif part == "fp":
        out = _controls_raw(HELD[:CONTROL_PAIRS], quick, fp=True, seeds=())
    elif part.startswith("seeds:"):
        out = _controls_raw(HELD[:CONTROL_PAIRS], quick, fp=False, seeds=(int(part[6:]),))
    else:
        raise ValueError(f"unknown BENCH_SHIFT_PART {part!r}")
    (folder / f"{part.replace(':', '-')}.json").write_text(json.dumps(out, default=float))
    return []


def _run(quick: bool, dev, held, *, do_controls: bool, raw: bool = False):
    import os
    import warnings

    from core.exceptions import CorpusCompassWarning

    warnings.simplefilter("ignore", CorpusCompassWarning)  # the benchmark's corpora are small on purpose
    dev, held = (dev[:1], held[:1]) if quick else (dev, held)
    replicates = 2 if quick else 3
    plant_seeds = PLANT_SEEDS[:1] if quick else PLANT_SEEDS
    seeds_of = {"dev": plant_seeds, "held out": HELD_PLANT_SEEDS}
    sweep = os.environ.get("BENCH_SHIFT_SWEEP") == "1"
    cade_epochs = (5, 10, 20, 30, None) if sweep else CADE_EPOCHS
    ctx_layers = (1, 2, 3, 4, 6) if sweep else CTX_LAYERS
    names = sorted({n for pair in dev + held for n in pair})
    dev_names = {n for pair in dev for n in pair}
    texts, tokens, freqs, words = _prepared(names)
    embed_seconds: dict = {}
    sums: dict = {}
    for n in names:
        for layer in ctx_layers if n in dev_names else (CTX_CHOSEN[0],):
            t0 = time.perf_counter()
            sums[(n, layer)] = _sums(n, texts[n], words[n], layer)
            embed_seconds[(n, layer)] = time.perf_counter() - t0
    results: dict = {}   # (method, setting, by) -> split -> ranks
    strata: dict = {}    # (method, setting, stratum) -> held-out ranks, by z
    seconds: dict = {}
    for split, pairs in (("dev", dev), ("held out", held)):
        for a, b in pairs:
            for ps in seeds_of[split]:
                chosen_pairs, planted, stratum = _choose_planted(a, b, freqs, ps)
                texts_b, tokens_b, changed = sc.plant(texts[b], tokens[b], chosen_pairs, seed=ps)
                scored = {}
                for epochs in cade_epochs if split == "dev" else (CADE_CHOSEN,):
                    t = time.perf_counter()
                    halves = train_halves({a: tokens[a], b: tokens_b}, replicates=replicates, epochs=epochs,
                                          seed=ps)
                    label = _epochs_label(epochs, halves)
                    seconds.setdefault(("cade", label), []).append(time.perf_counter() - t)
                    scored[("cade", label)] = pair_scores(halves, a, b)
                    if epochs == CADE_CHOSEN:
                        cade_key = ("cade", label)
                        scored[("cade", f"{label}, 1 training")] = pair_scores(halves, a, b, replicates=1)
                for layer in ctx_layers if split == "dev" else (CTX_CHOSEN[0],):
                    t = time.perf_counter()
                    sb = _planted_sums(sums[(b, layer)], texts_b, changed, planted, layer)
                    for center in (False, True):
                        setting = f"layer {layer}" + (", centred" if center else "")
                        scored[("contextual", setting)] = contextual_scores(a, sums[(a, layer)], b, sb,
                                                                            center=center, seed=ps)
                    seconds.setdefault(("contextual", f"layer {layer}"), []).append(
                        time.perf_counter() - t + embed_seconds[(a, layer)] + embed_seconds[(b, layer)])
                ctx_key = ("contextual", f"layer {CTX_CHOSEN[0]}" + (", centred" if CTX_CHOSEN[1] else ""))
                scored[("combined", "chosen CADE + chosen contextual")] = combine(scored[cade_key], scored[ctx_key])
                for key, sco in scored.items():
                    for by in RANK_BY:
                        ranks = _ranks(sco, planted, by)
                        results.setdefault((*key, by), {}).setdefault(split, []).extend(ranks)
                    if split == "held out" and (key in (cade_key, ctx_key) or key[0] == "combined"):
                        for w, rank in _planted_ranks(sco.ranking("excess"), planted):
                            strata.setdefault((*key, stratum[w]), []).append(rank)
    if raw:
        return {"results": [[list(k), v] for k, v in results.items()],
                "strata": [[[k[0], k[1], list(k[2])], v] for k, v in strata.items()],
                "seconds": [[list(k), v] for k, v in seconds.items()],
                "embed": {f"{n}|{layer}": v for (n, layer), v in embed_seconds.items()},
                "n_documents": {n: len(t) for n, t in texts.items()}}
    rows = _rows(results, strata, seconds)
    if do_controls:
        _log(rows)
        controls = _controls_raw(held[:CONTROL_PAIRS], quick, fp=True, seeds=(0, 1))
        rows.extend(_control_rows(controls["fp"], controls["seed_scores"]))
    rows.append({"case": f"contextual: encode {len(names)} corpora at layer {CTX_CHOSEN[0]} (0 when cached)",
                 "n": sum(len(t) for t in texts.values()),
                 "seconds": sum(v for (n, layer), v in embed_seconds.items() if layer == CTX_CHOSEN[0])})
    return rows


def _rows(results: dict, strata: dict, seconds: dict) -> list[dict]:
    rows = []
    for (method, setting, by), per_split in results.items():
        secs = seconds.get((method, setting.split(",")[0]))
        for split in ("dev", "held out"):
            if split in per_split:
                rows.append({"case": f"{split}: {method}, {setting}, ranked by {by}", "n": len(per_split[split]),
                             "seconds": float(np.mean(secs)) if secs else None,
                             "note": _summary(per_split[split])})
    for (method, setting, (kind, band)), ranks in sorted(strata.items()):
        rows.append({"case": f"held out: {method}, {setting}, {kind}s at {band} occurrences, by excess",
                     "n": len(ranks), "note": _summary(ranks)})
    return rows


def _combine(raw: list[dict]) -> list[dict]:
    """Rows from the stored parts: planted ranks pooled over pairs, then the controls."""
    results: dict = {}
    strata: dict = {}
    seconds: dict = {}
    fp: dict = {}
    seed_runs: dict = {}
    embed = {}
    for part in raw:
        for key, per_split in part.get("results", []):
            for split, ranks in per_split.items():
                results.setdefault(tuple(key), {}).setdefault(split, []).extend(ranks)
        for (method, setting, stratum), ranks in part.get("strata", []):
            strata.setdefault((method, setting, tuple(stratum)), []).extend(ranks)
        for key, values in part.get("seconds", []):
            seconds.setdefault(tuple(key), []).extend(values)
        for method, values in part.get("fp", {}).items():
            fp.setdefault(method, []).extend(values)
        for seed, scores in part.get("seed_scores", {}).items():
            seed_runs[int(seed)] = scores
        embed.update(part.get("embed", {}))
    rows = _rows(results, strata, seconds)
    rows.extend(_control_rows(fp, seed_runs))
    rows.extend(_graded_rows([part["graded"] for part in raw if "graded" in part]))
    from bench import bench_shift_settings

    rows.extend(bench_shift_settings.rows([r for part in raw for r in part.get("settings", [])]))
    return rows


def _log(rows: list[dict]) -> None:
    """Print rows as they are ready (a long run on a shared machine still leaves its figures)."""
    import sys

    for row in rows:
        print(f"  {row['case']}: n={row.get('n')} {row.get('note', '')} seconds={row.get('seconds')}",
              file=sys.stderr, flush=True)


def _controls_raw(held, quick: bool, *, fp: bool, seeds) -> dict:
    """The control runs of one part: false positives on halves and/or one seed's scores."""
    import warnings

    from core.exceptions import CorpusCompassWarning

    warnings.simplefilter("ignore", CorpusCompassWarning)
    replicates = 2 if quick else 3
    names = sorted({n for pair in held for n in pair})
    texts, tokens, _, words = _prepared(names)
    layer, center = CTX_CHOSEN
    sums = {(n, layer): _sums(n, texts[n], words[n], layer) for n in names}
    out: dict = {"fp": {}, "seed_scores": {}}
    for a, b in held:
        if fp:
            for name in (a, b):
                h1, h2 = _halves_split(tokens[name])
                halves = train_halves({"h1": h1, "h2": h2}, replicates=replicates, epochs=CADE_CHOSEN, seed=3)
                cs = pair_scores(halves, "h1", "h2")
                full = sums[(name, layer)]
                ctx = contextual_scores("h1", _sub_sums(full, [0, 1, 2, 3]), "h2",
                                        _sub_sums(full, [4, 5, 6, 7]), center=center)
                for method, sco in (("cade", cs), ("contextual", ctx), ("combined", combine(cs, ctx))):
                    out["fp"].setdefault(method, []).append(
                        [float((sco.calibration.q <= 0.05).mean()), float((sco.calibration.p <= 0.05).mean()),
                         len(sco)])
        for seed in seeds:
            hv = train_halves({a: tokens[a], b: tokens[b]}, replicates=replicates, epochs=CADE_CHOSEN,
                              seed=10 + seed)
            c = pair_scores(hv, a, b)
            x = contextual_scores(a, sums[(a, layer)], b, sums[(b, layer)], seed=10 + seed, center=center)
            runs = {"cade": c, "contextual": x, "combined": combine(c, x),
                    "cade, 1 training": pair_scores(hv, a, b, replicates=1)}
            out["seed_scores"][seed] = {m: dict(zip(s.words, s.calibration.excess.tolist()))
                                        for m, s in runs.items()}
    return out


def _control_rows(fp: dict, seed_runs: dict) -> list[dict]:
    rows = []
    for method, values in fp.items():
        q, p, n = (np.mean([v[i] for v in values]) for i in range(3))
        rows.append({"case": f"held out: {method}, words flagged on two halves of one corpus", "n": int(n),
                     "note": f"q ≤ 0.05: {q:.1%} of words; p ≤ 0.05: {p:.1%} (mean over {len(values)} corpora)"})
    if 0 in seed_runs and 1 in seed_runs:
        for method in seed_runs[0]:
            z0, z1 = seed_runs[0][method], seed_runs[1][method]
            common = sorted(set(z0) & set(z1))
            rho = spearmanr([z0[w] for w in common], [z1[w] for w in common])[0]
            rows.append({"case": f"held out: {method}, seed agreement (Spearman of the ranking score)",
                         "n": len(common), "note": f"{rho:.2f} over the words with 20+ occurrences in both"})
    return rows


def _measures_raw(part: str, quick: bool) -> dict:
    """``measures:dev`` / ``measures:held``: planted ranks of each contextual measure, contextual only.

    The same corpora, planted pairs and planting seeds as :func:`_run` (chosen layer, not centred), every
    measure scored on the same usage sums; then the share of words flagged on two halves of each corpus
    of the first held-out pair. Besides the pooled figures, ``words`` keeps every planted word's rank.
    """
    import warnings

    from core.exceptions import CorpusCompassWarning

    warnings.simplefilter("ignore", CorpusCompassWarning)
    split = {"measures:dev": "dev", "measures:held": "held out"}.get(part)
    if split is None:
        raise ValueError(f"unknown BENCH_SHIFT_PART {part!r} (measures:dev or measures:held)")
    pairs = DEV if split == "dev" else HELD
    plant_seeds = (PLANT_SEEDS[:1] if quick else PLANT_SEEDS) if split == "dev" else HELD_PLANT_SEEDS
    layer = CTX_CHOSEN[0]
    names = sorted({n for pair in pairs for n in pair})
    texts, tokens, freqs, words = _prepared(names)
    settings = [(m, None) for m in CTX_MEASURES] + [("mmd", k) for k in
                                                    (CTX_KERNELS if split == "dev" else (CTX_KERNEL_CHOSEN,))]
    kernels = sorted({k for _, k in settings}, key=repr)
    sums = {(n, k): _sums(n, texts[n], words[n], layer, k) for n in names for k in kernels}
    results: dict = {}
    strata: dict = {}
    per_word: list = []
    seconds: dict = {}
    for a, b in pairs:
        for ps in plant_seeds:
            chosen_pairs, planted, stratum = _choose_planted(a, b, freqs, ps)
            texts_b, _, changed = sc.plant(texts[b], tokens[b], chosen_pairs, seed=ps)
            sb = {k: _planted_sums(sums[(b, k)], texts_b, changed, planted, layer, k) for k in kernels}
            for measure, k in settings:
                t = time.perf_counter()
                sco = contextual_scores(a, sums[(a, k)], b, sb[k], seed=ps, measure=measure)
                setting = _setting(layer, measure, k)
                seconds.setdefault(("contextual", setting), []).append(time.perf_counter() - t)
                for by in RANK_BY:
                    order = sco.ranking(by)
                    above = 0
                    for w in order:
                        if w in planted:
                            results.setdefault(("contextual", setting, by), {}).setdefault(split, []).append(
                                above + 1)
                            per_word.append([split, f"{a}-{b}", ps, w, *stratum[w], setting, by, above + 1])
                            if by == "excess" and split == "held out":
                                strata.setdefault(("contextual", setting, stratum[w]), []).append(above + 1)
                        else:
                            above += 1
    fp: dict = {}
    for name in [n for pair in HELD[:CONTROL_PAIRS] for n in pair]:
        t = _texts(name)
        w = sorted(x for x, c in word_frequencies(t).items() if c >= 20)
        for measure, k in settings:
            full = sums[(name, k)] if (name, k) in sums else _sums(name, t, w, layer, k)
            ctx = contextual_scores("h1", _sub_sums(full, [0, 1, 2, 3]), "h2", _sub_sums(full, [4, 5, 6, 7]),
                                    measure=measure)
            cal = ctx.calibration
            fp.setdefault(f"contextual, {_setting(layer, measure, k)}", []).append(
                [float((cal.q <= 0.05).mean()), float((cal.p <= 0.05).mean()), len(ctx)])
    return {"results": [[list(k), v] for k, v in results.items()],
            "strata": [[[k[0], k[1], list(k[2])], v] for k, v in strata.items()],
            "seconds": [[list(k), v] for k, v in seconds.items()], "fp": fp, "words": per_word}


#: planted shares of the graded part (each once per frequency band), and unplanted targets per band
GRADED_STRENGTHS = (1.0, 0.75, 0.5, 0.25)
GRADED_STABLE_PER_BAND = 8
_BANDS = ((20, 40), (40, 100), (100, 300))


def _graded_targets(a: str, b: str, freqs: dict, ps: int, bands=_BANDS, min_freq: int = 20) -> tuple[list, dict]:
    """Planted pairs with graded strengths, and the targets' gold change: the planted share of a word's
    occurrences (0 for the unplanted targets, drawn from the same pool and frequency bands)."""
    rng = np.random.default_rng([ps, 7, len(a), len(b)])
    pairs = sc.choose_pairs(freqs[a], freqs[b], rng, n_per_bin=1, strengths=GRADED_STRENGTHS, bins=bands,
                            min_freq=min_freq)
    gold = {w: st for x, y, st in pairs for w in (x, y)}
    pool = [w for w in sc.content_words(freqs[a], freqs[b], min_freq) if w not in gold]
    for lo, hi in bands:
        in_band = sorted(w for w in pool if lo <= freqs[b][w] < hi)
        for i in rng.permutation(len(in_band))[:GRADED_STABLE_PER_BAND]:
            gold[in_band[i]] = 0.0
    return pairs, gold


def _graded_raw(part: str, quick: bool) -> dict:
    """``graded:dev`` / ``graded:<i>``: a graded-change benchmark in the manner of SemEval-2020 Task 1's
    graded subtask. In each pair, 24 planted words get a share 1, 0.75, 0.5 or 0.25 of their
    occurrences exchanged with a donor (one pair per share and frequency band), and 24 unplanted content
    words of the same bands are stable targets (gold 0; the pairs differ in topic, so some of them
    shifted for real, as SemEval's stable words drift). Per method and ranking figure: Spearman between
    the score and the gold share over the 48 targets."""
    import warnings

    from core.exceptions import CorpusCompassWarning

    warnings.simplefilter("ignore", CorpusCompassWarning)
    which = part.split(":", 1)[1]
    pairs_run = DEV if which == "dev" else [HELD[int(which)]]
    seeds = PLANT_SEEDS if which == "dev" else HELD_PLANT_SEEDS
    replicates = 2 if quick else 3
    layer, center = CTX_CHOSEN
    out: list = []
    for a, b in pairs_run:
        texts, tokens, freqs, words = _prepared((a, b))
        sums = {n: _sums(n, texts[n], words[n], layer) for n in (a, b)}
        for ps in seeds:
            chosen, gold = _graded_targets(a, b, freqs, ps)
            texts_b, tokens_b, changed = sc.plant(texts[b], tokens[b], chosen, seed=ps)
            halves = train_halves({a: tokens[a], b: tokens_b}, replicates=replicates, epochs=CADE_CHOSEN, seed=ps)
            cs = pair_scores(halves, a, b)
            sb = _planted_sums(sums[b], texts_b, changed, {w for w, g in gold.items() if g > 0}, layer)
            ctx = contextual_scores(a, sums[a], b, sb, center=center, seed=ps)
            runs = {"cade": cs, "contextual": ctx, "combined": combine(cs, ctx)}
            scores = {}
            for method, sco in runs.items():
                index = {w: i for i, w in enumerate(sco.words)}
                scores[method] = {by: {w: float(getattr(sco.calibration, by)[index[w]]) for w in gold if w in index}
                                  for by in RANK_BY}
            out.append({"pair": f"{a}–{b}", "seed": ps, "split": "dev" if which == "dev" else "held out",
                        "gold": gold, "scores": scores,
                        "freq": {w: [freqs[a].get(w, 0), freqs[b].get(w, 0)] for w in gold}})
    return {"graded": out}


#: Larger corpora (several Debian sections together, every document: 290,000–340,000 tokens per pair,
#: the size of a SemEval-2020 English downsample), for the graded benchmark only (part ``graded:large:<i>``).
LARGE = [("net+admin+mail+web", "text+utils+graphics"), ("sound+libdevel", "net+admin")]
#: Their frequency bands reach down to 5 occurrences, scored with min_freq 5.
LARGE_BANDS = ((5, 10), (10, 20), (20, 40), (40, 100), (100, 300))
LARGE_MIN_FREQ = 5
#: CADE epochs tried at this size: the automatic rule (20 here) and the former rule, a budget of 3.6
#: million token passes (12–14 epochs here).
FORMER_EPOCH_TOKENS = 3_600_000


def _graded_large_raw(part: str, quick: bool) -> dict:
    """``graded:large:<i>``: the graded benchmark on a larger pair (:data:`LARGE`), targets down to 5
    occurrences (min_freq 5), CADE with the automatic epochs and with the former rule's
    (:data:`FORMER_EPOCH_TOKENS`); two planting seeds."""
    import warnings

    from core.exceptions import CorpusCompassWarning

    warnings.simplefilter("ignore", CorpusCompassWarning)
    a, b = LARGE[int(part.rsplit(":", 1)[1])]
    replicates = 2 if quick else 3
    layer, center = CTX_CHOSEN
    texts, tokens, freqs, words = _prepared((a, b), min_freq=LARGE_MIN_FREQ)
    sums = {n: _sums(n, texts[n], words[n], layer) for n in (a, b)}
    out: list = []
    for ps in PLANT_SEEDS[:1] if quick else PLANT_SEEDS:
        chosen, gold = _graded_targets(a, b, freqs, ps, bands=LARGE_BANDS, min_freq=LARGE_MIN_FREQ)
        texts_b, tokens_b, changed = sc.plant(texts[b], tokens[b], chosen, seed=ps)
        sb = _planted_sums(sums[b], texts_b, changed, {w for w, g in gold.items() if g > 0}, layer)
        ctx = contextual_scores(a, sums[a], b, sb, center=center, seed=ps, min_freq=LARGE_MIN_FREQ)
        runs, seconds, epochs_used = {"contextual": ctx}, {}, {}
        for former in (False, True):
            epochs = _former_epochs(tokens[a] + tokens_b) if former else None
            t0 = time.perf_counter()
            halves = train_halves({a: tokens[a], b: tokens_b}, replicates=replicates, epochs=epochs, seed=ps)
            suffix = ", former rule" if former else ""
            seconds[f"cade{suffix}"] = time.perf_counter() - t0
            epochs_used[f"cade{suffix}"] = halves.params["epochs"]
            cs = pair_scores(halves, a, b, min_freq=LARGE_MIN_FREQ)
            runs[f"cade{suffix}"] = cs
            runs[f"combined{suffix}"] = combine(cs, ctx)
        scores = {}
        for method, sco in runs.items():
            index = {w: i for i, w in enumerate(sco.words)}
            scores[method] = {by: {w: float(getattr(sco.calibration, by)[index[w]]) for w in gold if w in index}
                              for by in RANK_BY}
        n_tokens = sum(len(t) for t in tokens[a]) + sum(len(t) for t in tokens_b)
        out.append({"pair": f"{a}–{b}", "seed": ps, "split": "larger corpora", "gold": gold, "scores": scores,
                    "freq": {w: [freqs[a].get(w, 0), freqs[b].get(w, 0)] for w in gold},
                    "tokens": n_tokens, "epochs": epochs_used, "seconds": seconds})
    return {"graded": out}


def _former_epochs(documents) -> int:
    """Epochs of the former rule (a budget of :data:`FORMER_EPOCH_TOKENS`), the compass tokens counted
    as :func:`train_halves` counts them (its vocabulary, ``min_count=5``, over all the text)."""
    from core.analysis.shift.w2v import build_vocabulary

    n = int(build_vocabulary(documents, min_count=5).counts.sum())
    return ensemble_epochs(n, budget=FORMER_EPOCH_TOKENS)


def _spearman_gold(run: dict, method: str, by: str, keep=None) -> tuple[float, int]:
    """Spearman between a run's scores and its gold shares, over the targets scored (and kept)."""
    got = run["scores"].get(method, {}).get(by, {})
    common = [w for w in run["gold"] if w in got and (keep is None or keep(w))]
    return float(spearmanr([run["gold"][w] for w in common], [got[w] for w in common])[0]), len(common)


def _graded_rows(parts: list) -> list[dict]:
    """Spearman with the gold share per method and ranking figure: mean over pairs, then each pair."""
    runs = [run for part in parts for run in part]
    rows = []
    methods = sorted({m for run in runs for m in run["scores"]})
    for split in ("dev", "held out", "larger corpora"):
        chosen = [run for run in runs if run["split"] == split]
        if not chosen:
            continue
        for method in methods:
            if not all(method in run["scores"] for run in chosen):
                continue
            for by in RANK_BY:
                rhos, ns = zip(*(_spearman_gold(run, method, by) for run in chosen))
                per_pair = ", ".join(f"{run['pair']} {r:.2f}" for run, r in zip(chosen, rhos))
                rows.append({"case": f"{split}: graded change, {method}, by {by}", "n": int(np.sum(ns)),
                             "note": f"Spearman with the planted share {np.mean(rhos):.2f} (mean of "
                                     f"{len(rhos)}: {per_pair})"})
        if split == "larger corpora":
            rows.extend(_graded_band_rows(chosen))
    return rows


def _graded_band_rows(runs: list) -> list[dict]:
    """The larger corpora by frequency band (the word's count in corpus B, as the targets were drawn),
    and their CADE seconds."""
    rows = []
    for method in ("cade", "contextual", "combined"):
        for by in ("excess", "shift"):
            for lo, hi in LARGE_BANDS:
                rhos, ns = zip(*(_spearman_gold(run, method, by, lambda w, run=run, lo=lo, hi=hi: lo <= run["freq"][w][1] < hi)
                                 for run in runs))
                rows.append({"case": f"larger corpora: graded change, {method}, by {by}, {lo}–{hi} occurrences",
                             "n": int(np.sum(ns)), "note": f"Spearman with the planted share {np.nanmean(rhos):.2f} "
                                                          f"(mean of {len(rhos)})"})
    for run in runs:
        secs = ", ".join(f"{k}: {run['epochs'][k]} epochs, {v:.0f} s" for k, v in run["seconds"].items())
        rows.append({"case": f"larger corpora: {run['pair']} (seed {run['seed']}), {run['tokens']:,} tokens",
                     "n": len(run["gold"]), "note": f"CADE training: {secs}"})
    return rows
