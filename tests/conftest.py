"""Shared fixtures: seeded random generators and a fast, deterministic fake embedder.

The fake embedder stands in for a sentence-transformer wherever the model is not what a test is
about. Tests of the model itself use the real bundled all-MiniLM-L6-v2.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from tests.chromium import launched_chromium

_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Bag of hashed words projected to ``dimension`` dims and L2-normalised (no model, no network).

    Texts sharing words get similar vectors, so corpora with different vocabularies separate, which is
    enough for tests of the pipeline, the dashboard and the statistics on real text.
    """

    def __init__(self, dimension: int = 32) -> None:
        self.name = "fake-hashing"
        self.dimension = dimension
        self.precision = "fp32"
        self.identity = f"fake-hashing-{dimension}"
        self.calls = 0

    def _word_vector(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dimension)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        self.calls += 1
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            words = _TOKEN.findall(text.lower()) or ["<empty>"]
            v = np.sum([self._word_vector(w) for w in words], axis=0)
            out[i] = v / np.linalg.norm(v)
            if progress is not None and ((i + 1) % batch_size == 0 or i + 1 == len(texts)):
                progress(i + 1, len(texts))
        return out


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(scope="module")
def chromium():
    """A launched headless Chromium (module-scoped: launching costs seconds on a loaded machine)."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="session", autouse=True)
def _shared_graph_dir(tmp_path_factory):
    """One folder for exported model graphs (ONNX, OpenVINO int8) for the whole test session, also for
    the servers and CLI processes the tests start (they inherit the environment): tests that give the
    embedding cache a fresh folder then do not export the model again each time (15 s or more)."""
    import os

    from core.embed.onnx_backend import GRAPH_DIR_ENV

    previous = os.environ.get(GRAPH_DIR_ENV)
    os.environ[GRAPH_DIR_ENV] = str(tmp_path_factory.mktemp("graphs"))
    yield
    if previous is None:
        os.environ.pop(GRAPH_DIR_ENV, None)
    else:
        os.environ[GRAPH_DIR_ENV] = previous
