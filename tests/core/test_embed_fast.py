"""The faster embedders of issue 8: the ONNX Runtime backend and the static "fast" embedder.

Both are built from the real bundled model (no fakes): the ONNX graph is exported once per test
module into a temporary cache directory; the static table is distilled once (slow, about a minute of
CPU) and its pooling is also checked on a small explicit table.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.exceptions import ModelError, ParameterError

TEXTS = [
    "",
    "a",
    "Sentence embeddings of package descriptions.",
    "日本語のテキストも埋め込みます。",
    "A library for statistics and plotting. " * 40,  # beyond max_seq_length: truncated
    "Real-time strategy game of ancient warfare.",
]


@pytest.fixture(scope="module")
def fp32():
    from core.embed.factory import load_embedder

    return load_embedder("default", precision="fp32")


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_embedder(onnx_dir):
    from core.embed.onnx_backend import load_onnx_embedder

    return load_onnx_embedder("default", cache_dir=onnx_dir)


# --------------------------------------------------------------------------- ONNX Runtime backend


@pytest.mark.slow
def test_onnx_equals_torch_fp32(onnx_embedder, fp32) -> None:
    got = onnx_embedder.encode(TEXTS)
    ref = fp32.encode(TEXTS)
    assert got.shape == (len(TEXTS), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)
    assert np.min(np.sum(got * ref, axis=1)) >= 0.99999
    assert onnx_embedder.self_check() >= 0.99999


@pytest.mark.slow
def test_onnx_batch_composition_does_not_change_vectors(onnx_embedder) -> None:
    together = onnx_embedder.encode(TEXTS, batch_size=64)
    alone = np.vstack([onnx_embedder.encode([t], batch_size=1) for t in TEXTS])
    np.testing.assert_allclose(together, alone, atol=2e-6)


@pytest.mark.slow
def test_onnx_identity_and_progress(onnx_embedder, fp32) -> None:
    assert onnx_embedder.identity == fp32.identity + ";runtime=onnxruntime"
    assert onnx_embedder.precision == "fp32" and onnx_embedder.dimension == 384
    calls = []
    onnx_embedder.encode(TEXTS, batch_size=2, progress=lambda done, n: calls.append((done, n)))
    assert calls[-1] == (len(TEXTS), len(TEXTS)) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert onnx_embedder.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_onnx_graph_is_reused_and_a_damaged_one_is_exported_again(onnx_embedder, onnx_dir) -> None:
    from core.embed.onnx_backend import load_onnx_embedder

    path = onnx_embedder.onnx_path
    assert path.parent == onnx_dir / "onnx" and path.is_file()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert len(meta["sha256"]) == 64
    stamp = path.stat().st_mtime_ns
    again = load_onnx_embedder("default", cache_dir=onnx_dir)
    assert again.onnx_path == path and path.stat().st_mtime_ns == stamp  # not exported again
    with open(path, "r+b") as fh:  # flip bytes in the middle of the weights
        fh.seek(path.stat().st_size // 2)
        fh.write(b"\x00" * 64)
    repaired = load_onnx_embedder("default", cache_dir=onnx_dir)
    assert json.loads(path.with_suffix(".json").read_text())["sha256"] == meta["sha256"]
    assert np.min(np.sum(repaired.encode(TEXTS[:3]) * onnx_embedder.encode(TEXTS[:3]), axis=1)) > 0.99999


def test_backend_parameter_is_validated() -> None:
    from core.embed.factory import load_embedder

    with pytest.raises(ParameterError, match="backend must be one of"):
        load_embedder("default", backend="tensorrt")
    with pytest.raises(ParameterError, match="backend='onnx' runs fp32 on the CPU"):
        load_embedder("default", backend="onnx", precision="bf16")
    with pytest.raises(ParameterError, match="backend='onnx' runs fp32 on the CPU"):
        load_embedder("default", backend="onnx", device="cuda")


def test_onnx_refuses_models_with_other_modules(fp32) -> None:
    from core.embed.onnx_backend import _check_modules

    class WithDense:
        def __init__(self) -> None:
            self.name = "dense-model"
            self.model = [fp32.model[0], fp32.model[1], fp32.model[0]]

    with pytest.raises(ModelError, match="supports models made of Transformer, Pooling"):
        _check_modules(WithDense())


# --------------------------------------------------------------------------- static "fast" embedder


def test_static_pooling_is_the_weighted_mean_of_centred_token_vectors(fp32) -> None:
    from core.embed.static import SIF_A, StaticEmbedder

    rng = np.random.default_rng(0)
    vocab = len(fp32.tokenizer)
    raw = rng.standard_normal((vocab, 384)).astype(np.float32)
    emb = StaticEmbedder(fp32, raw, name="test-static", table_sha256="0" * 64)
    texts = ["statistics and plotting", "", "ゲーム"]
    got = emb.encode(texts)
    p = 1.0 / np.arange(1, vocab + 1)
    p /= p.sum()
    w = SIF_A / (SIF_A + p)
    centred = raw.astype(np.float64) - raw.astype(np.float64).mean(axis=0)
    for text, row in zip(texts, got):
        ids = fp32.tokenizer(text, add_special_tokens=True)["input_ids"]
        v = (centred[ids] * w[ids, None]).sum(axis=0)
        np.testing.assert_allclose(row, v / np.linalg.norm(v), atol=1e-5)
    # property: order of texts does not matter, and a text's vector does not depend on its neighbours
    np.testing.assert_allclose(emb.encode(texts[::-1])[::-1], got, atol=1e-7)
    np.testing.assert_allclose(emb.encode(texts, batch_size=1), got, atol=1e-7)
    assert emb.identity.startswith("static-distilled-v1") and fp32.identity in emb.identity


def test_static_table_row_is_the_model_output_for_the_lone_token(fp32) -> None:
    from core.embed.static import distill_token_table

    word = "statistics"
    token = fp32.tokenizer.convert_tokens_to_ids(word)
    table = distill_token_table(fp32, token_ids=np.array([token, 0]))
    assert table.shape == (2, 384)
    row = table[0] / np.linalg.norm(table[0])
    # the model embedding the one-word text sees exactly [CLS] word [SEP]
    assert float(row @ fp32.encode([word])[0]) > 0.99999


@pytest.mark.slow
def test_fast_embedder_end_to_end(tmp_path, monkeypatch, fp32) -> None:
    from core.embed.factory import load_embedder

    monkeypatch.setenv("CORPUS_COMPASS_CACHE_DIR", str(tmp_path))
    fast = load_embedder("fast", precision="fp32")
    files = sorted((tmp_path / "static").glob("*.npy"))
    assert len(files) == 1 and files[0].with_suffix(".json").is_file()
    texts = TEXTS + ["Slide and add numbered tiles.", "Development files for the LDAP server library."]
    got = fast.encode(texts)
    assert got.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)
    cos = np.sum(got * fp32.encode(texts), axis=1)
    # a coarse but related space: positive agreement with the model, far from identical
    assert 0.1 < float(cos.mean()) < 0.95
    again = load_embedder("fast", precision="fp32")  # read from disk, same identity and vectors
    assert again.identity == fast.identity
    np.testing.assert_array_equal(again.encode(texts), got)
    files[0].write_bytes(b"damaged")
    repaired = load_embedder("fast", precision="fp32")
    assert repaired.identity == fast.identity


@pytest.mark.slow
def test_compare_runs_the_onnx_backend_end_to_end(onnx_dir, fp32, tmp_path, monkeypatch, capsys) -> None:
    """`corpus-compass compare --backend onnx`: the pipeline embeds with ONNX Runtime, the manifest says
    so, and the depths equal those of torch fp32 to the precision of the embeddings."""
    from cli.main import main

    monkeypatch.setenv("CORPUS_COMPASS_CACHE_DIR", str(onnx_dir))  # the exported graph is reused
    paths = []
    for name, texts in (("a", TEXTS[: len(TEXTS) // 2]), ("b", TEXTS[len(TEXTS) // 2:])):
        path = tmp_path / f"{name}.txt"
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
        paths.append(str(path))
    runs = {}
    for backend, precision in (("onnx", "auto"), ("torch", "fp32")):
        out = tmp_path / backend
        code = main(["compare", *paths, "--backend", backend, "--precision", precision, "--analyses", "depth",
                     "--out", str(out), "--quiet", "--no-cache"])
        assert code == 0, capsys.readouterr().err
        runs[backend] = out
    import json

    import pandas as pd

    manifest = json.loads((runs["onnx"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["backend"] == "onnx" and "onnx" in manifest["model"]["identity"].lower()
    depth = {b: pd.read_csv(out / "documents.csv", encoding="utf-8-sig")["depth"].to_numpy() for b, out in runs.items()}
    np.testing.assert_allclose(depth["onnx"], depth["torch"], atol=1e-5)
    assert main(["compare", *paths, "--backend", "onnx", "--precision", "bf16", "--out", str(tmp_path / "x"),
                 "--quiet"]) == 2
    assert "backend 'onnx' runs fp32" in capsys.readouterr().err
