"""Corpus loading and tokenisation on a synthetic corpus of short documents (5-40 words drawn from a
Zipfian vocabulary of 20,000 words, one in ten of them accented, and an id, a label and a score
column). Baselines: the bare pandas/pyarrow reader on the same file (no decoding checks, text-column
inference, empty/duplicate removal or ids), and a plain ``re.findall(r"\\w+", text.lower())``
tokeniser (no NFKC, no CJK splitting, no mark handling). Ratios below 1 are the price of those
checks; the goal is that a 200,000-row CSV loads in a few seconds."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from bench.timing import best_of
from core.load.corpus import Corpus
from core.load.read import load_corpus
from core.load.tokens import word_frequencies


def _frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    vocabulary = np.array([f"wörd{i}" if i % 10 == 0 else f"word{i}" for i in range(20_000)])
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    weights /= weights.sum()
    lengths = rng.integers(5, 41, size=n)
    words = rng.choice(vocabulary, size=int(lengths.sum()), p=weights)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    texts = [" ".join(words[bounds[i]:bounds[i + 1]]) + "." for i in range(n)]
    return pd.DataFrame({"id": [f"doc{i:06d}" for i in range(n)], "label": rng.choice(["a", "b", "c"], size=n),
                         "score": rng.random(n).round(4), "text": texts})


def _plain_frequencies(texts) -> Counter:
    pattern = re.compile(r"\w+")
    counts: Counter = Counter()
    for text in texts:
        counts.update(pattern.findall(text.lower()))
    return counts


def run(quick: bool = False) -> list[dict]:
    n = 20_000 if quick else 200_000
    frame = _frame(n)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, jsonl_path, parquet_path = folder / "c.csv", folder / "c.jsonl", folder / "c.parquet"
        frame.to_csv(csv_path, index=False)
        frame.to_json(jsonl_path, orient="records", lines=True)
        frame.to_parquet(parquet_path, index=False)
        cases = [
            ("load_corpus CSV (inferred text column)", lambda: load_corpus(csv_path, metadata_columns=["label"]),
             "pandas.read_csv", lambda: pd.read_csv(csv_path)),
            ("load_corpus JSONL", lambda: load_corpus(jsonl_path, metadata_columns=["label"]),
             "pandas.read_json(lines=True)", lambda: pd.read_json(jsonl_path, lines=True)),
            ("load_corpus Parquet", lambda: load_corpus(parquet_path, metadata_columns=["label"]),
             "pandas.read_parquet", lambda: pd.read_parquet(parquet_path)),
        ]
        for case, fn, baseline, baseline_fn in cases:
            seconds, corpus = best_of(fn)
            baseline_seconds, _ = best_of(baseline_fn)
            rows.append({"case": case, "n": n, "seconds": seconds, "baseline": baseline,
                         "baseline_seconds": baseline_seconds, "ratio": baseline_seconds / seconds,
                         "note": f"{len(corpus)} documents kept"})

    texts = frame["text"].tolist()
    seconds, counts = best_of(lambda: word_frequencies(texts))
    baseline_seconds, plain = best_of(lambda: _plain_frequencies(texts))
    rows.append({"case": "word_frequencies (NFKC, casefold, CJK, marks)", "n": n, "seconds": seconds,
                 "baseline": r"re.findall(\w+) on lower()", "baseline_seconds": baseline_seconds,
                 "ratio": baseline_seconds / seconds,
                 "note": f"{sum(counts.values())} tokens; same counts as baseline: {counts == plain}"})
    corpus = Corpus.from_texts(texts)
    seconds, stats = best_of(lambda: Corpus.from_texts(texts).stats(), repeat=1)
    rows.append({"case": "Corpus.stats (first call: tokenises)", "n": n, "seconds": seconds,
                 "note": f"vocabulary {stats.vocabulary_size}, Zipf exponent {stats.zipf_exponent:.3f}"})
    corpus.stats()
    seconds, _ = best_of(corpus.stats)
    rows.append({"case": "Corpus.stats (cached tokens)", "n": n, "seconds": seconds})
    return rows
