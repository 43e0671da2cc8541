"""The Ray engine on a real local Ray cluster (2 CPUs, one session per module): the same results as the
local engine, the cache filled by the workers, retries, and one clear message for a worker's error."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import ray

from core.embed.cache import EmbeddingCache, embed_texts
from core.embed.factory import load_embedder
from core.embed.safety import default_model_dir
from core.exceptions import ClusterError, ModelError, ParameterError
from core.load.corpus import Corpus
from core.pipeline.ray_cluster import import_ray, ray_session, resolve_address
from core.pipeline.ray_embed import _retry_policy, embed_texts_ray
from core.pipeline.run import run_analysis
from core.pipeline.spec import Analysis
from core.pipeline.stream import _tasks

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
QUICK = {"n_permutations": 99, "max_test_n": 40, "analyses": ("depth", "tests", "spread")}


@pytest.fixture(scope="module", autouse=True)
def ray_cluster():
    """One small real Ray for the whole module (the engine uses it instead of starting its own)."""
    ray.init(num_cpus=2, object_store_memory=200 * 2**20, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _sample(name: str, n: int) -> Corpus:
    frame = pd.read_csv(SAMPLES / f"{name}.csv").iloc[:n]
    return Corpus.from_texts(frame["text"].tolist(), name=name, ids=frame["package"].tolist())


@pytest.mark.slow
def test_ray_engine_equals_local_engine_with_the_default_model():
    corpora = (_sample("games", 45), _sample("science", 35))
    local = run_analysis(Analysis(corpora=corpora, **QUICK), cache=False)
    steps: list[tuple[str, int, int]] = []
    remote = run_analysis(Analysis(corpora=corpora, engine="ray", **QUICK), cache=False,
                          progress=lambda s, d, t, m: steps.append((s, d, t)))
    for column in ("depth", "classifier_prob"):
        a, b = local.documents[column].to_numpy(), remote.documents[column].to_numpy()
        assert np.isfinite(a).all()
        np.testing.assert_allclose(b, a, atol=1e-5, rtol=0)
    for table in ("tests", "depth_tests"):
        for column in ("statistic", "pvalue") if table == "tests" else ("W", "pvalue", "Q"):
            np.testing.assert_allclose(remote.__getattribute__(table)[column].to_numpy(),
                                       local.__getattribute__(table)[column].to_numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(remote.spread["isoscore"], local.spread["isoscore"], atol=1e-5)
    engine = remote.manifest["engine"]
    assert engine["name"] == "ray" and engine["cluster"]["cpus"] == 2 and engine["cluster"]["nodes"] == 1
    assert engine["cluster"]["ray_version"] == ray.__version__
    assert engine["stages"]["embed"].startswith("distributed") and engine["stages"]["depth"].startswith("driver")
    assert remote.manifest["versions"]["ray"] == ray.__version__
    # bf16 autocast rounds differently with one thread than with several: the actors use the node's
    # default thread count there (as the local engine does), one thread otherwise
    import torch

    reduced = remote.manifest["model"]["precision"] not in (None, "fp32")
    assert engine["threads_per_actor"] == {"embed": torch.get_num_threads() if reduced else 1}
    assert local.manifest["engine"]["name"] == "local"
    assert remote.manifest["model"]["weight_sha256"] == local.manifest["model"]["weight_sha256"]
    # embedding progress came back from the workers, ending at every document
    embed = [(d, t) for s, d, t in steps if s == "embed"]
    assert embed[-1] == (80, 80) and len({d for d, _ in embed}) >= 3


def test_threads_per_actor_follow_the_precision():
    import torch

    from core.pipeline.ray_embed import actor_threads

    assert actor_threads({"name": "default", "precision": "bf16"}, 8, local_threads=4) == 4
    assert actor_threads({"name": "default", "precision": "bf16"}, 2, local_threads=4) == 2  # node's CPUs
    assert actor_threads({"name": "default", "precision": "bf16"}, 64) == torch.get_num_threads()
    assert actor_threads({"name": "default", "precision": "int8"}, 8, local_threads=4) == 4
    assert actor_threads({"name": "default", "precision": "fp32"}, 8, local_threads=4) == 1
    assert actor_threads({"name": "fast", "precision": "bf16"}, 8, local_threads=4) == 1
    assert actor_threads({"name": "default", "precision": "bf16"}, 8, 3) == 3
    with pytest.raises(ParameterError, match="threads_per_actor must be a positive integer or None, got 0"):
        actor_threads({"name": "default", "precision": "fp32"}, 8, 0)


@pytest.mark.slow
def test_workers_consult_and_fill_the_cache(tmp_path):
    texts = [f"note {i}: the {'cat' if i % 2 else 'dog'} sat on mat number {i}" for i in range(150)]
    texts += texts[:5]  # duplicates: each distinct text embedded and cached once
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    local = embed_texts(texts, load_embedder("fast"), cache=False)
    (first,) = embed_texts_ray([texts], model="fast", cache=cache, cluster_cpus=2)
    np.testing.assert_allclose(first, local, atol=1e-6)
    identity = load_embedder("fast").identity
    assert cache.count(identity) == 150  # written by the worker processes: the driver never embeds
    found, stored = cache.get_many(identity, texts[:150])
    assert found.all()
    np.testing.assert_allclose(stored, local[:150], atol=1e-6)
    # plant a marker vector for one text: a second run must take it from the cache, not recompute it
    marker = np.zeros((1, local.shape[1]), dtype=np.float32)
    marker[0, 0] = 1.0
    cache.clear(identity)
    cache.put_many(identity, [texts[3]], marker)
    (second,) = embed_texts_ray([texts], model="fast", cache=cache, cluster_cpus=2)
    np.testing.assert_array_equal(second[3], marker[0])
    np.testing.assert_allclose(second[4], local[4], atol=1e-6)
    assert cache.count(identity) == 150


def _crash_once(marker: str):
    def step(batch: dict) -> dict:
        if not os.path.exists(marker):
            Path(marker).write_text(str(os.getpid()))
            os._exit(1)  # the worker process dies in the middle of the task
        return {"id": batch["id"] * 2, "pid": np.full(len(batch["id"]), os.getpid())}
    return step


def test_a_task_whose_worker_dies_is_retried(tmp_path):
    marker = str(tmp_path / "crashed")
    ds = ray.data.range(8, override_num_blocks=2).map_batches(_crash_once(marker), **_tasks())
    rows = ds.take_all()
    assert sorted(r["id"] for r in rows) == [2 * i for i in range(8)]
    crashed_pid = int(Path(marker).read_text())
    assert crashed_pid not in {int(r["pid"]) for r in rows}  # the retry ran in a new worker


def _crash_once_actor():
    # defined in a function so that Ray ships it by value (workers cannot import test modules)
    class CrashOnceActor:
        def __init__(self, marker: str) -> None:
            self.marker = marker

        def __call__(self, batch: dict) -> dict:
            if not os.path.exists(self.marker):
                Path(self.marker).write_text("x")
                os._exit(1)
            return {"id": batch["id"] + 1}
    return CrashOnceActor


def test_an_embedding_actor_that_dies_is_restarted_and_its_batch_retried(tmp_path):
    ds = ray.data.range(6, override_num_blocks=3).map_batches(
        _crash_once_actor(), fn_constructor_kwargs={"marker": str(tmp_path / "m")},
        compute=ray.data.ActorPoolStrategy(size=1), ray_remote_args_fn=_retry_policy)
    assert sorted(r["id"] for r in ds.take_all()) == list(range(1, 7))


def test_a_worker_that_keeps_dying_fails_with_one_clear_message():
    from core.pipeline.stream import _Run

    def always_crash(batch: dict) -> dict:
        os._exit(3)

    ds = ray.data.range(4, override_num_blocks=1).map_batches(always_crash, **_tasks())
    with pytest.raises(ClusterError) as info:
        list(_Run(None, None).batches(ds, "computing depths"))
    message = str(info.value)
    assert message.startswith("a Ray worker failed while computing depths: ")
    assert "\n" not in message and "Traceback" not in message


def _remote_code_model(tmp_path: Path) -> Path:
    """The default model's files with an ``auto_map`` entry: a model that would need its own code."""
    import shutil

    folder = tmp_path / "needs-code"
    shutil.copytree(default_model_dir(), folder)
    config = json.loads((default_model_dir() / "config.json").read_text())
    config["auto_map"] = {"AutoModel": "modeling_evil.EvilModel"}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_the_no_remote_code_rule_holds_on_the_workers_with_one_clear_message(tmp_path, capsys):
    from cli.main import main

    model = _remote_code_model(tmp_path)
    with pytest.raises(ModelError) as info:
        embed_texts_ray([["a text", "another"]], model=str(model), cache=False, cluster_cpus=2)
    assert str(info.value).startswith(f"a Ray worker failed while embedding: model '{model}' needs code "
                                      "shipped with the model")
    # the command line: one line on stderr, no traceback, nothing written
    code = main(["compare", str(SAMPLES / "games.csv"), str(SAMPLES / "science.csv"), "--out",
                 str(tmp_path / "out"), "--engine", "ray", "--model", str(model), "--quiet", "--no-cache"])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert err.startswith("corpus-compass compare: error: a Ray worker failed while loading the model")
    assert "trust_remote_code=False" in err and "Traceback" not in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out" / "summary.json").exists()


def test_engine_settings_are_checked():
    corpora = (_sample("games", 5), _sample("science", 5))
    with pytest.raises(ParameterError, match="engine must be one of local, ray, got 'spark'"):
        Analysis(corpora=corpora, engine="spark")
    with pytest.raises(ParameterError, match="ray_address is used only with engine='ray'"):
        Analysis(corpora=corpora, ray_address="ray://head:10001")
    with pytest.raises(ParameterError, match="ray_address must be a Ray cluster address"):
        Analysis(corpora=corpora, engine="ray", ray_address="  ")
    assert Analysis(corpora=corpora).engine == "local"
    assert Analysis(corpora=corpora, engine="ray").parameters()["engine"] == "ray"


def test_cli_refuses_an_address_without_the_ray_engine(tmp_path, capsys):
    from cli.main import main

    code = main(["compare", str(SAMPLES / "games.csv"), str(SAMPLES / "science.csv"), "--out",
                 str(tmp_path), "--ray-address", "ray://head:10001", "--quiet"])
    assert code != 0
    assert "--ray-address joins a Ray cluster: use it with --engine ray" in capsys.readouterr().err


def test_address_from_argument_then_environment(monkeypatch):
    monkeypatch.setenv("CORPUS_COMPASS_RAY_ADDRESS", " ray://env-head:10001 ")
    assert resolve_address(None) == "ray://env-head:10001"
    assert resolve_address("head:6379") == "head:6379"
    monkeypatch.delenv("CORPUS_COMPASS_RAY_ADDRESS")
    assert resolve_address(None) is None


def test_a_running_ray_is_used_and_left_running():
    with ray_session() as info:
        assert info.cpus == 2 and not info.started_here
    assert ray.is_initialized()


def test_missing_ray_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what Python does when the package is absent
    with pytest.raises(ClusterError, match=r'pip install "corpus-compass\[ray\]"'):
        import_ray()


def _stream_texts(words: list[str], n: int, seed: int) -> list[str]:
    r = np.random.default_rng(seed)
    return [" ".join(r.choice(words, size=int(r.integers(3, 9)))) + f" n{i}" for i in range(n)]


@pytest.fixture(scope="module")
def stream_case(tmp_path_factory):
    """Two corpora as folders (Parquet and CSV, two files each, an empty text), streamed once."""
    from core.pipeline.stream import stream_compare

    root = tmp_path_factory.mktemp("stream")
    animals = ["cat", "dog", "bird", "fish", "horse", "cow", "sheep", "goat", "the", "a", "of", "and"]
    A = _stream_texts(animals, 260, 1)
    B = _stream_texts(animals[:5] + ["code", "bug", "test", "build", "merge", "commit", "the", "a"], 190, 2)
    (root / "a").mkdir()
    (root / "b").mkdir()
    pd.DataFrame({"text": A[:100]}).to_parquet(root / "a" / "part-1.parquet")
    pd.DataFrame({"text": A[100:150] + [None] + A[150:]}).to_parquet(root / "a" / "part-2.parquet")
    pd.DataFrame({"text": B[:90]}).to_csv(root / "b" / "x1.csv", index=False)
    pd.DataFrame({"text": B[90:]}).to_csv(root / "b" / "x2.csv", index=False)
    steps: list[str] = []
    result = stream_compare({"a": root / "a", "b": root / "b"}, root / "out", model="fast", cache=False,
                            max_test_n=120, n_permutations=99, progress=lambda s, d, t, m: steps.append(s))
    fast = load_embedder("fast")
    return result, embed_texts(A, fast, cache=False), embed_texts(B, fast, cache=False), A, B, steps


def test_streaming_depths_equal_the_local_engine(stream_case):
    from core.analysis.depth import depth_rank_sum_test_both_ways, tte_depth

    result, XA, XB, _A, _, steps = stream_case
    docs = pd.read_parquet(result.documents)
    a = docs[docs["corpus"] == "a"].sort_values("index")
    b = docs[docs["corpus"] == "b"].sort_values("index")
    assert list(a["index"]) == list(range(260)) and list(b["index"]) == list(range(190))
    # the empty text in part-2 is left out; ids are file:record (1-based, header excluded)
    assert a["doc_id"].iloc[0] == "part-1.parquet:1" and a["doc_id"].iloc[150] == "part-2.parquet:52"
    np.testing.assert_allclose(a["depth"], tte_depth(XA), atol=1e-5, rtol=0)
    np.testing.assert_allclose(b["depth"], tte_depth(XB), atol=1e-5, rtol=0)
    np.testing.assert_allclose(b["depth_in:a"], tte_depth(XB, XA), atol=1e-5, rtol=0)
    np.testing.assert_allclose(a["depth_in:b"], tte_depth(XA, XB), atol=1e-5, rtol=0)
    local = depth_rank_sum_test_both_ways(XA, XB, names=("a", "b"))
    rows = result.depth_tests.set_index("reference")
    for r in local.results:
        assert rows.loc[r.reference_name, "W"] == pytest.approx(r.statistic, abs=1e-5)
        assert rows.loc[r.reference_name, "Q"] == pytest.approx(r.quality_index, abs=1e-5)
    assert {"embed", "depth", "tests", "spread", "zipf"} <= set(steps)


def test_streaming_tests_equal_the_local_engine_on_its_seeded_samples(stream_case):
    from core.analysis.twosample import classifier_test, energy_test, mmd_test

    result, XA, XB, *_ = stream_case
    tests = result.tests.set_index("test")
    for test, key in ((mmd_test, "mmd"), (energy_test, "energy"), (classifier_test, "classifier")):
        local = test(XA, XB, n_permutations=99, max_n=120, random_state=0, names=("a", "b"))
        assert local.subsampled  # 260 and 190 documents, capped at 120: the samples must match
        assert tests.loc[key, "statistic"] == pytest.approx(local.statistic, abs=1e-5)
        assert tests.loc[key, "pvalue"] == pytest.approx(local.pvalue, abs=1e-5)
    assert (tests["pvalue_adjusted"] >= tests["pvalue"]).all()


def test_streaming_reductions_equal_the_whole_corpus_formulas(stream_case):
    from core.analysis.spread import spread_report
    from core.load.tokens import word_frequencies

    result, XA, XB, A, B, _ = stream_case
    for name, X, texts in (("a", XA, A), ("b", XB, B)):
        local = spread_report(X)
        row = result.spread.set_index("corpus").loc[name]
        assert row["n"] == len(X)
        for column in ("isoscore", "eee", "average_cosine"):
            assert row[column] == pytest.approx(getattr(local, column), abs=1e-5)
        zipf = result.zipf.set_index("corpus").loc[name]
        counts = word_frequencies(texts)
        assert zipf["tokens"] == sum(counts.values()) and zipf["vocabulary"] == len(counts)
    engine = result.manifest["engine"]
    assert engine["mode"] == "streaming" and engine["cluster"]["cpus"] == 2
    assert "map" in " ".join(engine["not_run"]) and engine["stages"]["depth"].startswith("distributed")
    assert [i["documents"] for i in result.manifest["inputs"]] == [260, 190]
    assert not (result.documents.parent / "vectors").exists()  # deleted unless asked to keep them


def test_streaming_input_errors_name_the_file(tmp_path):
    from core.exceptions import CorpusLoadError
    from core.pipeline.stream import stream_compare

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pd.DataFrame({"body": ["x y", "y z"]}).to_csv(tmp_path / "a" / "one.csv", index=False)
    pd.DataFrame({"text": ["x y", "y z"]}).to_csv(tmp_path / "b" / "two.csv", index=False)
    (tmp_path / "b" / "notes.txt").write_text("stray")
    with pytest.raises(CorpusLoadError, match=r"notes\.txt: not a Parquet, CSV or JSONL file"):
        stream_compare({"a": tmp_path / "a", "b": tmp_path / "b"}, tmp_path / "out", cache=False)
    (tmp_path / "b" / "notes.txt").unlink()
    with pytest.raises(CorpusLoadError) as info:
        stream_compare({"a": tmp_path / "a", "b": tmp_path / "b"}, tmp_path / "out", cache=False)
    message = str(info.value)
    assert message.startswith("a Ray worker failed while embedding with the model 'fast': ")
    assert f"{tmp_path / 'a' / 'one.csv'}: has no column 'text' (columns: 'body')" in message
    with pytest.raises(CorpusLoadError, match="not a folder"):
        stream_compare({"a": tmp_path / "a", "b": tmp_path / "nope"}, tmp_path / "out")


def test_compare_with_folders_streams_and_writes_its_files(tmp_path, capsys):
    from cli.main import main

    for name, seed in (("news", 3), ("blogs", 4)):
        (tmp_path / name).mkdir()
        texts = _stream_texts(["sun", "rain", "wind", "snow", "cloud", "storm", "=cmd", "the", "a"], 60, seed)
        pd.DataFrame({"body": texts, "key": [f"{name}-{i}" for i in range(60)]}).to_json(
            tmp_path / name / "part.jsonl", orient="records", lines=True)
    code = main(["compare", str(tmp_path / "news"), str(tmp_path / "blogs"), "--out", str(tmp_path / "out"),
                 "--engine", "ray", "--model", "fast", "--text-column", "body", "--id-column", "key",
                 "--permutations", "49", "--no-cache"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "with folders, hubness, map, models, words are not run" in captured.err
    out = tmp_path / "out"
    tests = pd.read_csv(out / "tests.csv", encoding="utf-8-sig")
    assert list(tests["test"]) == ["depth", "depth", "mmd", "energy", "classifier"]
    docs = pd.read_parquet(out / "documents")
    assert sorted(docs["doc_id"])[:2] == ["blogs-0", "blogs-1"] and len(docs) == 120
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"]["mode"] == "streaming" and manifest["model"]["name"] == "fast"
    zipf = pd.read_csv(out / "zipf.csv", encoding="utf-8-sig")
    assert set(zipf["corpus"]) == {"news", "blogs"}
    # mixing a folder and a file is refused, and folders need the Ray engine
    code = main(["compare", str(tmp_path / "news"), str(SAMPLES / "games.csv"), "--out", str(out),
                 "--engine", "ray", "--quiet"])
    assert code != 0 and "give either corpus files or corpus folders, not both" in capsys.readouterr().err
    code = main(["compare", str(tmp_path / "news"), str(tmp_path / "blogs"), "--out", str(out), "--quiet"])
    assert code != 0 and "is read with --engine ray" in capsys.readouterr().err
