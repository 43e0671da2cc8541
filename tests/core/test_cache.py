"""Tests of core.embed.cache: the SQLite embedding cache and embed_texts.

The embedders here are deterministic stand-ins (the shared HashingEmbedder, or a vector derived from
a text's SHA-256), because the cache is about storing vectors, not computing them; the real model is
tested in test_embed.py.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.embed.cache import CACHE_DIR_ENV, CACHE_FILENAME, EmbeddingCache, default_cache_dir, embed_texts
from core.exceptions import CacheError, CorpusCompassWarning, InputError, ParameterError

ROOT = Path(__file__).resolve().parents[2]


def text_vector(text: str, dim: int = 24) -> np.ndarray:
    """A unit vector that is a pure function of the text."""
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


class RecordingEmbedder:
    """Deterministic embedder that records every text it was asked to encode."""

    def __init__(self, identity: str = "recording-24", dim: int = 24) -> None:
        self.name = identity
        self.identity = identity
        self.dimension = dim
        self.precision = "fp32"
        self.seen: list[str] = []

    def encode(self, texts, *, batch_size=64, progress=None):
        self.seen.extend(texts)
        return np.stack([text_vector(t, self.dimension) for t in texts]) if texts else \
            np.zeros((0, self.dimension), np.float32)


@pytest.fixture
def cache(tmp_path) -> EmbeddingCache:
    with EmbeddingCache(tmp_path / "cache.sqlite3") as c:
        yield c


# ---------------------------------------------------------------------------------------------------
# EmbeddingCache


def test_put_get_roundtrip_is_exact(cache, rng):
    vectors = rng.standard_normal((3, 8)).astype(np.float32)
    cache.put_many("m1", ["a", "b", "c"], vectors)
    found, got = cache.get_many("m1", ["c", "x", "a", "c"])
    np.testing.assert_array_equal(found, [True, False, True, True])
    assert got.dtype == np.float32 and got.shape == (4, 8)
    np.testing.assert_array_equal(got[[0, 2, 3]], vectors[[2, 0, 2]])  # bit-identical
    np.testing.assert_array_equal(got[1], 0.0)  # misses are zero rows, flagged by the mask
    found, got = cache.get_many("m1", ["nothing", "here"])
    assert not found.any() and got.shape == (2, 0)
    assert cache.count() == 3 and cache.count("m1") == 3


def test_identity_separates_entries(cache):
    cache.put_many("model-A;precision=fp32", ["same text"], np.ones((1, 4), np.float32))
    cache.put_many("model-A;precision=bf16", ["same text"], np.full((1, 4), 2.0, np.float32))
    _, a = cache.get_many("model-A;precision=fp32", ["same text"])
    _, b = cache.get_many("model-A;precision=bf16", ["same text"])
    found, _ = cache.get_many("model-B", ["same text"])
    np.testing.assert_array_equal(a, 1.0)
    np.testing.assert_array_equal(b, 2.0)
    assert not found[0]
    assert cache.identities() == {"model-A;precision=fp32": 1, "model-A;precision=bf16": 1}


def test_key_separates_identity_and_text_boundary(cache):
    # "ab" + "\0" + "c" must not collide with "a" + "\0" + "bc"
    cache.put_many("ab", ["c"], np.ones((1, 2), np.float32))
    assert not cache.get_many("a", ["bc"])[0][0]


def test_size_count_and_clear(cache, rng):
    empty = cache.size_bytes()
    assert empty > 0
    cache.put_many("m1", [f"t{i}" for i in range(200)], rng.standard_normal((200, 384)))
    cache.put_many("m2", ["x", "y"], rng.standard_normal((2, 384)))
    full = cache.size_bytes()
    assert full > empty + 200 * 384 * 4
    assert cache.clear("m2") == 2
    assert cache.count() == 200 and cache.count("m2") == 0
    assert cache.clear() == 200
    assert cache.count() == 0 and cache.identities() == {}
    assert cache.size_bytes() < full / 4  # VACUUM and checkpoint gave the space back
    assert not cache.get_many("m1", ["t0"])[0][0]


def test_damaged_row_is_a_miss_not_a_wrong_vector(cache):
    cache.put_many("m1", ["a", "b"], np.ones((2, 4), np.float32))
    with sqlite3.connect(cache.path) as raw:
        key_a = hashlib.sha256(b"m1\0a").digest()
        raw.execute("UPDATE embeddings SET vector = ? WHERE key = ?", (b"\0" * 8, key_a))
    found, got = cache.get_many("m1", ["a", "b"])
    np.testing.assert_array_equal(found, [False, True])
    np.testing.assert_array_equal(got[1], 1.0)


def test_default_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "my-cache"))
    assert default_cache_dir() == tmp_path / "my-cache"
    with EmbeddingCache() as c:
        assert c.path == tmp_path / "my-cache" / CACHE_FILENAME
    embedder = RecordingEmbedder()
    embed_texts(["stored where the variable says"], embedder)  # cache=None: the default cache
    with EmbeddingCache(tmp_path / "my-cache") as c:  # a directory is accepted too
        assert c.count(embedder.identity) == 1
    monkeypatch.delenv(CACHE_DIR_ENV)
    assert default_cache_dir().name == "corpus-compass"


def test_corrupt_file_is_moved_aside_with_warning(tmp_path):
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"this is not an sqlite database" * 100)
    with pytest.raises(CacheError, match=r"cannot be used .*delete the file .*CORPUS_COMPASS_CACHE_DIR"):
        EmbeddingCache(path, recover=False)
    with pytest.warns(CorpusCompassWarning, match=r"could not be read .*moved to .*corrupt-"):
        c = EmbeddingCache(path)
    moved = list(tmp_path.glob("cache.sqlite3.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes().startswith(b"this is not")
    c.put_many("m", ["a"], np.ones((1, 3), np.float32))
    assert c.count() == 1
    c.close()
    with pytest.raises(CacheError, match="is closed"):
        c.count()


def test_other_schema_version_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    EmbeddingCache(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(CacheError, match="has schema version 99, this version of Corpus Compass uses 1"):
        EmbeddingCache(path)


def test_put_many_validates(cache):
    with pytest.raises(InputError, match=r"vectors must have shape \(2, d\)"):
        cache.put_many("m", ["a", "b"], np.ones((3, 4)))
    with pytest.raises(InputError, match="NaN or inf"):
        cache.put_many("m", ["a"], np.array([[np.nan, 1.0]]))
    with pytest.raises(ParameterError, match="identity must be a non-empty string"):
        cache.put_many("", ["a"], np.ones((1, 2)))
    with pytest.raises(InputError, match="not a single string"):
        cache.get_many("m", "abc")
    with pytest.raises(ParameterError, match="timeout must be a number of seconds"):
        EmbeddingCache(cache.path, timeout=-1)
    assert cache.count() == 0


def test_two_processes_write_concurrently(tmp_path):
    path = tmp_path / "shared.sqlite3"
    script = textwrap.dedent(f"""
        import sys, numpy as np
        sys.path.insert(0, {str(ROOT)!r})
        from core.embed.cache import EmbeddingCache
        c = EmbeddingCache({str(path)!r})
        who = sys.argv[1]
        for b in range(30):
            texts = [f"{{who}}-{{b}}-{{i}}" for i in range(50)]
            c.put_many("shared", texts, np.full((50, 16), float(b), np.float32))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, who]) for who in ("p", "q")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with EmbeddingCache(path) as c:
        assert c.count("shared") == 2 * 30 * 50
        found, got = c.get_many("shared", ["p-7-3", "q-29-49"])
        assert found.all() and got[0, 0] == 7.0 and got[1, 0] == 29.0


def test_many_processes_create_the_same_new_cache_at_once(tmp_path):
    """Opening a NEW cache file from several processes at the same moment: SQLite reports "database is
    locked" at once (no busy wait) while another process switches the file to WAL; the cache waits
    and retries instead of failing (a CI run failed on this race)."""
    script = textwrap.dedent(f"""
        import sys, time, numpy as np
        sys.path.insert(0, {str(ROOT)!r})
        from core.embed.cache import EmbeddingCache
        path, start, who = sys.argv[1], float(sys.argv[2]), sys.argv[3]
        while time.time() < start:  # all processes open the file at the same moment
            pass
        with EmbeddingCache(path) as c:
            c.put_many("shared", [f"{{who}}-{{i}}" for i in range(20)], np.ones((20, 8), np.float32))
    """)
    for attempt in range(4):
        path = tmp_path / f"new-{attempt}.sqlite3"
        start = time.time() + 2.0
        procs = [subprocess.Popen([sys.executable, "-c", script, str(path), repr(start), str(w)],
                                  stderr=subprocess.PIPE, text=True) for w in range(6)]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 6, errors
        with EmbeddingCache(path) as c:
            assert c.count("shared") == 6 * 20


# ---------------------------------------------------------------------------------------------------
# embed_texts


def test_hit_returns_identical_vectors_without_encoding(cache, fake_embedder):
    texts = ["the engine starts", "a player wins", "the shell prompt"]
    first = embed_texts(texts, fake_embedder, cache=cache)
    assert fake_embedder.calls == 1
    second = embed_texts(texts, fake_embedder, cache=cache)
    assert fake_embedder.calls == 1  # all hits: the embedder was not asked again
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, fake_embedder.encode(texts), atol=0)


def test_progress_sequence(cache):
    embedder = RecordingEmbedder()
    calls: list[tuple[int, int]] = []
    embed_texts([f"text {i}" for i in range(5)], embedder, cache=cache, batch_size=2,
                progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
    calls.clear()
    # two of seven are cached: they count as done at once, the rest follow batch by batch
    embed_texts(["text 0", "new a", "text 3", "new b", "new c", "new d", "new e"], embedder,
                cache=cache, batch_size=2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(2, 7), (4, 7), (6, 7), (7, 7)]
    calls.clear()
    embed_texts([], embedder, cache=cache, progress=lambda d, t: calls.append((d, t)))
    assert calls == []


def test_repeated_texts_encoded_once(cache):
    embedder = RecordingEmbedder()
    texts = ["a", "b", "a", "a", "c", "b"]
    out = embed_texts(texts, embedder, cache=cache, batch_size=2)
    assert sorted(embedder.seen) == ["a", "b", "c"]
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[1], out[5])
    np.testing.assert_array_equal(out[4], text_vector("c"))
    assert cache.count() == 3


def test_lookup_in_slices_keeps_order(cache, monkeypatch):
    import core.embed.cache

    monkeypatch.setattr(core.embed.cache, "_READ_SLICE", 7)  # force many slices on a small input
    embedder = RecordingEmbedder()
    texts = [f"t{i % 23}" for i in range(50)]
    embed_texts(texts[::3], embedder, cache=cache)
    embedder.seen.clear()
    out = embed_texts(texts, embedder, cache=cache)
    np.testing.assert_array_equal(out, np.stack([text_vector(t) for t in texts]))
    assert sorted(embedder.seen) == sorted(set(texts) - set(texts[::3]))


def test_cache_false_stores_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "unused"))
    embedder = RecordingEmbedder()
    out = embed_texts(["x", "y"], embedder, cache=False)
    np.testing.assert_array_equal(out, np.stack([text_vector("x"), text_vector("y")]))
    embed_texts(["x", "y"], embedder, cache=False)
    assert embedder.seen == ["x", "y", "x", "y"]
    assert not (tmp_path / "unused").exists()


def test_write_failure_warns_and_still_returns_everything(cache):
    embedder = RecordingEmbedder()
    embed_texts(["already cached"], embedder, cache=cache)
    blocker = sqlite3.connect(cache.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock for too long
    slow = EmbeddingCache(cache.path, timeout=0.05)  # opening an existing cache needs no write lock
    try:
        with pytest.warns(CorpusCompassWarning, match="no longer being cached: .*locked"):
            out = embed_texts(["already cached", "new one", "another"], embedder, cache=slow, batch_size=1)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        slow.close()
    np.testing.assert_array_equal(out, np.stack([text_vector(t) for t in
                                                 ["already cached", "new one", "another"]]))
    assert cache.count() == 1


def test_embed_texts_validates(cache, fake_embedder):
    with pytest.raises(ParameterError, match="batch_size must be a positive integer"):
        embed_texts(["a"], fake_embedder, cache=cache, batch_size=0)
    with pytest.raises(ParameterError, match="cache must be an EmbeddingCache, None"):
        embed_texts(["a"], fake_embedder, cache="somewhere")
    with pytest.raises(ParameterError, match="embedder must follow core.embed.Embedder"):
        embed_texts(["a"], object(), cache=cache)
    with pytest.raises(InputError, match=r"texts\[1\] is NoneType"):
        embed_texts(["a", None], fake_embedder, cache=cache)
    assert embed_texts([], fake_embedder, cache=cache).shape == (0, 32)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(max_size=12), max_size=25), cached=st.lists(st.text(max_size=12), max_size=10),
       batch_size=st.integers(1, 7))
def test_embed_texts_equals_direct_encoding(texts, cached, batch_size):
    """Property: whatever is cached and however texts repeat, rows equal encoding each text alone."""
    embedder = RecordingEmbedder()
    with tempfile.TemporaryDirectory() as tmp, EmbeddingCache(Path(tmp) / "c.sqlite3") as c:
        embed_texts(cached, embedder, cache=c)
        embedder.seen.clear()
        out = embed_texts(texts, embedder, cache=c, batch_size=batch_size)
        expected = np.stack([text_vector(t) for t in texts]) if texts else np.zeros((0, 24), np.float32)
        np.testing.assert_array_equal(out, expected)
        assert sorted(embedder.seen) == sorted(set(texts) - set(cached))


# ---------------------------------------------------------------------------------------------------
# crash safety

_WRITER = textwrap.dedent("""
    import hashlib, sys
    import numpy as np
    sys.path.insert(0, {root!r})
    from core.embed.cache import EmbeddingCache, embed_texts

    def text_vector(text, dim=24):
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
        return v / np.linalg.norm(v)

    class Emb:
        name = identity = "kill-test"
        dimension = 24
        precision = "fp32"
        def encode(self, texts, *, batch_size=64, progress=None):
            return np.stack([text_vector(t) for t in texts])

    texts = [f"document number {{i:06d}}" for i in range({n})]
    embed_texts(texts, Emb(), cache=EmbeddingCache({path!r}), batch_size={batch},
                progress=lambda done, total: print(done, flush=True))
""")


@pytest.mark.slow
def test_sigkill_mid_write_leaves_complete_entries_and_rerun_finishes(tmp_path):
    n, batch = 60_000, 1_000
    path = tmp_path / "killed.sqlite3"
    script = _WRITER.format(root=str(ROOT), n=n, path=str(path), batch=batch)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    seen = 0
    for line in proc.stdout:  # wait until several batches are committed, then kill without warning
        seen = int(line)
        if seen >= 5 * batch:
            break
    time.sleep(0.013)  # land somewhere inside a later batch, not exactly on a commit
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    texts = [f"document number {i:06d}" for i in range(n)]
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with EmbeddingCache(path) as c:
        stored = c.count("kill-test")
        assert seen <= stored < n  # every reported batch survived, and the run really was cut short
        assert stored % batch == 0  # batches are all or nothing
        found, got = c.get_many("kill-test", texts)
        assert found.sum() == stored
        expected = np.stack([text_vector(t) for t in np.asarray(texts)[found]])
        np.testing.assert_array_equal(got[found], expected)  # every stored vector is complete and right

        class Emb(RecordingEmbedder):
            pass

        rerun = Emb(identity="kill-test")
        out = embed_texts(texts, rerun, cache=c, batch_size=batch)
        assert len(rerun.seen) == n - stored  # resumed: only the missing texts were encoded
        assert c.count("kill-test") == n
    np.testing.assert_array_equal(out[::997], np.stack([text_vector(t) for t in texts[::997]]))


def test_no_warnings_on_normal_use(cache, fake_embedder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        embed_texts(["quiet"], fake_embedder, cache=cache)
