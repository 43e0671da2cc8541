"""Bad model names and model directories: refused with a message that says what to do, never loaded
with made-up weights, never running code from the model.

The model directories are tiny BERTs built on the spot (seeded), then damaged one way each: weights of
the wrong shapes, weights missing for a layer (transformers would fill them with random numbers and
only log a warning), weights of another model altogether, a pin that does not match, and pickled
weights carrying a payload that would create a file if it were ever unpickled.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from robustness_support import build_tiny_model

from core.embed.factory import load_embedder
from core.exceptions import ModelError, WeightHashMismatchError

pytestmark = pytest.mark.slow  # loads transformers and builds small models


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


def _variant(tiny: Path, folder: Path, change) -> Path:
    """A copy of the tiny model whose weights are ``change(state_dict)``."""
    import shutil

    from safetensors.torch import load_file, save_file

    shutil.copytree(tiny, folder)
    weights = load_file(str(tiny / "model.safetensors"))
    (folder / "model.safetensors").unlink()
    save_file(change(dict(weights)), str(folder / "model.safetensors"))
    return folder


@pytest.fixture
def no_hub(tmp_path, monkeypatch):
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    monkeypatch.delenv("CORPUS_COMPASS_ALLOW_DOWNLOAD", raising=False)


NOT_FOUND = ("model {!r} was not found: not a local directory and not in the local Hugging Face cache; give a "
             "path to a sentence-transformers model directory, or set CORPUS_COMPASS_ALLOW_DOWNLOAD=1 to let "
             "Corpus Compass download it once, or use the bundled default model (all-MiniLM-L6-v2)")


@pytest.mark.parametrize("name", ["no-such-model", "someone/unknown-model"])
def test_unknown_model_name(no_hub, name: str) -> None:
    with pytest.raises(ModelError) as info:
        load_embedder(name)
    assert str(info.value) == NOT_FOUND.format(name)


def test_url_as_model_name_is_never_fetched(no_hub) -> None:
    with pytest.raises(ModelError) as info:
        load_embedder("https://example.invalid/model")
    assert str(info.value) == (
        "model 'https://example.invalid/model' was not found: not a local directory and not in the local "
        "Hugging Face cache; give a path to a sentence-transformers model directory, or use "
        "the bundled default model (all-MiniLM-L6-v2)")


def test_valid_tiny_model_loads_the_same_every_time(tiny: Path) -> None:
    # the control: an intact model loads, deterministically
    a = load_embedder(str(tiny), precision="fp32").encode(["the red cat", "open file"])
    b = load_embedder(str(tiny), precision="fp32").encode(["the red cat", "open file"])
    np.testing.assert_array_equal(a, b)


def test_weights_of_the_wrong_shape(tiny: Path, tmp_path: Path) -> None:
    import torch

    def wrong_shapes(weights):
        weights["embeddings.word_embeddings.weight"] = torch.zeros(10, 7)
        return weights

    folder = _variant(tiny, tmp_path / "shapes", wrong_shapes)
    with pytest.raises(ModelError) as info:
        load_embedder(str(folder))
    assert str(info.value) == (
        f"model {str(folder)!r} at {folder}: the shapes of its weights do not match its config.json; the "
        "weight file belongs to another model: use the one saved with this configuration")


def test_weights_missing_for_a_layer_are_not_made_up(tiny: Path, tmp_path: Path) -> None:
    folder = _variant(tiny, tmp_path / "missing",
                      lambda w: {k: v for k, v in w.items() if not k.startswith("encoder.layer.0.output.")})
    with pytest.raises(ModelError) as info:
        load_embedder(str(folder))
    assert str(info.value) == (
        f"model {str(folder)!r} at {folder}: its weight files lack 4 of the weights its configuration "
        "needs (encoder.layer.0.output.LayerNorm.bias, encoder.layer.0.output.LayerNorm.weight, "
        "encoder.layer.0.output.dense.bias, ...); they would be filled with random numbers. The weight "
        "file belongs to another model or is incomplete: use the one saved with this configuration")


def test_weights_of_another_model_altogether(tiny: Path, tmp_path: Path) -> None:
    import torch

    folder = _variant(tiny, tmp_path / "unrelated", lambda w: {"classifier.weight": torch.zeros(2, 2)})
    with pytest.raises(ModelError) as info:
        load_embedder(str(folder))
    assert "its weight files lack 21 of the weights its configuration needs" in str(info.value)


def test_pinned_hash_mismatch(tiny: Path) -> None:
    with pytest.raises(WeightHashMismatchError) as info:
        load_embedder(str(tiny), expected_sha256="0" * 64)
    import hashlib

    actual = hashlib.sha256((tiny / "model.safetensors").read_bytes()).hexdigest()
    assert str(info.value) == (f"{tiny / 'model.safetensors'} has SHA-256 {actual}, expected {'0' * 64} "
                               "(expected_sha256); the weights are not the ones you pinned.")


class _Payload:
    """Unpickling this creates the file ``marker``: proof that a pickle was (not) loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickled_weights_are_never_unpickled(tiny: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "pickled"
    shutil.copytree(tiny, folder)
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "pwned"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError) as info:
        load_embedder(str(folder))
    assert str(info.value).startswith(f"model {str(folder)!r} stores its weights only as pickle files "
                                      f"({folder / 'pytorch_model.bin'}); loading a pickle can run code")
    assert not marker.exists()
    assert not os.path.exists("pwned")
