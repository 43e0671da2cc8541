"""Embedding throughput and the embedding cache (issue 2).

Texts: the first 1,000 documents of the bundled sample corpora (Debian package descriptions, taken in
turn from each corpus so every length regime is represented; synthetic sentences if the corpora are
absent). Baseline: plain ``SentenceTransformer(path).encode`` of the default model in fp32 with its
default batch size. Measured: ``core.embed.load_embedder("default")`` at ``precision="auto"`` (bf16
autocast on CPUs with avx512_bf16/AMX, else fp32), at ``precision="fp32"`` for reference, and
``core.cache.embed_texts`` into an empty cache (miss) versus the same texts again (hit). The two
encoders are timed in alternation, best of 3 each, so that load from other processes on the shared
machine hits both alike. "min cos" is the smallest cosine between a text's vector from the measured
encoder and from the fp32 baseline.
"""

from __future__ import annotations

import csv
import random
import tempfile
from pathlib import Path

import numpy as np

from bench.timing import best_of

ROOT = Path(__file__).resolve().parent.parent


def _texts(n: int) -> tuple[list[str], str]:
    files = sorted((ROOT / "sample_data").glob("*.csv"))
    columns = []
    for path in files:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [row.get("text", "") for row in csv.DictReader(fh)]
        rows = [r for r in rows if r and r.strip()]
        if rows:
            columns.append(rows)
    if columns:
        mixed = [t for group in zip(*columns) for t in group]
        if len(mixed) < n:  # shortest file exhausted: append the rest in file order
            mixed += [t for col in columns for t in col[len(mixed) // len(columns):]]
        if len(mixed) >= n:
            return mixed[:n], f"sample_data ({', '.join(p.stem for p in files)})"
    rng = random.Random(0)
    words = ["the", "a", "of", "for", "with", "and", "library", "engine", "player", "shell", "tool",
             "python", "data", "science", "game", "open", "source", "network", "server", "client",
             "file", "system", "package", "development", "header", "kernel", "module", "driver",
             "plugin", "utility", "command", "line", "interface", "simulation", "physics", "statistics"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(5, 120))).capitalize() + "."
            for _ in range(n)], "synthetic sentences"


def _min_cos(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float(np.min(np.sum(a * b, axis=1)))


def run(quick: bool = False) -> list[dict]:
    from sentence_transformers import SentenceTransformer

    from core.cache import EmbeddingCache, embed_texts
    from core.embed import default_model_dir, load_embedder

    n = 200 if quick else 1000
    repeat = 2 if quick else 3
    texts, source = _texts(n)
    plain = SentenceTransformer(str(default_model_dir()), device="cpu")
    auto = load_embedder("default", precision="auto")
    fp32 = load_embedder("default", precision="fp32")

    def baseline() -> np.ndarray:
        return plain.encode(texts, show_progress_bar=False, normalize_embeddings=True)

    candidates = {"auto": lambda: auto.encode(texts), "fp32": lambda: fp32.encode(texts)}
    best = {"baseline": float("inf"), "auto": float("inf"), "fp32": float("inf")}
    outputs: dict[str, np.ndarray] = {}
    for _ in range(repeat):  # alternate so that background load is shared fairly
        seconds, outputs["baseline"] = best_of(baseline, repeat=1)
        best["baseline"] = min(best["baseline"], seconds)
        for key, fn in candidates.items():
            seconds, outputs[key] = best_of(fn, repeat=1)
            best[key] = min(best[key], seconds)

    rows = []
    base_s = best["baseline"]
    for key, emb in (("auto", auto), ("fp32", fp32)):
        rows.append({
            "case": f"core embedder, precision={key} ({emb.precision}, batch {emb.batch_size})",
            "n": n, "seconds": best[key],
            "baseline": "SentenceTransformer.encode fp32 (batch 32)", "baseline_seconds": base_s,
            "ratio": base_s / best[key],
            "note": (f"{n / best[key]:.1f} vs {n / base_s:.1f} docs/s; min cos to fp32 baseline "
                     f"{_min_cos(outputs[key], outputs['baseline']):.6f}; texts: {source}"),
        })

    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(100))

        def miss() -> np.ndarray:
            with EmbeddingCache(Path(tmp) / f"miss-{next(counter)}.sqlite3") as cache:
                return embed_texts(texts, auto, cache=cache)

        miss_s, miss_out = best_of(miss, repeat=repeat)
        with EmbeddingCache(Path(tmp) / "hit.sqlite3") as cache:
            embed_texts(texts, auto, cache=cache)
            hit_s, hit_out = best_of(lambda: embed_texts(texts, auto, cache=cache), repeat=repeat)
            size = cache.size_bytes()
    identical = bool(np.array_equal(hit_out, miss_out))
    rows.append({
        "case": "embed_texts, cache hit (all texts cached)", "n": n, "seconds": hit_s,
        "baseline": "embed_texts, cache miss (empty cache)", "baseline_seconds": miss_s,
        "ratio": miss_s / hit_s,
        "note": f"hit vectors identical to miss: {identical}; cache file {size / 1e6:.2f} MB",
    })
    return rows
