"""The Ray engine against the local engine on this machine, and a streaming run of a million documents.

Rows, each measured in a fresh Python process (``bench.memory.run_isolated``: its peak RSS is the
driver's own; the Ray workers are separate processes):

- ``local`` vs ``ray`` on real documents with the default model: the 3,000 documents of two bundled
  sample corpora (the sample data hold 3,842 distinct documents in all, so the 5,000 of the plan are
  not available offline), no cache; and at 50,000 documents (two corpora of 25,000 short synthetic
  documents) with the static ``fast`` model, no cache. ``run_analysis`` with depth and the
  two-sample tests. Baseline = the local engine in the same run; ratio = local seconds / Ray
  seconds. The note gives the embedding stage's seconds, the Ray overhead (Ray's whole run minus the
  local one: starting Ray, shipping the texts, loading one model per actor), the documents per
  second per Ray worker, and the largest difference between the two engines' depths and test
  statistics.
- ``stream``: 1,000,000 short synthetic documents (two corpora of 500,000, 20 Parquet files each)
  through :func:`core.pipeline.stream.stream_compare` with the ``fast`` model (depth, tests,
  spread, Zipf counts; no cache: a million throwaway vectors). The figure that matters is the
  driver's peak memory (goal: under 2 GiB); the note has each pass's seconds.

Ray here runs on the 2 CPUs of this shared machine (a local Ray started by each run, object store
1 GiB), so it cannot be faster than the local engine in CPU terms: one machine's CPUs are the same
CPUs. What the rows show is the cost of the engine (overhead, per-worker throughput) that a cluster
of several machines divides the work against. The machine was shared with five other sessions
during the run (load average about 20 on 2 cores), so the seconds are inflated and noisy.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.memory import run_isolated, self_peak_mb

ROOT = Path(__file__).resolve().parent.parent
_WORDS = ["river", "stone", "light", "cloud", "engine", "market", "song", "garden", "letter", "window", "paper", "signal", "story", "field", "winter", "harbour", "lamp", "voice", "bridge", "orbit", "code", "data", "forest", "music", "trade"]


def _short_texts(n: int, seed: int, vocabulary: list[str]) -> list[str]:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, 12, size=n)
    picks = rng.integers(0, len(vocabulary), size=int(lengths.sum()))
    out, start = [], 0
    for i, k in enumerate(lengths):
        out.append(" ".join(vocabulary[j] for j in picks[start:start + k]) + f" n{i}")
        start += k
    return out


def _corpora(n: int, model: str) -> list:
    from core.load.corpus import Corpus

    if model == "default":  # real documents: the bundled sample corpora
        import pandas as pd

        frames = [pd.read_csv(ROOT / "sample_data" / f"{name}.csv") for name in ("science", "libdevel")]
        return [Corpus.from_texts(f["text"].drop_duplicates().iloc[:n // 2].tolist(), name=name)
                for f, name in zip(frames, ("science", "libdevel"))]
    return [Corpus.from_texts(_short_texts(n // 2, 1, _WORDS), name="a"),
            Corpus.from_texts(_short_texts(n // 2, 2, _WORDS[:14] + ["update", "error", "cache"]), name="b")]


def engine_run(n: int, model: str, engine: str) -> dict:
    """One ``run_analysis`` (depth and tests, no cache) on ``engine``; times and results."""
    from core.pipeline.run import run_analysis
    from core.pipeline.spec import Analysis

    corpora = _corpora(n, model)
    spec = Analysis(corpora=corpora, model=model, engine=engine, analyses=("depth", "tests"))
    started, cpu = time.perf_counter(), time.process_time()
    result = run_analysis(spec, cache=False)
    seconds = time.perf_counter() - started
    cluster = result.manifest["engine"]["cluster"] or {}
    return {"seconds": seconds, "cpu_seconds": time.process_time() - cpu, "embed_seconds": result.timings["embed"],
            "n": sum(len(c) for c in corpora), "workers": cluster.get("cpus", 1),
            "depth": result.documents["depth"].tolist(), "statistic": result.tests["statistic"].tolist(),
            "driver_peak_mb": self_peak_mb()}


def _write_stream_corpora(root: Path, n: int, files: int) -> dict[str, str]:
    import pandas as pd

    folders = {}
    for name, seed, vocabulary in (("a", 1, _WORDS), ("b", 2, _WORDS[:14] + ["update", "error", "cache"])):
        folder = root / name
        folder.mkdir(parents=True)
        texts = _short_texts(n // 2, seed, vocabulary)
        per = -(-len(texts) // files)
        for f in range(files):
            pd.DataFrame({"text": texts[f * per:(f + 1) * per]}).to_parquet(folder / f"part-{f:03d}.parquet")
        folders[name] = str(folder)
        del texts
    return folders


def stream_run(n: int, files: int) -> dict:
    """Write ``n`` short documents as Parquet, then stream them through depth, tests, spread and Zipf."""
    from core.pipeline.stream import stream_compare

    root = Path(tempfile.mkdtemp(prefix="cc-stream-"))
    try:
        folders = _write_stream_corpora(root / "in", n, files)
        before = self_peak_mb()
        started, cpu = time.perf_counter(), time.process_time()
        result = stream_compare(folders, root / "out", model="fast", cache=False)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "cpu_seconds": time.process_time() - cpu, "driver_peak_mb": self_peak_mb(),
                "peak_before_mb": before, "timings": result.timings,
                "documents": int(result.corpora["n_documents"].sum()),
                "W": result.depth_tests["W"].tolist(), "workers": result.manifest["engine"]["cluster"]["cpus"]}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _engine_rows(n: int, model: str) -> list[dict]:
    local = run_isolated("bench.bench_ray:engine_run", n=n, model=model, engine="local", timeout=3600)
    remote = run_isolated("bench.bench_ray:engine_run", n=n, model=model, engine="ray", timeout=3600)
    if not (local.ok and remote.ok):
        return [{"case": f"local vs ray, {model}", "n": n, "note": f"failed: {local.error or remote.error}"}]
    a, b = local.result, remote.result
    depth_diff = float(np.max(np.abs(np.subtract(a["depth"], b["depth"]))))
    stat_diff = float(np.max(np.abs(np.subtract(a["statistic"], b["statistic"]))))
    workers = b["workers"]
    per_worker = b["n"] / b["embed_seconds"] / workers
    return [
        {"case": f"local engine, {model} model", "n": a["n"], "seconds": a["seconds"],
         "note": f"embedding {a['embed_seconds']:.1f} s ({a['n'] / a['embed_seconds']:.0f} docs/s); "
                 f"driver peak {local.peak_rss_mb:.0f} MiB"},
        {"case": f"ray engine, {model} model", "n": b["n"], "seconds": b["seconds"], "baseline": "local engine",
         "baseline_seconds": a["seconds"], "ratio": a["seconds"] / b["seconds"],
         "note": f"{workers} workers; embedding {b['embed_seconds']:.1f} s, {per_worker:.0f} docs/s per worker; "
                 f"Ray overhead {b['seconds'] - a['seconds']:+.1f} s; driver peak {remote.peak_rss_mb:.0f} MiB; "
                 f"max |depth diff| {depth_diff:.1e}, max |statistic diff| {stat_diff:.1e}"},
    ]


def run(quick: bool = False) -> list[dict]:
    os.environ.setdefault("CORPUS_COMPASS_RAY_OBJECT_STORE", str(1 << 30))
    small, large, stream_n = (1000, 10_000, 100_000) if quick else (5000, 50_000, 1_000_000)
    rows = _engine_rows(small, "default") + _engine_rows(large, "fast")
    m = run_isolated("bench.bench_ray:stream_run", n=stream_n, files=20, timeout=3600)
    if not m.ok:
        rows.append({"case": "streaming, fast model", "n": stream_n, "note": f"failed: {m.error}"})
        return rows
    r = m.result
    passes = ", ".join(f"{k} {v:.0f} s" for k, v in r["timings"].items())
    rows.append({"case": "streaming: depth, tests, spread, Zipf (fast model)", "n": r["documents"],
                 "seconds": r["seconds"],
                 "note": f"driver peak {r['driver_peak_mb']:.0f} MiB (goal < 2,048; "
                         f"{r['peak_before_mb']:.0f} MiB before the run); {r['workers']} workers; "
                         f"{r['documents'] / r['seconds']:.0f} docs/s overall; {passes}"})
    return rows
