"""CADE word2vec on the bundled sample corpora (games, science, libdevel; about 280,000 tokens) with
the default hyperparameters (100 dims, window 5, 10 negatives, min_count 5, sample 1e-3; epochs=None
chooses 13 here). Times are with the numba JIT cached on disk, except the "cold" row, which runs in a
fresh process with an empty numba cache and so includes compiling both kernels. Baseline: gensim 4.4
CBOW with the same hyperparameters and one worker (our trainer is single-threaded too). For the
slices gensim cannot freeze the output matrix, so its baseline trains ordinary models on the same
corpora (the same amount of work; gensim skips pairs whose score is beyond ±6 and uses a sigmoid
table). Words/s counts in-vocabulary tokens read, before sub-sampling, over all epochs."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.timing import best_of
from core.analysis.shift import (
    procrustes_shift,
    tokenize_corpus,
    train_cade,
    train_compass,
    train_slice,
    word_shift,
)

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("games", "science", "libdevel")

_COLD = """
import time
start = time.perf_counter()
from core.analysis.shift import train_cade
docs = [["w%d" % (i % 300), "w%d" % ((i * 7) % 300), "w%d" % ((i * 13) % 300)] * 20 for i in range(400)]
train_cade({"a": docs[:200] * 2, "b": docs[200:] * 2}, dim=8, epochs=1, baseline=False)
print(time.perf_counter() - start)
"""


def _corpora(quick: bool) -> dict[str, list[list[str]]]:
    out = {}
    for name in NAMES:
        texts = pd.read_csv(ROOT / "sample_data" / f"{name}.csv")["text"].tolist()
        out[name] = tokenize_corpus(name, texts[:400] if quick else texts)
    return out


def _cold_start() -> float:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
        result = subprocess.run([sys.executable, "-c", _COLD], env=env, capture_output=True, text=True,
                                check=True, cwd=ROOT)
    return float(result.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[dict]:
    from gensim.models import Word2Vec

    corpora = _corpora(quick)
    everything = [d for name in NAMES for d in corpora[name]]
    repeat = 1 if quick else 3
    dim = 100
    compass = train_compass(everything, dim=dim, seed=0)  # also warms the JIT cache
    epochs = compass.params["epochs"]
    vocab = compass.vocabulary
    index = vocab.index()
    compass_words = int(vocab.counts.sum()) * epochs
    slice_words = {n: sum(1 for d in corpora[n] for t in d if t in index) * epochs for n in NAMES}
    hyper = {"vector_size": dim, "window": 5, "negative": 10, "min_count": 5, "sample": 1e-3, "alpha": 0.025,
                 "min_alpha": 0.0001, "sg": 0, "cbow_mean": 1, "workers": 1, "seed": 0, "epochs": epochs}
    rows: list[dict] = []

    seconds, _ = best_of(lambda: train_compass(everything, dim=dim, seed=0), repeat)
    base, _ = best_of(lambda: Word2Vec(everything, **hyper), repeat)
    rows.append({"case": f"compass ({epochs} epochs)", "n": compass_words, "seconds": seconds,
                 "baseline": "gensim Word2Vec CBOW, 1 worker", "baseline_seconds": base,
                 "ratio": base / seconds,
                 "note": f"{compass_words / seconds:,.0f} words/s (gensim {compass_words / base:,.0f})"})

    def slices():
        for key, name in enumerate(NAMES):
            train_slice(compass, corpora[name], key=key, stage=name)

    def gensim_slices():
        for name in NAMES:
            kept = [[t for t in d if t in index] for d in corpora[name]]
            model = Word2Vec(**{**hyper, "min_count": 1})
            model.build_vocab(kept)
            model.train(kept, total_examples=len(kept), epochs=epochs)

    n_slice = sum(slice_words.values())
    seconds, _ = best_of(slices, repeat)
    base, _ = best_of(gensim_slices, repeat)
    rows.append({"case": "3 slices, frozen output matrix", "n": n_slice, "seconds": seconds,
                 "baseline": "gensim: 3 ordinary CBOW models, 1 worker", "baseline_seconds": base,
                 "ratio": base / seconds, "note": f"{n_slice / seconds:,.0f} words/s"})

    seconds, model = best_of(lambda: train_cade(corpora, seed=0, baseline=False), repeat)
    total = compass_words + n_slice
    rows.append({"case": "train_cade: compass + 3 slices", "n": total, "seconds": seconds,
                 "note": f"{total / seconds:,.0f} words/s incl. vocabulary and size checks"})
    seconds, model = best_of(lambda: train_cade(corpora, seed=0, baseline=True), repeat)
    total += n_slice
    rows.append({"case": "train_cade + Procrustes baseline models", "n": total, "seconds": seconds,
                 "note": f"{total / seconds:,.0f} words/s"})

    seconds, table = best_of(lambda: word_shift(model, "games", "science"), repeat)
    rows.append({"case": "word_shift games/science, top 100 with neighbours", "n": table.n_candidates,
                 "seconds": seconds})
    # the quick corpora are too small for 100 anchors at the default min_freq
    anchor = {"anchor_min_freq": 5} if quick else {}
    seconds, table = best_of(lambda: procrustes_shift(model, "games", "science", **anchor), repeat)
    rows.append({"case": "procrustes_shift games/science, top 100", "n": table.n_candidates,
                 "seconds": seconds,
                 "note": f"{table.details['n_anchors']} anchors"})

    start = time.perf_counter()
    cold = _cold_start()
    rows.append({"case": "cold start: empty numba cache, compile + tiny model", "n": 1, "seconds": cold,
                 "note": f"whole subprocess {time.perf_counter() - start:.1f} s incl. imports"})
    return rows
