"""Fixtures of the dashboard tests: an isolated environment (cache, share store, fake embedder) and one
small but complete analysis of the sample corpora, computed once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
MAIN = str(ROOT / "app" / "main.py")
#: the fake embedder of tests/conftest.py, injected through app/cache.py's environment hook
FAKE_EMBEDDER = "tests.conftest:HashingEmbedder"
SAMPLES = ("games", "science", "libdevel")
N_DOCS = 220  # per corpus: enough text for word2vec (10,000 tokens), small enough to be quick


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path: Path) -> Path:
    """Every dashboard test gets its own embedding cache and share store, and the fake embedder."""
    monkeypatch.setenv("CORPUS_COMPASS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CORPUS_COMPASS_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("CORPUS_COMPASS_EMBEDDER", FAKE_EMBEDDER)
    monkeypatch.delenv("CORPUS_COMPASS_PRELOAD_SAMPLES", raising=False)
    monkeypatch.delenv("CORPUS_COMPASS_OPEN_BUNDLE", raising=False)
    return tmp_path


def small_sample(name: str, n: int = N_DOCS):
    """The first ``n`` documents of a bundled sample corpus (ids and labels kept)."""
    from core.load.corpus import Corpus
    from core.load.read import load_corpus

    full = load_corpus(ROOT / "sample_data" / f"{name}.csv", text_column="text", name=name,
                       metadata_columns=["section"])
    return Corpus.from_texts(full.texts[:n], name=name, ids=full.ids[:n], metadata=full.metadata.iloc[:n])


@pytest.fixture(scope="session")
def small_corpora():
    return [small_sample(name) for name in SAMPLES]


@pytest.fixture(scope="session")
def analysis_result(small_corpora):
    """A complete analysis (every stage, two models) of 3 x 220 sample documents with fake embedders."""
    from core.pipeline.run import run_analysis
    from core.pipeline.spec import Analysis
    from tests.conftest import HashingEmbedder

    spec = Analysis(corpora=tuple(small_corpora), second_model="fake-48", transforms=("center",),
                    hubness_reduction="csls", n_permutations=199, max_test_n=300, w2v_epochs=3,
                    words_min_freq=5, umap_n_epochs=100)
    result = run_analysis(spec, embedder=HashingEmbedder(), second_embedder=HashingEmbedder(48), cache=False)
    # the methods' warnings come back as the result's notes (the pages show them)
    assert any(n.startswith("small corpora for word2vec") for n in result.notes), result.notes
    return result


def open_page(page: str, result=None, *, query: dict | None = None, timeout: int = 60,
              token: str = "test-token") -> AppTest:
    """An AppTest of the dashboard showing ``page`` (e.g. "compare"), optionally with a result loaded
    (``token`` identifies it to the dashboard's caches: give a changed result its own)."""
    from app import state

    at = AppTest.from_file(MAIN, default_timeout=timeout)
    if result is not None:
        at.session_state[state.RESULT] = result
        at.session_state[state.RESULT_TOKEN] = token
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page != "data":
        at.switch_page(f"views/{page}.py")
    at.run()
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, info, warning, error and success text of a run, joined."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def plain(text: str) -> str:
    """Markdown text with the escapes of app.text.md removed (what the reader sees)."""
    import re

    return re.sub(r"\\(.)", r"\1", text)
