"""AppTest of the Data page: samples load with their statistics; bad uploads show a message and keep
what was loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.load.read import load_corpus

ROOT = Path(__file__).resolve().parents[2]
MAIN = str(ROOT / "app" / "main.py")


@pytest.fixture
def app(monkeypatch) -> AppTest:
    monkeypatch.delenv("CORPUS_COMPASS_PRELOAD_SAMPLES", raising=False)
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    return at


def test_empty_dashboard_explains_what_to_do(app: AppTest) -> None:
    assert not app.exception
    assert app.title[0].value == "Data"
    assert any("Nothing loaded yet" in i.value for i in app.info)
    assert [b.label for b in app.button if b.key == "load_samples"] == ["Load the sample corpora"]


def test_loading_samples_shows_their_statistics(app: AppTest) -> None:
    app.button(key="load_samples").click().run()
    assert not app.exception
    overview = app.dataframe[0].value
    assert list(overview["corpus"]) == ["games", "science", "libdevel"]
    for name in ["games", "science", "libdevel"]:
        expected = load_corpus(ROOT / "sample_data" / f"{name}.csv", text_column="text").stats()
        row = overview[overview["corpus"] == name].iloc[0]
        assert row["documents"] == expected.n_documents
        assert row["tokens"] == expected.n_tokens
        assert row["vocabulary"] == expected.vocabulary_size
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert "games · 842 documents" in sidebar


def test_preload_env_loads_samples(monkeypatch) -> None:
    monkeypatch.setenv("CORPUS_COMPASS_PRELOAD_SAMPLES", "1")
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value["corpus"]) == ["games", "science", "libdevel"]


def test_one_corpus_warns_that_two_are_needed(app: AppTest) -> None:
    from app import state  # noqa: F401  (imported for the key names only)

    app.session_state["cc_corpora"] = {"only": load_corpus(ROOT / "sample_data" / "games.csv",
                                                           text_column="text", name="only")}
    app.run()
    assert any("at least one more corpus" in w.value for w in app.warning)
