"""Embedding throughput and fidelity per runtime and precision, start-up time, and the embedding cache
(issues 2 and 16).

Texts (real, nobody on this project wrote them): **short**: documents of the bundled sample corpora
(Debian package descriptions, taken in turn from each corpus, mean about 500 characters); **long**:
five consecutive descriptions joined into one text (about 2,500 characters, beyond the model's
256-token window, so every batch is full length and padding cannot help). Neither set overlaps the
texts the int8 model is calibrated on (every tenth document of each corpus, ``core.embed.openvino_backend``):
those are removed first.

Baseline: plain ``SentenceTransformer(path).encode`` of the default model in fp32 (its default batch
size 32, torch's default threads). Measured against it, interleaved in rounds (each round runs every
encoder once, in turn, best of the rounds), so that load from other processes on the shared 2-core
machine hits all alike: ``load_embedder("default")`` with the defaults (``precision="auto"``,
``backend="auto"``: OpenVINO bf16 on this CPU), ``precision="int8"`` (OpenVINO, NNCF static int8),
ONNX Runtime fp32 (``backend="onnx"``) and torch bf16 autocast (``backend="torch"``, the previous
``auto``). "min/mean cos" compare each document's vector with the baseline's vector of the same text.
Ratios are wall-clock documents/s; the note adds the ratio of CPU time (all threads of the process),
which is less sensitive to how often other processes take the cores.

Start-up: a fresh Python process that imports the library, loads the model and embeds one text,
with the exported/quantised graphs already on disk (the usual case after the first run), against a
fresh process that loads ``SentenceTransformer`` and embeds one text. The first-ever load also converts
the model to OpenVINO's graph format (a few seconds) and, for int8, quantises it (about 15 s); those
one-off costs are reported in the notes.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.timing import best_of

ROOT = Path(__file__).resolve().parent.parent


def _sample_texts() -> list[list[str]]:
    groups = []
    for name in ("games", "science", "libdevel"):
        with open(ROOT / "sample_data" / f"{name}.csv", newline="", encoding="utf-8") as fh:
            rows = [row.get("text", "") for row in csv.DictReader(fh)]
        rows = [r for r in rows if r.strip()]
        groups.append([t for i, t in enumerate(rows) if i % 10 != 0])  # calibration texts left out
    return groups


def texts(n_short: int, n_long: int) -> tuple[list[str], list[str]]:
    """``n_short`` sample documents in turn from each corpus, and ``n_long`` texts of five joined ones."""
    groups = _sample_texts()
    mixed = [t for group in zip(*groups) for t in group]
    short = mixed[:n_short]
    rest = mixed[n_short:]
    long = [" ".join(rest[i * 5:(i + 1) * 5]) for i in range(n_long)]
    return short, long


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def _interleaved(fns: dict[str, Callable[[], np.ndarray]], repeat: int
                 ) -> tuple[dict[str, float], dict[str, float], dict[str, np.ndarray]]:
    """Best wall and CPU time of each function over ``repeat`` rounds that run them in turn."""
    wall = dict.fromkeys(fns, float("inf"))
    cpu = dict.fromkeys(fns, float("inf"))
    outputs: dict[str, np.ndarray] = {}
    for _ in range(repeat):
        for key, fn in fns.items():
            w, c = time.perf_counter(), time.process_time()
            outputs[key] = fn()
            wall[key] = min(wall[key], time.perf_counter() - w)
            cpu[key] = min(cpu[key], time.process_time() - c)
    return wall, cpu, outputs


_STARTUP = {
    "plain": ("from sentence_transformers import SentenceTransformer\n"
              "from core.embed import default_model_dir\n"
              "m = SentenceTransformer(str(default_model_dir()), device='cpu'); m.encode(['start'])"),
    "auto": "from core.embed import load_embedder\nload_embedder('default').encode(['start'])",
    "int8": "from core.embed import load_embedder\nload_embedder('default', precision='int8').encode(['start'])",
}


def _startup(kind: str, cache_dir: str) -> float:
    code = f"import time\nt = time.perf_counter()\n{_STARTUP[kind]}\nprint(time.perf_counter() - t)"
    env = {**os.environ, "CORPUS_COMPASS_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                          cwd=ROOT)
    return float(done.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[dict]:
    from sentence_transformers import SentenceTransformer

    from core.embed import default_model_dir, load_embedder
    from core.embed.cache import EmbeddingCache, default_cache_dir, embed_texts

    n_short, n_long = (120, 30) if quick else (400, 100)
    repeat = 2 if quick else 3
    short, long = texts(n_short, n_long)
    cache_dir = str(default_cache_dir())
    one_off = {}
    start = time.perf_counter()
    encoders = {"auto": load_embedder("default")}
    one_off["auto"] = time.perf_counter() - start
    start = time.perf_counter()
    encoders["int8"] = load_embedder("default", precision="int8")
    one_off["int8"] = time.perf_counter() - start
    encoders["onnx"] = load_embedder("default", precision="fp32", backend="onnx")
    encoders["torch-bf16"] = load_embedder("default", precision="bf16", backend="torch")
    plain = SentenceTransformer(str(default_model_dir()), device="cpu")
    labels = {
        "auto": f"load_embedder default (precision auto = {encoders['auto'].precision}, "
                f"{type(encoders['auto']).__name__})",
        "int8": "load_embedder precision=int8 (OpenVINO, NNCF static int8)",
        "onnx": "load_embedder backend=onnx (ONNX Runtime fp32)",
        "torch-bf16": "load_embedder backend=torch precision=bf16 (autocast; the earlier auto)",
    }
    base_name = "SentenceTransformer.encode fp32 (batch 32)"
    rows = []
    for kind, items in (("short", short), ("long", long)):
        fns: dict[str, Callable[[], np.ndarray]] = {
            "baseline": lambda items=items: plain.encode(items, show_progress_bar=False, normalize_embeddings=True)}
        for key, enc in encoders.items():
            fns[key] = lambda enc=enc, items=items: enc.encode(items)
        wall, cpu, outputs = _interleaved(fns, repeat)
        chars = np.mean([len(t) for t in items])
        for key in encoders:
            cos = _cosines(outputs[key], outputs["baseline"])
            n = len(items)
            rows.append({
                "case": f"{labels[key]}, {kind} texts", "n": n, "seconds": wall[key], "baseline": base_name,
                "baseline_seconds": wall["baseline"], "ratio": wall["baseline"] / wall[key],
                "note": (f"{n / wall[key]:.1f} vs {n / wall['baseline']:.1f} docs/s; CPU-time ratio "
                         f"{cpu['baseline'] / cpu[key]:.2f}; min cos {cos.min():.6f}, mean cos {cos.mean():.6f}; "
                         f"mean {chars:,.0f} characters"),
            })
    fid = encoders["int8"].fidelity
    rows.append({"case": "int8 fidelity stored with the quantised model (held-out sample texts)",
                 "n": fid["documents"], "note": f"min cos {fid['min_cosine']:.6f}, mean cos {fid['mean_cosine']:.6f}"})

    # start-up: fresh processes, graphs already on disk, interleaved rounds
    best = {k: float("inf") for k in _STARTUP}
    for _ in range(2):
        for kind in _STARTUP:
            best[kind] = min(best[kind], _startup(kind, cache_dir))
    for kind in ("auto", "int8"):
        rows.append({
            "case": f"start-up: fresh process, import + load + embed one text, {kind}", "n": 1,
            "seconds": best[kind], "baseline": "fresh process, SentenceTransformer load + encode one text",
            "baseline_seconds": best["plain"], "ratio": best["plain"] / best[kind],
            "note": (f"graphs on disk; the first load in this run took {one_off[kind]:.1f} s in-process "
                     f"(export/quantisation if the cache was empty)")})

    auto = encoders["auto"]
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(100))

        def miss() -> np.ndarray:
            with EmbeddingCache(Path(tmp) / f"miss-{next(counter)}.sqlite3") as cache:
                return embed_texts(short, auto, cache=cache)

        miss_s, miss_out = best_of(miss, repeat=2)
        with EmbeddingCache(Path(tmp) / "hit.sqlite3") as cache:
            embed_texts(short, auto, cache=cache)
            hit_s, hit_out = best_of(lambda: embed_texts(short, auto, cache=cache), repeat=repeat)
            size = cache.size_bytes()
    rows.append({
        "case": "embed_texts, cache hit (all texts cached), wall time", "n": len(short), "seconds": hit_s,
        "baseline": "embed_texts, cache miss (empty cache)", "baseline_seconds": miss_s, "ratio": miss_s / hit_s,
        "note": f"hit vectors identical to miss: {bool(np.array_equal(hit_out, miss_out))}; "
                f"cache file {size / 1e6:.2f} MB",
    })
    return rows
