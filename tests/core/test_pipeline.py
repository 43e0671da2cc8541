"""Tests of the pipeline (core.pipeline): stages, skip reasons, progress, cancellation, determinism.

The fake embedder of tests/conftest.py stands in for the model (the real one runs in
tests/core/test_compare_cli.py). Corpora are slices of the bundled sample corpora.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.analysis.multitest import adjust_pvalues
from core.embed.cache import EmbeddingCache
from core.exceptions import AnalysisCancelled, ParameterError
from core.load.corpus import Corpus
from core.load.read import load_corpus
from core.pipeline.run import run_analysis
from core.pipeline.spec import ANALYSES, STAGES, Analysis
from core.results.result import TABLE_SCHEMAS, AnalysisResult

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
FAST = {"n_permutations": 99, "max_test_n": 200, "w2v_epochs": 1, "w2v_dim": 16}
_CACHE: dict[str, object] = {}


def _sample(name: str, n: int, start: int = 0) -> Corpus:
    frame = pd.read_csv(SAMPLES / f"{name}.csv").iloc[start:start + n].reset_index(drop=True)
    return Corpus.from_texts(frame["text"].tolist(), name=name, ids=frame["package"].tolist(),
                             metadata=frame[["section", "version"]])


def _two() -> tuple[Corpus, Corpus]:
    return _sample("games", 70), _sample("science", 60)


def _run(spec: Analysis, embedder, **kwargs) -> AnalysisResult:
    return run_analysis(spec, embedder=embedder, cache=False, **kwargs)


@pytest.fixture
def two_result(fake_embedder):
    """One full run on two corpora, computed once for the module (the fake embedder is cheap)."""
    if "two" not in _CACHE:
        events: list[tuple[str, int, int, str]] = []
        spec = Analysis(corpora=_two(), transforms=("center", "whiten"), hubness_reduction="mp_gaussian",
                        **FAST)
        result = _run(spec, fake_embedder, progress=lambda *e: events.append(e))
        _CACHE["two"] = (result, events)
    return _CACHE["two"]


# --------------------------------------------------------------------------- contents


def test_every_table_has_the_contract_columns(two_result):
    result, _ = two_result
    for name, schema in TABLE_SCHEMAS.items():
        fixed = [c for c, _ in schema]
        assert list(getattr(result, name).columns)[: len(fixed)] == fixed, name
    assert list(result.documents.columns)[len(TABLE_SCHEMAS["documents"]):] == ["section", "version"]
    assert result.corpora["n_documents"].tolist() == [70, 60]
    assert len(result.documents) == 130
    assert result.documents["doc_id"].tolist()[:2] == ["0ad", "2048"]


def test_depth_both_directions_and_holm_over_all_tests(two_result):
    result, _ = two_result
    assert list(zip(result.depth_tests["reference"], result.depth_tests["other"])) == [
        ("games", "science"), ("science", "games")]
    assert result.tests["test"].tolist() == ["depth", "depth", "mmd", "energy", "classifier"]
    p = result.tests["pvalue"].to_numpy()
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(result.tests["pvalue_adjusted"], adjust_pvalues(p, method="holm"))
    assert (result.tests["pvalue_adjusted"] >= result.tests["pvalue"]).all()
    perm = result.tests.set_index("test")["n_permutations"]
    assert perm["mmd"] == 99 and perm["depth"].isna().all()
    # the depth test's W and Q are the table's statistic and effect size
    d = result.tests[result.tests["test"] == "depth"]
    np.testing.assert_allclose(d["statistic"], result.depth_tests["W"])
    np.testing.assert_allclose(d["effect_size"], result.depth_tests["Q"])
    assert ((result.depth_tests["Q"] >= 0) & (result.depth_tests["Q"] <= 1)).all()


def test_documents_columns_are_filled(two_result):
    result, _ = two_result
    docs = result.documents
    for column in ("depth", "umap_x", "umap_y", "k_occurrence", "classifier_prob"):
        assert docs[column].notna().all(), column
    # N_k over the pooled graph sums to n k
    assert docs["k_occurrence"].sum() == len(docs) * 10
    assert docs["classifier_prob"].between(0, 1).all()
    assert docs["depth"].between(0, 2).all()


def test_verdict_extremes_hubness_spread(two_result):
    result, _ = two_result
    assert len(result.verdicts) == 1 and result.verdicts["text"].iloc[0].startswith("We compared 'games'")
    kinds = result.extremes.groupby(["corpus", "kind"]).size()
    assert set(kinds.index.get_level_values("kind")) == {"central", "outlying", "separating", "crossover"}
    assert (kinds == 10).all()
    games = result.extremes[result.extremes["corpus"] == "games"]
    central = games[games["kind"] == "central"]["value"].to_numpy()
    assert np.all(np.diff(central) <= 0)  # most central first
    sep = games[games["kind"] == "separating"]["value"].to_numpy()
    assert np.all(np.diff(sep) >= 0) and sep[0] == result.documents_of("games")["classifier_prob"].min()
    h = result.hubness.set_index(["scope", "method"])
    assert set(h.index) == {("all", "none"), ("games", "none"), ("science", "none"), ("all", "mp_gaussian"),
                            ("games", "mp_gaussian"), ("science", "mp_gaussian")}
    assert 0 <= h.loc[("all", "none"), "knn_accuracy"] <= 1
    assert not h["approximate"].any()
    assert set(result.hubs["kind"]) <= {"hub", "antihub"}
    assert result.spread["corpus"].tolist() == ["games", "science"]
    assert result.eigenspectrum.groupby("corpus").size().tolist() == [32, 32]
    np.testing.assert_allclose(result.eigenspectrum.groupby("corpus")["explained"].sum(), 1.0)


def test_transforms_fill_the_symmetry_table(two_result):
    result, _ = two_result
    spaces = result.symmetry["space"].unique().tolist()
    assert spaces == ["model embeddings", "centred", "whitened"]
    pooled = result.symmetry.set_index(["corpus", "space"])
    # PCA whitening fitted on the pooled space makes it perfectly symmetric (METHODS.md §4)
    assert pooled.loc[("all", "whitened"), "first_moment"] == pytest.approx(1.0, abs=1e-6)
    assert pooled.loc[("all", "whitened"), "second_moment"] == pytest.approx(1.0, abs=1e-6)
    assert pooled.loc[("all", "model embeddings"), "second_moment"] < 0.999
    assert result.manifest["parameters"]["transforms"] == ["center", "whiten"]


def test_stages_skip_with_reasons(two_result):
    result, _ = two_result
    assert "word2vec" in result.skipped["words"] or "too small" in result.skipped["words"]
    assert "tokens" in result.skipped["words"]
    assert result.skipped["models"].startswith("no second model")
    assert result.words.empty and result.word_vocab.empty and result.word_vectors == {}
    assert result.model_comparison == {} and result.model_documents.empty
    assert set(result.timings) == set(STAGES)


def test_progress_sequence(two_result):
    _, events = two_result
    stages = list(dict.fromkeys(e[0] for e in events))
    assert stages == list(STAGES)
    for stage in STAGES:
        mine = [e for e in events if e[0] == stage]
        assert mine[-1][1] == mine[-1][2], stage  # ends done
        assert all(0 <= done <= total for _, done, total, _ in mine)
    assert [e for e in events if e[0] == "words"][-1][3].startswith("skipped: ")
    embed = [e for e in events if e[0] == "embed"]
    assert embed[-1][1] == 130


def test_manifest(two_result):
    result, _ = two_result
    m = result.manifest
    assert [i["name"] for i in m["inputs"]] == ["games", "science"]
    assert m["inputs"][0]["documents"] == 70 and m["inputs"][0]["sha256"] is None  # texts in memory
    assert m["model"]["name"] == "fake-hashing" and m["model"]["dimension"] == 32
    assert m["parameters"]["seed"] == 0 and m["seeds"]["umap"] == 0
    assert m["parameters"]["analyses"] == list(ANALYSES)
    assert m["versions"]["numpy"] == np.__version__


def test_real_result_bundle_round_trip(two_result, tmp_path):
    result, _ = two_result
    back = AnalysisResult.from_bundle(result.to_bundle(tmp_path / "a.zip", include_embeddings=True))
    assert back.equals(result)
    assert back.embeddings["games"].shape == (70, 32)
    summary = back.summary()
    assert summary == result.summary()


# --------------------------------------------------------------------------- behaviour


def test_deterministic_for_a_seed(fake_embedder, two_result):
    result, _ = two_result
    again = _run(Analysis(corpora=_two(), transforms=("center", "whiten"), hubness_reduction="mp_gaussian",
                          **FAST), fake_embedder)
    for name in TABLE_SCHEMAS:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(result, name), obj=name)


@pytest.mark.slow
def test_another_seed_changes_the_random_parts(fake_embedder):
    a = _run(Analysis(corpora=_two(), analyses=("tests", "map"), **FAST), fake_embedder)
    b = _run(Analysis(corpora=_two(), analyses=("tests", "map"), **{**FAST, "seed": 1}), fake_embedder)
    assert not np.allclose(a.documents["umap_x"], b.documents["umap_x"])
    # the depth test has no randomness; the permutation tests and attribution do
    assert not np.allclose(a.documents["classifier_prob"], b.documents["classifier_prob"])


def test_three_corpora_six_depth_rows(fake_embedder):
    corpora = (_sample("games", 40), _sample("science", 40), _sample("libdevel", 40))
    result = _run(Analysis(corpora=corpora, analyses=("depth", "tests"), **FAST), fake_embedder)
    assert len(result.depth_tests) == 6
    assert set(zip(result.depth_tests["reference"], result.depth_tests["other"])) == {
        (a, b) for a in ("games", "science", "libdevel") for b in ("games", "science", "libdevel") if a != b}
    assert len(result.tests) == 6 + 3 * 3
    assert len(result.verdicts) == 3
    assert "corrects over all 15 tests" in result.verdicts["text"].iloc[0]
    assert result.documents["classifier_prob"].notna().all()
    for stage in ("hubness", "spread", "map", "words", "models"):
        assert result.skipped[stage].startswith("not requested"), stage
    assert result.documents["umap_x"].isna().all()


def test_cancellation_raises_and_keeps_finished_batches(fake_embedder, tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 4  # between stages twice, then inside the embedding, after the first batch

    spec = Analysis(corpora=(_sample("games", 140), _sample("science", 10)), **FAST)
    with pytest.raises(AnalysisCancelled, match="cancelled"):
        run_analysis(spec, embedder=fake_embedder, cache=cache, should_stop=stop)
    found, _ = cache.get_many(fake_embedder.identity, list(spec.corpora[0].texts))
    assert 0 < found.sum() < 140
    cache.close()


def test_cancel_before_start(fake_embedder):
    with pytest.raises(AnalysisCancelled):
        _run(Analysis(corpora=_two(), **FAST), fake_embedder, should_stop=lambda: True)
    assert fake_embedder.calls == 0


def test_precomputed_vectors_need_no_model(rng):
    a, b = _two()
    a = Corpus.from_texts(a.texts, name="a", vectors=rng.standard_normal((len(a), 8)))
    b = Corpus.from_texts(b.texts, name="b", vectors=rng.standard_normal((len(b), 8)) + 0.3)
    # a model that does not exist: loading it would fail, so the run proves it is never loaded
    spec = Analysis(corpora=(a, b), model="no/such-model", analyses=("depth", "hubness"), **FAST)
    result = run_analysis(spec, cache=False)
    assert result.manifest["model"]["name"] == "precomputed vectors"
    assert result.manifest["model"]["dimension"] == 8
    np.testing.assert_array_equal(result.embeddings["a"], a.vectors)
    assert result.depth_tests["pvalue"].notna().all()


def test_model_comparison_with_a_second_embedder(fake_embedder):
    second = type(fake_embedder)(dimension=16)  # the conftest's fake, in another dimension
    spec = Analysis(corpora=_two(), analyses=("models",), n_anchors=50, **FAST)
    result = _run(spec, fake_embedder, second_embedder=second)
    mc = result.model_comparison
    assert set(mc) == {"model_a", "model_b", "n_anchors", "anchor_method", "k", "relative_cosine",
                       "knn_jaccard", "mrr", "cka"}
    assert mc["n_anchors"] == 50 and 0 <= mc["knn_jaccard"] <= 1 and 0 < mc["mrr"] <= 1
    assert len(result.model_documents) == 130
    assert result.model_documents["knn_jaccard"].is_monotonic_increasing
    assert result.manifest["second_model"]["dimension"] == 16


@pytest.mark.slow
def test_word_shift_on_full_sample_corpora(fake_embedder):
    games = load_corpus(SAMPLES / "games.csv", text_column="text")
    science = load_corpus(SAMPLES / "science.csv", text_column="text")
    spec = Analysis(corpora=(games, science), analyses=("words",), words_top=25, **FAST)
    result = _run(spec, fake_embedder)
    assert "words" not in result.skipped
    words = result.words
    assert len(words) == 25
    assert (words[["freq_a", "freq_b"]] >= 20).all().all()
    # without a transformer model "auto" is the word2vec ensemble; its shift is the headline
    assert (words["method"] == "cade").all() and words["shift"].tolist() == words["shift_cade"].tolist()
    assert words["shift_contextual"].isna().all()
    # shifted-beyond-noise words first; p ≤ q ≤ 1; noise is a distance
    sig = words["significant"].to_numpy()
    assert (sig[:-1] >= sig[1:]).all()
    assert ((words["p_value"] <= words["q_value"] + 1e-12) & (words["q_value"] <= 1)).all()
    assert (words.loc[words["significant"], "q_value"] <= 0.05).all() and (words["noise"] >= 0).all()
    assert list(result.word_vocab.columns) == ["word", "freq:games", "freq:science"]
    assert result.word_vectors["games"].shape == (len(result.word_vocab), 16)
    assert result.word_vectors["games"].dtype == np.float32
    assert len(words.iloc[0]["neighbours_a"].split()) == 5
    assert result.summary()["word_shift"][0]["n_significant"] == int(sig.sum())
    assert result.manifest["inputs"][0]["sha256"] is not None  # hashed from the file on disk


def test_metadata_union_types_and_name_collisions(fake_embedder, tmp_path):
    texts_a = [f"game number {i} with dice" for i in range(10)]
    texts_b = [f"physics tool {i} for spectra" for i in range(10)]
    a = Corpus.from_texts(texts_a, name="a", metadata=pd.DataFrame({"year": range(2000, 2010),
                                                                    "text": ["x"] * 10}))
    b = Corpus.from_texts(texts_b, name="b", metadata=pd.DataFrame({"score": np.linspace(0, 1, 10)}))
    result = _run(Analysis(corpora=(a, b), analyses=("depth",), **FAST), fake_embedder)
    docs = result.documents
    assert list(docs.columns)[len(TABLE_SCHEMAS["documents"]):] == ["year", "meta_text", "score"]
    assert str(docs["year"].dtype) == "Int64" and docs["year"].isna().sum() == 10
    assert docs["score"].dtype == np.float64 and docs["score"].isna().sum() == 10
    assert docs["text"].tolist() == texts_a + texts_b  # the metadata column "text" did not replace it
    back = AnalysisResult.from_bundle(result.to_bundle(tmp_path / "m"))
    pd.testing.assert_frame_equal(back.documents, docs)


def test_small_corpora_skip_tests_but_not_the_run(fake_embedder):
    tiny = (_sample("games", 3), _sample("science", 3))
    result = _run(Analysis(corpora=tiny, analyses=("depth", "tests", "map"), **FAST), fake_embedder)
    assert "tests" in result.skipped and "at least" in result.skipped["tests"]
    assert len(result.depth_tests) == 2  # the depth test only needs 2 documents per corpus
    assert result.tests["test"].tolist() == ["depth", "depth"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(("changes", "match"), [
    ({"corpora": ()}, "at least 2 corpora"),
    ({"corpora": "x"}, "list of Corpus"),
    ({"transforms": ("rotate",)}, "transforms: unknown 'rotate'"),
    ({"analyses": ("depth", "magic")}, "analyses: unknown 'magic'"),
    ({"hubness_reduction": "none"}, "hubness_reduction must be one of"),
    ({"precision": "int4"}, "precision must be one of"),
    ({"precision": "int8", "backend": "torch"}, "precision 'int8' runs with OpenVINO"),
    ({"k": 0}, "k must be an integer >= 1"),
    ({"n_permutations": 1.5}, "n_permutations must be an integer"),
    ({"alpha": 1.0}, r"alpha must be a number in \(0, 1\)"),
    ({"anchor_method": "random"}, "anchor_method must be one of"),
    ({"input_sha256": ("abc",)}, "input_sha256 must hold one"),
    ({"model": ""}, "model must be"),
    ({"second_model": 3}, "second_model must be"),
    ({"w2v_epochs": 0}, "w2v_epochs must be an integer >= 1 or None"),
    ({"seed": -1}, "seed must be an integer >= 0"),
    ({"keep_embeddings": "yes"}, "keep_embeddings must be True or False"),
])
def test_invalid_settings(changes, match):
    base = {"corpora": _two()}
    with pytest.raises(ParameterError, match=match):
        Analysis(**{**base, **changes})


def test_invalid_corpora_sets(rng):
    a, b = _two()
    with pytest.raises(ParameterError, match="distinct"):
        Analysis(corpora=(a, a))
    with pytest.raises(ParameterError, match="no corpus may be called 'all'"):
        Analysis(corpora=(a, Corpus.from_texts(b.texts, name="all")))
    with pytest.raises(ParameterError, match="for some corpora but not"):
        Analysis(corpora=(a, Corpus.from_texts(b.texts, name="v", vectors=rng.standard_normal((len(b), 4)))))
    with pytest.raises(ParameterError, match="different dimensions"):
        Analysis(corpora=(Corpus.from_texts(a.texts, name="x", vectors=rng.standard_normal((len(a), 4))),
                          Corpus.from_texts(b.texts, name="y", vectors=rng.standard_normal((len(b), 5)))))


def test_run_analysis_arguments(fake_embedder):
    spec = Analysis(corpora=_two())
    with pytest.raises(ParameterError, match="spec must be an Analysis"):
        run_analysis({"corpora": _two()})
    with pytest.raises(ParameterError, match="progress must be a callable"):
        run_analysis(spec, embedder=fake_embedder, progress="bar")
    with pytest.raises(ParameterError, match="should_stop must be a callable"):
        run_analysis(spec, embedder=fake_embedder, should_stop=True)


def test_spec_parameters_and_replace():
    spec = Analysis(corpora=_two(), transforms="whiten,center", analyses=["map", "depth"])
    assert spec.transforms == ("center", "whiten")  # applied in a fixed order
    assert spec.parameters()["analyses"] == ["depth", "map"]
    assert "corpora" not in spec.parameters()
    assert spec.replace(k=5).k == 5
    with pytest.raises(ParameterError, match="k must be"):
        spec.replace(k=-5)
