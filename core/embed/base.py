"""The embedding layer's base: the :class:`Embedder` protocol, constants, precision and batching.

Every embedder (torch in :mod:`core.embed.torch_backend`, ONNX Runtime in
:mod:`core.embed.onnx_backend`, the static token table in :mod:`core.embed.static`) follows
:class:`Embedder`; :func:`core.embed.factory.load_embedder` builds them. The choices of the embedding
layer (where models come from, what is refused, identity, precision, speed) are listed in
:mod:`core.embed.factory`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from core.exceptions import (
    CorpusCompassWarning,
    InputError,
    ModelError,
    ParameterError,
)
from core.methods import method_ids

__all__ = [
    "ALLOW_DOWNLOAD_ENV",
    "BACKENDS",
    "DEFAULT_MODEL_ID",
    "DEFAULT_MODEL_SHA256",
    "FAST_MODEL",
    "PRECISIONS",
    "Embedder",
    "cpu_supports_bf16",
    "resolve_precision",
]

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
#: SHA-256 of model.safetensors at upstream revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41.
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULT_MODEL_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
_DEFAULT_ALIASES = {"default", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
#: Numeric precisions and runtimes a model can run with (from the registry of methods, core.methods).
PRECISIONS = method_ids("precision")
BACKENDS = method_ids("backend")
#: The model name of the static embedder distilled from the default model (core.embed.static).
FAST_MODEL = "fast"
ALLOW_DOWNLOAD_ENV = "CORPUS_COMPASS_ALLOW_DOWNLOAD"
DEFAULT_BATCH_SIZE = 64
DEFAULT_MAX_BATCH_TOKENS = 4096



@runtime_checkable
class Embedder(Protocol):
    """What every embedder offers to the rest of Corpus Compass.

    Attributes
    ----------
    name : str
        The model as the user asked for it (``"default"``, a hub id or a path).
    identity : str
        A string that changes whenever the vectors could change (model, weight hash, precision); the
        embedding cache is keyed on it.
    dimension : int
        Length ``d`` of every vector.
    precision : str
        ``"fp32"`` or ``"bf16"``: the precision actually used, never ``"auto"``.
    """

    name: str
    identity: str
    dimension: int
    precision: str

    def encode(self, texts: Sequence[str], *, batch_size: int = 64,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed ``texts``; return an (n, d) float32 array of L2-normalised rows, in input order.

        ``progress(done, total)`` is called after every batch.
        """
        ...


# ----------------------------------------------------------------------------------------------------
# hardware and precision


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return set()


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bf16 natively and torch has the kernels to use it.

    Native support means the ``avx512_bf16`` or ``amx_bf16`` flag in ``/proc/cpuinfo`` (Linux; other
    systems report False, which only makes ``precision="auto"`` choose fp32).
    """
    if not ({"avx512_bf16", "amx_bf16"} & _cpu_flags()):
        return False
    try:
        import torch

        return bool(torch.backends.mkldnn.is_available()
                    and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (ImportError, AttributeError, RuntimeError):  # an old or unusual torch build: stay with fp32
        return False


def resolve_precision(precision: str = "auto", *, device: str = "cpu") -> str:
    """Turn ``"auto" | "fp32" | "bf16"`` into the precision that will be used on ``device``.

    Parameters
    ----------
    precision : {"auto", "fp32", "bf16"}
        ``"auto"`` picks bf16 where the hardware computes it natively, else fp32.
    device : str
        A torch device string; ``"cpu"`` by default.

    Returns
    -------
    str
        ``"fp32"`` or ``"bf16"``.

    Warns
    -----
    CorpusCompassWarning
        When ``"bf16"`` is requested on hardware without native bf16 (it still works, slowly).
    """
    if precision not in PRECISIONS or precision == "int8":
        raise ParameterError(f"precision must be one of {list(PRECISIONS[:3])} for the torch backend, "
                             f"got {precision!r}")
    kind = device.split(":")[0]
    if kind == "cpu":
        native = cpu_supports_bf16()
    elif kind == "cuda":
        import torch

        native = bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    else:
        native = False
    if precision == "auto":
        return "bf16" if native else "fp32"
    if precision == "bf16" and not native:
        warnings.warn(
            f"bf16 precision was requested but device {device!r} has no native bf16 support "
            "(no avx512_bf16/amx_bf16 CPU flag or no torch kernels); bf16 will be emulated and is "
            "likely slower than fp32 precision", CorpusCompassWarning, stacklevel=3)
    return precision


# ----------------------------------------------------------------------------------------------------
# the embedder


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise InputError("texts must be a sequence of strings, not a single string; wrap it in a list")
    try:
        items = list(texts)
    except TypeError as exc:
        raise InputError(f"texts must be a sequence of strings, got {type(texts).__name__}") from exc
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise InputError(f"texts[{i}] is {type(text).__name__}, not str")
    return items


def _check_batch_size(batch_size: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ParameterError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def _encode_batched(embedder: Any, texts: Sequence[str], batch_size: int | None,
                    run: Callable[[list[str]], np.ndarray] | None, hint: str,
                    progress: Callable[[int, int], None] | None,
                    prepare: Callable[[list[str]], tuple[list[int], Callable[[list[int]], np.ndarray]]] | None = None
                    ) -> np.ndarray:
    """The encode loop of the transformer backends (torch, ONNX Runtime, OpenVINO): validate ``texts``,
    batch them by token length (:func:`_length_batches`), embed each batch with ``run``, normalise the
    rows and report ``progress(done, n)`` after every batch. A zero or non-finite vector is a
    :class:`ModelError` naming the text, followed by ``hint`` (which starts with its own separator).

    ``prepare(items)``, when given instead of ``run``, tokenises the texts once and returns their token
    lengths and a function that embeds the texts at given indices (so the texts are not tokenised a
    second time for each batch)."""
    items = _check_texts(texts)
    bs = embedder.batch_size if batch_size is None else _check_batch_size(batch_size)
    n = len(items)
    out = np.empty((n, embedder.dimension), dtype=np.float32)
    if n == 0:
        return out
    if prepare is not None:
        lengths, run_at = prepare(items)
    else:
        assert run is not None
        lengths = embedder._token_lengths(items)

        def run_at(idx: list[int]) -> np.ndarray:
            return run([items[i] for i in idx])
    done = 0
    for idx in _length_batches(lengths, bs, embedder.max_batch_tokens):
        vec = run_at(idx)
        norms = np.linalg.norm(vec, axis=1, keepdims=True)
        bad = ~np.isfinite(norms[:, 0]) | (norms[:, 0] == 0)
        if bad.any():
            first = idx[int(np.flatnonzero(bad)[0])]
            raise ModelError(f"model {embedder.name!r} produced a zero or non-finite vector for "
                             f"texts[{first}] ({items[first][:60]!r}){hint}")
        out[idx] = vec / norms
        done += len(idx)
        if progress is not None:
            progress(done, n)
    return out


def _length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> Iterator[list[int]]:
    """Indices in batches of similar length, longest first, each at most ``batch_size`` texts and
    ``max_tokens`` padded tokens (but at least one text).

    Longest first so that an out-of-memory error, if any, comes at once. The token budget keeps a
    batch's activations and attention matrices small enough to stay in the CPU caches: on the
    measured 2-core CPU, 512 to 4096 tokens per batch ran about 1.25x faster than 32 long texts
    (single thread); when other processes compete for the cores, larger batches suffer less from
    thread synchronisation, hence the default of 4096.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    start = 0
    while start < len(order):
        longest = max(1, lengths[order[start]])
        count = max(1, min(batch_size, max_tokens // longest))
        yield order[start:start + count]
        start += count
