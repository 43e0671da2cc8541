"""The "fast" embedder: a static token table distilled from the default model (model2vec-style).

``load_embedder("fast")`` returns a :class:`StaticEmbedder`: every token of the default model's
vocabulary is passed once through the model on its own (``[CLS] token [SEP]``, the model's own mean
pooling), which gives one 384-d vector per token; a text is then the weighted mean of its tokens'
vectors, with no transformer at all. This is the distillation of Minishlab's model2vec
(Tulkens & van Dongen 2024, https://github.com/MinishLab/model2vec) without its PCA step, so the
vectors stay in the model's 384-d space and can be compared with it. The ``model2vec`` package is not
used: its distillation is a few lines around the model we already load, and this way the table is
made locally from the hash-verified weights, offline.

Fidelity, measured on the bundled sample corpora (``bench/bench_scale.py``; a static table cannot
see word order or context): cosine to the real model's vector of the same text about 0.4 on average,
Spearman correlation of pairwise similarities about 0.4, 10-nearest-neighbour overlap about 0.3. It
is therefore NOT a stand-in for the default model and never chosen automatically: it is an explicit
option for a quick first look at very large corpora (about 100x the texts per CPU-second of the
transformer with bf16 autocast; tokenisation is most of its cost), and a result computed with it
says so (its model name and identity).

Choices, documented here:

- **Weights.** Smooth inverse frequency, ``a / (a + p(t))`` with ``a = 1e-4`` (Arora et al. 2017),
  where ``p`` is a Zipf prior by vocabulary rank, ``p ∝ 1 / (id + 1)`` (model2vec's proxy when no
  corpus counts are given). Corpus counts would be better (we measured +0.05 Spearman) but would make
  a text's vector depend on the corpus it came with, and an embedding must be a pure function of
  (model, text) to be cached.
- **Centring.** The mean token vector is subtracted from every row of the table before pooling:
  without it every text vector is dominated by that common direction (cosine to the real model 0.26
  instead of 0.37 with these weights).
- **Special tokens and truncation.** Texts are tokenised like the model's input: ``[CLS]`` and
  ``[SEP]`` included (so an empty text still has a vector) and truncated at the model's
  ``max_seq_length`` (256 tokens).
- **Where the table is kept.** ``<cache dir>/static/<digest>.npy`` (see
  :func:`core.embed.cache.default_cache_dir`), written atomically with a sidecar holding its SHA-256; the
  digest hashes the source embedder's identity and the distillation settings. A damaged file is
  distilled again (about a minute of CPU on two cores).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.embed.base import _check_batch_size, _check_texts
from core.embed.cache import default_cache_dir
from core.embed.torch_backend import load_torch_embedder
from core.exceptions import ModelError
from core.fileio import atomic_path, atomic_write, file_sha256

__all__ = ["SIF_A", "StaticEmbedder", "distill_token_table", "load_static_embedder"]

SIF_A = 1e-4
_DISTILL_BATCH = 1024
_VERSION = 1


def distill_token_table(base: Any, *, token_ids: np.ndarray | None = None,
                        progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """One vector per vocabulary token: the model's output for ``[CLS] token [SEP]``.

    Parameters
    ----------
    base : core.embed.SentenceTransformerEmbedder
        The model to distil (its precision is used for the forward passes).
    token_ids : array of int, shape (m,), optional
        Distil only these tokens (default: the whole vocabulary, ids 0..V-1).
    progress : callable(done, total), optional

    Returns
    -------
    numpy.ndarray, shape (V, d) or (m, d), float32
        Row ``i`` for token id ``i`` of ``base.tokenizer`` (or for ``token_ids[i]``); not normalised.
    """
    import torch

    tok = base.tokenizer
    cls_id, sep_id = tok.cls_token_id, tok.sep_token_id
    if cls_id is None or sep_id is None:
        raise ModelError(f"model {base.name!r} has no [CLS]/[SEP] tokens; the static distillation supports "
                         "BERT-style tokenizers only")
    wanted = torch.arange(len(tok)) if token_ids is None else torch.as_tensor(np.asarray(token_ids, dtype=np.int64))
    vocab = int(wanted.numel())
    table = np.empty((vocab, base.dimension), dtype=np.float32)
    with torch.inference_mode(), base._autocast():
        for start in range(0, vocab, _DISTILL_BATCH):
            stop = min(vocab, start + _DISTILL_BATCH)
            ids = torch.stack([torch.full((stop - start,), cls_id), wanted[start:stop],
                               torch.full((stop - start,), sep_id)], dim=1)
            features = {"input_ids": ids, "attention_mask": torch.ones_like(ids),
                        "token_type_ids": torch.zeros_like(ids)}
            for module in base.model:
                features = module(features)
            table[start:stop] = features["sentence_embedding"].float().numpy()
            if progress is not None:
                progress(stop, vocab)
    if not np.isfinite(table).all():
        raise ModelError(f"the distillation of {base.name!r} produced non-finite vectors; try precision='fp32'")
    return table


class StaticEmbedder:
    """An :class:`~core.embed.Embedder` that averages distilled token vectors (no transformer).

    Build it with :func:`load_static_embedder` or ``load_embedder("fast")``.

    Attributes
    ----------
    name, identity, dimension, precision
        See :class:`core.embed.Embedder`.
    table : numpy.ndarray, shape (V, d), float32
        Centred token vectors already multiplied by their weights (read-only).
    weights : numpy.ndarray, shape (V,), float32
        The SIF weight of each token.
    base : core.embed.SentenceTransformerEmbedder
        The model the table was distilled from (its tokenizer is used).
    """

    def __init__(self, base: Any, raw_table: np.ndarray, *, name: str, table_sha256: str) -> None:
        vocab = raw_table.shape[0]
        p = 1.0 / np.arange(1, vocab + 1, dtype=np.float64)
        p /= p.sum()
        weights = SIF_A / (SIF_A + p)
        centred = raw_table.astype(np.float64) - raw_table.astype(np.float64).mean(axis=0)
        self.table = np.ascontiguousarray(centred * weights[:, None], dtype=np.float32)
        self.table.setflags(write=False)
        self.weights = weights.astype(np.float32)
        self.base = base
        self.name = name
        self.dimension = int(raw_table.shape[1])
        self.precision = "fp32"
        self.batch_size = 4096
        self.max_seq_length = base.max_seq_length
        self.weight_sha256 = base.weight_sha256  # of the model the table was distilled from
        self.identity = (f"static-distilled-v{_VERSION}(sif-zipf-a={SIF_A:g},centred);table-sha256={table_sha256};"
                         f"from={base.identity}")

    def __repr__(self) -> str:
        return f"StaticEmbedder(name={self.name!r}, dimension={self.dimension}, vocabulary={self.table.shape[0]})"

    @property
    def tokenizer(self) -> Any:
        return self.base.tokenizer

    def token_embeddings(self) -> np.ndarray:
        """The source transformer's input word-embedding matrix (for Zipfian whitening)."""
        return self.base.token_embeddings()

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed ``texts`` into an (n, d) float32 array of unit rows, in input order."""
        from scipy.sparse import csr_matrix

        items = _check_texts(texts)
        bs = self.batch_size if batch_size is None else _check_batch_size(batch_size)
        n = len(items)
        out = np.empty((n, self.dimension), dtype=np.float32)
        limit = self.max_seq_length if isinstance(self.max_seq_length, int) else None
        for start in range(0, n, bs):
            chunk = items[start:start + bs]
            ids = self.tokenizer(chunk, add_special_tokens=True, truncation=limit is not None,
                                 max_length=limit)["input_ids"]
            lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
            flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=int(lengths.sum()))
            indptr = np.concatenate([[0], np.cumsum(lengths)])
            # (texts x vocabulary) token counts times the table: one sparse product per chunk
            counts = csr_matrix((np.ones(flat.size), flat, indptr), shape=(len(chunk), self.table.shape[0]))
            sums = np.asarray(counts @ self.table, dtype=np.float64)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            bad = ~(norms[:, 0] > 0)
            if bad.any():
                first = start + int(np.flatnonzero(bad)[0])
                raise ModelError(f"the static embedder produced a zero vector for texts[{first}] "
                                 f"({items[first][:60]!r})")
            # the weighted mean and the weighted sum have the same direction
            out[start:start + len(chunk)] = sums / norms
            if progress is not None:
                progress(min(n, start + bs), n)
        return out


def load_static_embedder(model: str = "default", *, cache_dir: str | os.PathLike | None = None,
                         precision: str = "auto", name: str = "fast",
                         progress: Callable[[int, int], None] | None = None) -> StaticEmbedder:
    """The static embedder distilled from ``model`` (default: the bundled all-MiniLM-L6-v2).

    Parameters
    ----------
    model : str
        The source model, as in :func:`core.embed.load_embedder`.
    cache_dir : path, optional
        Where the distilled table is kept (``static/`` inside it); default
        :func:`core.embed.cache.default_cache_dir`.
    precision : {"auto", "fp32", "bf16"}
        Precision of the distillation's forward passes.
    name : str
        The embedder's name (``"fast"`` when loaded as ``load_embedder("fast")``).
    progress : callable(done, total), optional
        Called during a distillation (not when the table is read from disk).

    Returns
    -------
    StaticEmbedder
    """
    base = load_torch_embedder(model, precision=precision)
    if cache_dir is None:
        cache_dir = default_cache_dir()
    key = f"v{_VERSION}|{base.identity}"
    path = Path(cache_dir).expanduser() / "static" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npy"
    sidecar = path.with_suffix(".json")
    table = None
    with contextlib.suppress(OSError, ValueError, KeyError):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if path.is_file() and meta["sha256"] == file_sha256(path):
            loaded = np.load(path, allow_pickle=False)
            if loaded.shape == (len(base.tokenizer), base.dimension) and loaded.dtype == np.float32:
                table = loaded
    if table is None:
        table = distill_token_table(base, progress=progress)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path, suffix=".npy") as tmp:
                np.save(tmp, table, allow_pickle=False)
                file_digest = file_sha256(tmp)
            atomic_write(sidecar, json.dumps({"sha256": file_digest, "identity": base.identity}))
        except OSError:  # a read-only cache directory: keep the table in memory for this process
            pass
    return StaticEmbedder(base, table, name=name, table_sha256=hashlib.sha256(table.tobytes()).hexdigest())
