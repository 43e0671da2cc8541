"""The whole ``corpus-compass compare`` on two corpora of 5,000 documents each, stage by stage.

Corpora (built by :func:`build_corpora`, deterministic): the three bundled sample corpora (Debian
package descriptions: games, science, libdevel) are cut into distinct units: every paragraph and
every sentence of more than 20 characters (so a one-sentence paragraph counts once). Corpus
"games+libdevel" is 3,500 units drawn at random from the games units and 1,500 from the libdevel
units; corpus "science+libdevel" is 3,500 from the science units and 1,500 from the libdevel units
that the first corpus did not take. A unit found in several samples (boilerplate such as "This
package contains the documentation.") is kept in the first of games, science, libdevel only. Every document is distinct within and across corpora; the two
corpora share a topic (library packages), as real comparisons do.

Runs: the command line itself, as a subprocess (``python -m cli compare A.csv B.csv --out DIR
--quiet``, default model and settings: all analyses, no transforms), first with an empty embedding
cache (cold), then again with the cache it filled (warm). Stage times come from each run's
``summary.json`` (``timings``; ``write`` is the time spent writing the output files), whole-run times
from the subprocess's wall clock (Python start-up, imports and model loading included).

Targets (issue 6): everything after embedding (all stages after ``embed``, plus writing the files) at
most 50% of the embedding time of the cold run (ratio embed / after >= 2), and the warm run at most
40% of the cold run (ratio cold / warm >= 2.5). One cold and one warm run (not best of 3: a cold run
embeds 10,000 documents); ``--quick`` uses 600 documents per corpus.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_PARAGRAPH = re.compile(r"\n\s*\n")


def _units(name: str) -> list[str]:
    """Distinct paragraphs and sentences (> 20 characters) of one sample corpus, in file order."""
    texts = pd.read_csv(SAMPLES / f"{name}.csv")["text"].tolist()
    seen: dict[str, None] = {}
    for text in texts:
        for paragraph in _PARAGRAPH.split(text):
            paragraph = " ".join(paragraph.split())
            if len(paragraph) > 20:
                seen.setdefault(paragraph, None)
            for sentence in _SENTENCE.split(paragraph):
                sentence = sentence.strip()
                if len(sentence) > 20:
                    seen.setdefault(sentence, None)
    return list(seen)


def build_corpora(n: int = 5000, *, seed: int = 0) -> tuple[list[str], list[str]]:
    """Two corpora of ``n`` distinct documents each (see the module docstring)."""
    rng = np.random.default_rng(seed)
    games, science, libdevel = _units("games"), _units("science"), _units("libdevel")
    # boilerplate sentences occur in several sections ("This package contains the documentation."):
    # keep each unit in one pool only, so no document appears in both corpora
    taken = set(games)
    science = [u for u in science if u not in taken]
    taken |= set(science)
    libdevel = [u for u in libdevel if u not in taken]
    n_main = round(0.7 * n)
    n_lib = n - n_main
    lib = [libdevel[i] for i in rng.permutation(len(libdevel))]
    lib_a, lib_b = lib[:n_lib], lib[n_lib:2 * n_lib]
    a = [games[i] for i in rng.choice(len(games), size=n_main, replace=False)] + lib_a
    b = [science[i] for i in rng.choice(len(science), size=n_main, replace=False)] + lib_b
    a = [a[i] for i in rng.permutation(len(a))]
    b = [b[i] for i in rng.permutation(len(b))]
    if len(set(a)) != n or len(set(b)) != n or set(a) & set(b):
        raise RuntimeError("the benchmark corpora are not distinct; check the sample data")
    return a, b


def _compare(paths: tuple[Path, Path], out: Path, cache: Path) -> tuple[float, dict]:
    env = dict(os.environ, CORPUS_COMPASS_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "cli", "compare", str(paths[0]), str(paths[1]), "--text-column",
               "text", "--out", str(out), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"compare failed ({done.returncode}): {done.stderr.strip()}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return seconds, summary


def run(quick: bool = False) -> list[dict]:
    n = 600 if quick else 5000
    a, b = build_corpora(n)
    with tempfile.TemporaryDirectory(prefix="cc-bench-compare-") as tmp:
        tmp_path = Path(tmp)
        paths = (tmp_path / "games+libdevel.csv", tmp_path / "science+libdevel.csv")
        for path, texts in zip(paths, (a, b)):
            pd.DataFrame({"text": texts}).to_csv(path, index=False)
        cache = tmp_path / "cache"
        cold_s, cold = _compare(paths, tmp_path / "cold", cache)
        warm_s, warm = _compare(paths, tmp_path / "warm", cache)

    total = 2 * n
    t = cold["timings"]
    embed = t["embed"]
    after_stages = [s for s in t if s not in ("load", "embed")]
    after = sum(t[s] for s in after_stages)
    model = cold["model"]
    rows = [{
        "case": "cold run: embedding (model load + encode, empty cache)", "n": total, "seconds": embed,
        "note": f"{total / embed:.0f} documents/s, precision {model['precision']}",
    }, {
        "case": "cold run: everything after embedding (all later stages + writing the files)", "n": total,
        "seconds": after, "baseline": "embedding time of the same run", "baseline_seconds": embed,
        "ratio": embed / after,
        "note": f"target ratio >= 2 (after <= 50% of embedding): {'met' if embed / after >= 2 else 'MISSED'}",
    }]
    for stage in after_stages:
        rows.append({"case": f"cold run stage: {stage}", "n": total, "seconds": t[stage],
                     "note": "skipped: " + cold["skipped"][stage] if stage in cold["skipped"] else ""})
    rows.append({"case": "cold run: whole command (subprocess wall clock)", "n": total, "seconds": cold_s})
    rows.append({
        "case": "warm run: whole command, embeddings from the cache", "n": total, "seconds": warm_s,
        "baseline": "cold run, whole command", "baseline_seconds": cold_s, "ratio": cold_s / warm_s,
        "note": (f"warm embed stage {warm['timings']['embed']:.1f} s; target ratio >= 2.5 (warm <= 40% of "
                 f"cold): {'met' if cold_s / warm_s >= 2.5 else 'MISSED'}"),
    })
    return rows
