"""AppTests of the Embed page: it runs the real pipeline (fake embedder injected through
CORPUS_COMPASS_EMBEDDER), shows the same numbers as a direct run, reuses the embedding cache on a second
run, and turns a bad model into a message."""

from __future__ import annotations

import numpy as np
import pytest

from app import state
from core.embed.cache import EmbeddingCache
from tests.app.conftest import open_page, plain, small_sample, texts
from tests.conftest import HashingEmbedder

FAST = ["depth", "tests", "hubness", "spread"]


def _with_corpora(corpora, page: str = "embed"):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import MAIN

    at = AppTest.from_file(MAIN, default_timeout=120)
    at.session_state[state.CORPORA] = {c.name: c for c in corpora}
    at.switch_page(f"views/{page}.py")
    at.run()
    return at


@pytest.fixture(scope="module")
def two_small():
    return [small_sample("games", 80), small_sample("science", 80)]


def test_embed_page_needs_two_corpora() -> None:
    at = open_page("embed")
    assert not at.exception
    assert "Load at least two corpora on the **Data** page first" in texts(at)
    assert not [b for b in at.button if b.key == "run_analysis"]


@pytest.mark.slow
def test_run_shows_the_pipeline_numbers_and_reuses_the_cache(two_small, isolated_env) -> None:
    at = _with_corpora(two_small)
    assert [b.label for b in at.button if b.key == "run_analysis"] == ["Run the analysis"]
    at.pills(key="analyses").set_value(FAST)
    at.button(key="run_analysis").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("The analysis is ready for these corpora and settings" in s.value for s in at.success)
    result = at.session_state[state.RESULT]

    from core.pipeline.run import run_analysis
    from core.pipeline.spec import Analysis

    direct = run_analysis(Analysis(corpora=tuple(two_small), analyses=frozenset({"depth", "tests", "hubness",
                                                                                 "spread"})),
                          embedder=HashingEmbedder(), cache=False)
    assert result.depth_tests["W"].tolist() == pytest.approx(direct.depth_tests["W"].tolist())
    assert result.tests["pvalue"].tolist() == pytest.approx(direct.tests["pvalue"].tolist())
    assert result.manifest["model"]["name"] == "fake-hashing"
    assert "map" not in result.timings or result.documents["umap_x"].isna().all()

    # every text is now in the on-disk embedding cache of this test
    with EmbeddingCache(isolated_env / "cache" / "embeddings.sqlite3") as store:
        assert store.count("fake-hashing-32") == 160

    # the Compare page shows this run's verdict
    at.switch_page("views/compare.py").run()
    assert result.verdicts["headline"].iloc[0] in plain(texts(at))

    # a second run of the same corpora and model embeds nothing again
    from app import cache

    embedder = cache.embedder("default", "auto")
    calls = embedder.calls
    at.switch_page("views/embed.py").run()
    at.button(key="run_analysis").click().run()
    assert not at.exception
    assert embedder.calls == calls
    assert np.allclose(at.session_state[state.RESULT].depth_tests["W"], result.depth_tests["W"])


def test_settings_reach_the_pipeline(two_small) -> None:
    at = _with_corpora(two_small)
    at.pills(key="analyses").set_value(["depth", "spread"])
    at.pills(key="transforms").set_value(["center"])
    at.number_input(key="seed").set_value(7)
    at.number_input(key="words_min_freq").set_value(30)
    at.selectbox(key="words_method").set_value("cade")
    at.checkbox(key="words_all").check()
    at.button(key="run_analysis").click().run()
    assert not at.exception and not at.error
    params = at.session_state[state.RESULT].manifest["parameters"]
    assert (params["words_min_freq"], params["words_method"], params["words_top"]) == (30, "cade", None)
    assert params["transforms"] == ["center"]
    assert params["analyses"] == ["depth", "spread"]
    assert params["seed"] == 7
    assert at.session_state[state.RESULT].tests["test"].unique().tolist() == ["depth"]


@pytest.mark.slow
def test_an_unknown_model_gets_a_message_not_a_traceback(two_small, monkeypatch) -> None:
    monkeypatch.delenv("CORPUS_COMPASS_EMBEDDER")
    at = _with_corpora(two_small)
    at.radio(key="model_source").set_value("Another sentence-transformers model (name or local folder)").run()
    at.text_input(key="model_name").set_value("no-such-org/no-such-model-xyz").run()
    at.button(key="run_analysis").click().run()
    assert not at.exception
    errors = [plain(e.value) for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("The analysis could not run:")
    assert "no-such-org/no-such-model-xyz" in errors[0]
    assert state.RESULT not in at.session_state


def test_precomputed_vectors_are_offered_and_used(two_small) -> None:
    rng = np.random.default_rng(0)
    with_vectors = [c.with_vectors(rng.standard_normal((len(c), 12)).astype(np.float32)) for c in two_small]
    at = _with_corpora(with_vectors)
    source = at.radio(key="model_source")
    assert source.value == "The precomputed embeddings loaded with the corpora"
    at.pills(key="analyses").set_value(["depth"])
    at.button(key="run_analysis").click().run()
    assert not at.exception and not at.error
    result = at.session_state[state.RESULT]
    assert result.manifest["model"]["name"] == "precomputed vectors"
    assert result.manifest["model"]["dimension"] == 12


def test_read_only_session_cannot_recompute() -> None:
    from core.results.result import AnalysisResult

    at = open_page("embed", AnalysisResult())
    at.session_state[state.SHARED_SOURCE] = "a shared link"
    at.run()
    assert "A shared analysis cannot be recomputed" in texts(at)
    assert not [b for b in at.button if b.key == "run_analysis"]


@pytest.mark.slow
def test_warnings_of_the_methods_are_shown_with_the_result() -> None:
    corpora = [small_sample("games"), small_sample("science")]
    at = _with_corpora(corpora)
    at.pills(key="analyses").set_value(["words"])
    at.button(key="run_analysis").click().run()
    assert not at.exception and not at.error
    warnings_shown = [plain(w.value) for w in at.warning]
    assert any(w.startswith("small corpora for word2vec") for w in warnings_shown), warnings_shown
    at.switch_page("views/words.py").run()
    assert any("read the list as exploratory" in plain(w.value) for w in at.warning)
    assert at.dataframe  # the shift list is still shown


def test_an_operator_allow_list_refuses_other_models_without_probing_paths(two_small, monkeypatch, tmp_path) -> None:
    """With CORPUS_COMPASS_MODELS set, a model outside the list is refused before anything is loaded,
    with the same words whether the folder exists or not; the corpora stay loaded."""
    monkeypatch.setenv("CORPUS_COMPASS_MODELS", "org/listed-model")
    at = _with_corpora(two_small)
    at.radio(key="model_source").set_value("Another sentence-transformers model (name or local folder)").run()
    assert any("This server accepts only these models" in plain(c.value) and "org/listed-model" in plain(c.value)
               for c in at.caption)
    at.pills(key="analyses").set_value(["depth"]).run()
    errors = []
    for name in (str(tmp_path), str(tmp_path / "missing")):
        at.text_input(key="model_name").set_value(name).run()
        at.button(key="run_analysis").click().run()
        assert not at.exception
        errors.append([plain(e.value) for e in at.error])
    assert errors[0] == errors[1] == [
        ("The analysis could not run: this server accepts only these models: default, fast, org/listed-model "
         "(a list set by whoever runs it, in CORPUS_COMPASS_MODELS); choose one of them")]
    assert state.RESULT not in at.session_state or at.session_state[state.RESULT] is None
    assert list(at.session_state[state.CORPORA]) == ["games", "science"]
    # a listed name passes the check (here the suite's fake embedder stands in for it)
    at.text_input(key="model_name").set_value("org/listed-model").run()
    at.button(key="run_analysis").click().run()
    assert not at.error and at.session_state[state.RESULT] is not None


def test_the_onnx_runtime_can_be_chosen_and_is_recorded(two_small) -> None:
    pytest.importorskip("onnxruntime")
    at = _with_corpora(two_small)
    assert at.radio(key="backend").value == "auto"
    assert at.radio(key="precision").options == ["auto", "fp32", "bf16", "int8"]
    at.radio(key="backend").set_value("onnx").run()
    at.radio(key="precision").set_value("bf16").run()
    assert any("ONNX Runtime runs fp32" in plain(c.value) for c in at.caption)
    at.pills(key="analyses").set_value(["depth"]).run()
    at.button(key="run_analysis").click().run()
    assert [plain(e.value) for e in at.error] == [
        "The analysis could not run: backend 'onnx' runs fp32: use precision 'auto' or 'fp32' with it"]
    at.radio(key="precision").set_value("auto").run()
    at.button(key="run_analysis").click().run()
    assert not at.error
    result = at.session_state[state.RESULT]
    assert result.manifest["parameters"]["backend"] == "onnx"
    # loading the model is a stage of the run, timed, before the pipeline's own stages
    assert next(iter(result.timings)) == "model" and result.timings["model"] >= 0
