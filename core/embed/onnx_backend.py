"""ONNX Runtime backend for sentence-transformers models: the same fp32 computation, faster on CPU.

``load_embedder(model, backend="onnx")`` (or :func:`load_onnx_embedder`) loads the model exactly as
the torch backend does (same discovery, pinned-hash check, no remote code, no pickles), exports its
transformer and pooling modules to ONNX *locally* with ``torch.onnx.export``, and runs that graph
with ONNX Runtime. Nothing is downloaded; the export is made from the hash-verified weights.

Measured (``bench/bench_scale.py``, 2-core avx512_bf16 CPU, the sample corpora): about 1.4x the
texts per CPU-second of the torch backend in fp32, with a minimum cosine of 0.9999998 to it. On a
CPU with native bf16, torch with bf16 autocast (the default there) is faster still, so this backend
is the fastest *exact fp32* path, and the fastest path on CPUs without native bf16. It is not the
default because it needs two optional packages (``onnx`` to export, ``onnxruntime`` to run) and a
one-off export of a few seconds per model; its fidelity would pass the bar for a default
(min cosine >= 0.999) with margin.

Choices where the specification is silent, documented here:

- **What is exported.** The ``Transformer`` and ``Pooling`` modules of the sentence-transformers
  pipeline (any pooling mode), as one graph from token ids and attention mask (and token type ids
  when the tokenizer makes them) to the pooled vector; L2 normalisation is done in numpy afterwards,
  as in the torch backend. A model with any other module (a ``Dense`` layer, a custom module) is
  refused with a :class:`~core.exceptions.ModelError`: use the torch backend for it.
- **Self-check.** After export, the graph and the torch model embed a handful of probe texts of
  very different lengths (one word to beyond ``max_seq_length``) in batches of mixed lengths; a
  cosine below 0.9999 refuses the export (tracing can freeze a shape-dependent branch of a model's
  Python code). The probes run every time an exported file is loaded, too (well under a second).
- **Where the graph is kept.** ``<graph dir>/onnx/<digest>.onnx`` (:func:`graph_dir`: the
  environment variable ``CORPUS_COMPASS_GRAPH_DIR``, else the embedding cache's directory, see
  :func:`core.embed.cache.default_cache_dir`), where ``digest`` hashes the torch embedder's identity
  (model id, weight SHA-256, configuration digest, ``max_seq_length``), the torch, transformers and
  ONNX opset versions. It is written to a temporary file and renamed into place (atomic), with a
  sidecar ``.json`` holding its SHA-256; a file that does not match its sidecar is exported again.
  Anyone who can write that directory can also write the embedding cache itself, so this protects
  against damage, not against a local attacker (the same trust as the cache).
- **Identity.** The torch fp32 identity with ``;runtime=onnxruntime`` appended: vectors from the two
  backends differ in the last digits, so they never share cache entries.
- **Threads.** ONNX Runtime's default (one thread per physical core), like torch's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.embed.base import DEFAULT_BATCH_SIZE, DEFAULT_MAX_BATCH_TOKENS, _encode_batched
from core.embed.cache import default_cache_dir
from core.embed.torch_backend import load_torch_embedder
from core.exceptions import ModelError, ParameterError
from core.fileio import atomic_path, atomic_write, file_sha256

__all__ = ["GRAPH_DIR_ENV", "OnnxEmbedder", "UnsupportedExportError", "ensure_onnx_graph", "graph_dir", "graph_module", "load_exportable",
           "load_onnx_embedder"]

OPSET = 17
_MIN_SELF_CHECK_COSINE = 0.9999
_PROBES = (
    "a",
    "Corpus Compass compares text corpora.",
    "Sentence embeddings, hubness, statistical depth and word-level semantic shift across corpora. " * 3,
    "日本語のテキストも埋め込みます。",
    ("A very long document that goes beyond the model's maximum sequence length, so that it is "
     "truncated by the tokenizer, which the exported graph must handle like the torch model. ") * 20,
)


class UnsupportedExportError(ModelError):
    """The model loads with torch but cannot be exported to a graph (another module, a failed trace)."""


#: environment variable: where exported and quantised model graphs are kept (default: the cache directory)
GRAPH_DIR_ENV = "CORPUS_COMPASS_GRAPH_DIR"


def graph_dir() -> Path:
    """Where exported model graphs are kept: ``$CORPUS_COMPASS_GRAPH_DIR`` if set, else the embedding
    cache's directory (:func:`core.embed.cache.default_cache_dir`)."""
    env = os.environ.get(GRAPH_DIR_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return default_cache_dir()


def _require(module: str, purpose: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModelError(f"backend='onnx' needs the package {module!r} {purpose}: pip install {module} "
                         "(or use backend='torch')") from exc


def _check_modules(base: Any) -> tuple[Any, Any]:
    """The Transformer and Pooling modules of a sentence-transformers model, or a ModelError."""
    modules = list(base.model)
    names = [type(m).__name__ for m in modules]
    ok = (len(modules) in (2, 3) and names[0] == "Transformer" and names[1] == "Pooling"
          and (len(modules) == 2 or names[2] == "Normalize"))
    if not ok:
        raise UnsupportedExportError(
            f"backend='onnx' supports models made of Transformer, Pooling and optionally Normalize modules; "
            f"{base.name!r} has {names}. Use backend='torch'.")
    return modules[0], modules[1]


def graph_module(base: Any, input_names: list[str]) -> Any:
    """The Transformer and Pooling modules of ``base`` as one torch module (eval mode) whose inputs are
    the tokenizer's tensors in ``input_names`` order and whose output is the pooled vector: what the
    ONNX export traces, and what OpenVINO's front end converts."""
    import torch

    transformer, pooling = _check_modules(base)

    class _Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer
            self.pooling = pooling

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            features = dict(zip(input_names, inputs))
            return self.pooling(self.transformer(features))["sentence_embedding"]

    return _Graph().eval()


def _export(base: Any, target: Path, input_names: list[str]) -> None:
    import torch

    _require("onnx", "to export the model")
    module = graph_module(base, input_names)
    example = base.tokenizer(list(_PROBES[:3]), padding=True, truncation=True,
                             max_length=base.max_seq_length, return_tensors="pt")
    args = tuple(example[name] for name in input_names)
    axes = {name: {0: "batch", 1: "tokens"} for name in input_names}
    axes["embedding"] = {0: "batch"}
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # TracerWarnings about Python branches; the self-check decides
        torch.onnx.export(module, args, str(target), input_names=input_names,
                          output_names=["embedding"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)


class OnnxEmbedder:
    """An :class:`~core.embed.Embedder` running a sentence-transformers model with ONNX Runtime.

    Build it with :func:`load_onnx_embedder` or ``load_embedder(model, backend="onnx")``.

    Attributes
    ----------
    name, identity, dimension, precision
        See :class:`core.embed.Embedder`; ``precision`` is ``"fp32"``.
    onnx_path : pathlib.Path
        The exported graph.
    base : core.embed.SentenceTransformerEmbedder
        The torch embedder it was exported from (its tokenizer is used; its model is kept for
        :meth:`token_embeddings` and the self-check).
    batch_size, max_batch_tokens : int
        As in the torch embedder.
    """

    def __init__(self, base: Any, session: Any, onnx_path: Path, input_names: list[str]) -> None:
        self.base = base
        self.session = session
        self.onnx_path = onnx_path
        self.input_names = list(input_names)
        self.name = base.name
        self.dimension = base.dimension
        self.precision = "fp32"
        self.batch_size = base.batch_size
        self.max_batch_tokens = base.max_batch_tokens
        self.max_seq_length = base.max_seq_length
        self.weight_sha256 = base.weight_sha256
        self.path = base.path
        self.device = "cpu"
        self.identity = base.identity + ";runtime=onnxruntime"

    def __repr__(self) -> str:
        return f"OnnxEmbedder(name={self.name!r}, dimension={self.dimension}, onnx_path={str(self.onnx_path)!r})"

    @property
    def tokenizer(self) -> Any:
        return self.base.tokenizer

    def token_embeddings(self) -> np.ndarray:
        """The transformer's input word-embedding matrix (V, d_model), float32 (a copy)."""
        return self.base.token_embeddings()

    def _run(self, texts: list[str]) -> np.ndarray:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_seq_length,
                               return_tensors="np")
        feeds = {name: np.asarray(batch[name], dtype=np.int64) for name in self.input_names}
        return np.asarray(self.session.run(None, feeds)[0], dtype=np.float32)

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed ``texts`` into an (n, d) float32 array of unit rows, in input order.

        Batching is the torch backend's: by token length, at most ``batch_size`` texts and
        ``max_batch_tokens`` padded tokens per batch; ``progress(done, n)`` after every batch.
        """
        return _encode_batched(self, texts, batch_size, self._run, " under ONNX Runtime; try backend='torch'",
                               progress)

    def _token_lengths(self, items: list[str]) -> list[int]:
        return self.base._token_lengths(items)

    def self_check(self) -> float:
        """Smallest cosine between this backend and the torch fp32 model over the probe texts."""
        import torch

        probes = list(_PROBES)
        with torch.inference_mode():
            ref = self.base.model.encode(probes, batch_size=len(probes), convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False)
        mine = np.vstack([self._run(probes), self._run(probes[:1]), self._run(probes[3:])])
        mine /= np.linalg.norm(mine, axis=1, keepdims=True)
        ref_all = np.vstack([ref, ref[:1], ref[3:]])
        return float(np.min(np.sum(mine * ref_all, axis=1)))


def _graph_path(base: Any, cache_dir: Path) -> Path:
    import torch
    import transformers

    key = f"{base.identity}|torch={torch.__version__}|transformers={transformers.__version__}|opset={OPSET}"
    return cache_dir / "onnx" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.onnx"


def _valid(path: Path) -> bool:
    sidecar = path.with_suffix(".json")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        return path.is_file() and meta.get("sha256") == file_sha256(path)
    except (OSError, ValueError, AttributeError):
        return False


def load_exportable(model: str = "default", *, batch_size: int | None = None, max_batch_tokens: int | None = None,
                    expected_sha256: str | None = None) -> tuple[Any, list[str]]:
    """The torch fp32 embedder of ``model`` and its tokenizer's input names, after checking that it is
    made of modules a graph export covers (:class:`UnsupportedExportError` otherwise)."""
    base = load_torch_embedder(model, precision="fp32", device="cpu",
                               batch_size=DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
                               max_batch_tokens=DEFAULT_MAX_BATCH_TOKENS if max_batch_tokens is None else max_batch_tokens,
                               expected_sha256=expected_sha256)
    _check_modules(base)
    input_names = [name for name in ("input_ids", "attention_mask", "token_type_ids")
                   if name in base.tokenizer("a", return_tensors="np")]
    return base, input_names


def ensure_onnx_graph(model: str = "default", *, cache_dir: str | os.PathLike | None = None,
                      batch_size: int | None = None, max_batch_tokens: int | None = None,
                      expected_sha256: str | None = None) -> tuple[Any, Path, list[str]]:
    """Load ``model`` with the torch backend (fp32) and make sure its ONNX export is on disk.

    Returns
    -------
    base : core.embed.torch_backend.SentenceTransformerEmbedder
        The torch fp32 embedder the graph is exported from.
    path : pathlib.Path
        The exported graph, ``<graph dir>/onnx/<digest>.onnx`` (exported now if missing or damaged).
    input_names : list of str
        The graph's inputs (``input_ids``, ``attention_mask`` and ``token_type_ids`` if the
        tokenizer makes them).

    Raises
    ------
    UnsupportedExportError
        The model has modules other than Transformer, Pooling and Normalize, or its export fails.
    """
    base, input_names = load_exportable(model, batch_size=batch_size, max_batch_tokens=max_batch_tokens,
                                        expected_sha256=expected_sha256)
    if cache_dir is None:
        cache_dir = graph_dir()
    path = _graph_path(base, Path(cache_dir).expanduser())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create {path.parent} for the exported ONNX graph: {exc}; pass cache_dir "
                         "or set CORPUS_COMPASS_CACHE_DIR to a writable directory") from exc
    if not _valid(path):
        try:
            with atomic_path(path, suffix=".onnx") as tmp:
                _export(base, tmp, input_names)
                digest = file_sha256(tmp)
            atomic_write(path.with_suffix(".json"), json.dumps({"sha256": digest, "identity": base.identity}))
        except ModelError:
            raise
        except Exception as exc:  # torch.onnx raises many types; all mean "this model does not export"
            raise UnsupportedExportError(f"model {model!r} could not be exported to ONNX ({type(exc).__name__}: "
                                         f"{exc}); use backend='torch'") from exc
    return base, path, input_names


def load_onnx_embedder(model: str = "default", *, cache_dir: str | os.PathLike | None = None,
                       batch_size: int | None = None, max_batch_tokens: int | None = None,
                       expected_sha256: str | None = None) -> OnnxEmbedder:
    """Load ``model`` (as :func:`core.embed.load_embedder` does) and run it with ONNX Runtime.

    Parameters
    ----------
    model : str
        ``"default"``, a model directory or a cached hub id.
    cache_dir : path, optional
        Where the exported graph is kept (``onnx/`` inside it); default
        :func:`core.embed.cache.default_cache_dir`.
    batch_size, max_batch_tokens : int, optional
        As in :func:`core.embed.load_embedder` (its defaults when None).
    expected_sha256 : str, optional
        Pin of a non-default model's weights, checked before loading.

    Returns
    -------
    OnnxEmbedder

    Raises
    ------
    ModelError
        ``onnx`` or ``onnxruntime`` missing, a model architecture the export does not support, or an
        export that fails the self-check.
    """
    ort = _require("onnxruntime", "to run the exported model")
    base, path, input_names = ensure_onnx_graph(model, cache_dir=cache_dir, batch_size=batch_size,
                                                max_batch_tokens=max_batch_tokens,
                                                expected_sha256=expected_sha256)
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: core never prints
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # an unreadable graph: export again next time
        with contextlib.suppress(OSError):
            path.with_suffix(".json").unlink()
        raise ModelError(f"ONNX Runtime could not load {path} ({exc}); it will be exported again on the next "
                         "load") from exc
    embedder = OnnxEmbedder(base, session, path, input_names)
    cosine = embedder.self_check()
    if not cosine >= _MIN_SELF_CHECK_COSINE:
        with contextlib.suppress(OSError):
            path.with_suffix(".json").unlink()
        raise ModelError(f"the ONNX export of {model!r} disagrees with the torch model (cosine {cosine:.6f} < "
                         f"{_MIN_SELF_CHECK_COSINE}); use backend='torch'")
    return embedder


def check_backend(backend: Any) -> str:
    """Validate a ``backend`` argument: ``"torch"`` or ``"onnx"``."""
    if backend not in ("torch", "onnx"):
        raise ParameterError(f"backend must be 'torch' or 'onnx', got {backend!r}")
    return backend
