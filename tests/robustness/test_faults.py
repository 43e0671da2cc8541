"""Faults: the process is killed (SIGKILL, no clean-up of any kind) while it writes, then run again.

- During embedding: the embedding cache (SQLite, one transaction per batch) passes SQLite's integrity
  check, holds only whole batches whose vectors are exactly the embedder's, and the rerun completes,
  embedding only what was missing.
- During "Save and share": the share store lists and serves only complete analyses (each loads and
  equals what was saved), a half-written file is never served under an id, and the next save works.

The kill lands at a different moment in each round (after 1, 3 and 6 finished steps, plus a random
delay), so it hits the middle of writes as well as the gaps between them.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from robustness_support import ROOT

pytestmark = pytest.mark.slow  # subprocesses that import numpy/pandas


def _spawn(script: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))


def _kill_after(process: subprocess.Popen, lines: int, extra_delay: float) -> list[str]:
    """Read ``lines`` progress lines from the child, wait ``extra_delay`` s, then SIGKILL it."""
    seen = []
    deadline = time.monotonic() + 120
    while len(seen) < lines:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"the child ended early: {process.stderr.read()}")
        seen.append(line.strip())
        assert time.monotonic() < deadline
    time.sleep(extra_delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    # lines the child printed before it died but the pipe still holds count as reported too: on a
    # loaded machine the child can be several steps ahead of this reader
    seen.extend(line.strip() for line in process.stdout.read().splitlines() if line.strip())
    return seen


# ----------------------------------------------------------------------------------------- embedding

EMBED_CHILD = """
    import sys
    from core.embed.cache import EmbeddingCache, embed_texts
    from tests.conftest import HashingEmbedder

    texts = [f"document number {i} about topic {i % 17}" for i in range(int(sys.argv[2]))]
    cache = EmbeddingCache(sys.argv[1])
    embed_texts(texts, HashingEmbedder(), cache=cache, batch_size=16,
                progress=lambda done, total: print(done, flush=True))
    print("finished", flush=True)
"""
N_TEXTS = 3000


def _texts() -> list[str]:
    return [f"document number {i} about topic {i % 17}" for i in range(N_TEXTS)]


@pytest.mark.parametrize(("steps", "delay"), [(1, 0.0), (3, 0.003), (6, 0.011)])
def test_killed_while_embedding_then_rerun(tmp_path: Path, steps: int, delay: float) -> None:
    from core.embed.cache import EmbeddingCache, embed_texts
    from tests.conftest import HashingEmbedder

    db = tmp_path / "embeddings.sqlite3"
    seen = _kill_after(_spawn(EMBED_CHILD, str(db), str(N_TEXTS)), steps + 1, delay)
    assert "finished" not in seen

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    embedder = HashingEmbedder()
    texts = _texts()
    expected = embedder.encode(texts)
    with EmbeddingCache(db) as cache:
        stored = cache.count()
        found, vectors = cache.get_many(embedder.identity, texts)
    # whole batches only (16 texts each), at least those the child reported, and every one exact
    assert stored % 16 == 0 and stored == int(found.sum()) and stored < N_TEXTS
    assert stored >= int(seen[-1])
    np.testing.assert_array_equal(vectors[found], expected[found])

    rerun = HashingEmbedder()
    encoded: list[int] = []
    original = rerun.encode
    rerun.encode = lambda chunk, **kw: (encoded.append(len(chunk)), original(chunk, **kw))[1]
    with EmbeddingCache(db) as cache:
        out = embed_texts(texts, rerun, cache=cache, batch_size=16)
        assert cache.count() == N_TEXTS
    np.testing.assert_array_equal(out, expected)
    assert sum(encoded) == N_TEXTS - stored  # only the missing texts were embedded again


# ------------------------------------------------------------------------------------------- store

STORE_CHILD = """
    import sys
    import numpy as np
    import pandas as pd
    from core.results import AnalysisResult, make_table
    from core.results.store import AnalysisStore

    n = 60_000
    docs = pd.DataFrame({"corpus": np.where(np.arange(n) % 2, "a", "b"), "doc_id": np.arange(n).astype(str),
                         "text": [f"text {i} " * 8 for i in range(n)], "depth": np.linspace(0, 1, n),
                         "umap_x": np.zeros(n), "umap_y": np.ones(n), "k_occurrence": np.ones(n),
                         "classifier_prob": np.full(n, 0.5)})
    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": n // 2, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0} for c in ("a", "b")])
    result = AnalysisResult(corpora=corpora, documents=make_table("documents", docs),
                            manifest={"created": "2026-01-01T00:00:00Z"})
    store = AnalysisStore(sys.argv[1])
    print("ready", flush=True)
    while True:
        print(store.save(result), flush=True)
"""


@pytest.mark.parametrize(("steps", "delay"), [(1, 0.05), (3, 0.21)])
def test_killed_while_saving_to_the_share_store_then_rerun(tmp_path: Path, steps: int, delay: float) -> None:
    from core.exceptions import ParameterError
    from core.results.store import AnalysisStore

    root = tmp_path / "store"
    seen = _kill_after(_spawn(STORE_CHILD, str(root)), steps + 1, delay)
    reported = seen[1:]
    store = AnalysisStore(root)
    ids = store.ids()
    # every save the child finished is there; at most one more finished between the report and the kill
    assert set(reported) <= set(ids) and len(ids) - len(reported) in (0, 1)
    for analysis_id in ids:
        loaded = store.load(analysis_id)
        assert len(loaded.documents) == 60_000 and loaded.documents["text"].iloc[-1] == "text 59999 " * 8
    # anything half-written is not a stored analysis and cannot be asked for
    for leftover in (p for p in root.iterdir() if p.stem not in ids and p.name != ".lock"):
        if leftover.suffix == ".json":  # the record of a save killed before its bundle was in place
            assert store.status(leftover.stem) == "unknown"
            continue
        assert leftover.name.startswith(".") and ".partial-" in leftover.name
        with pytest.raises(ParameterError):
            store.load(leftover.name)
    # the rerun completes: a new save is listed and loads
    again = store.save(store.load(ids[0]))
    assert again in store.ids() and store.load(again).equals(store.load(ids[0]))
