"""Embedding on a Ray cluster with Ray Data: an actor pool, one model per actor, loaded once.

Each actor (:class:`EmbedActor`) loads the model with :func:`core.embed.load_embedder` in its own
process, so the checks of that function hold on every worker: the bundled model's weights are
verified against their pinned SHA-256, ``expected_sha256`` pins other models, and no model needing
remote code is ever loaded. Each actor then embeds its batches through
:func:`core.cache.embed_texts`, which consults the embedding cache first and fills it with what it
computed: the workers read and write the cache themselves, so a rerun (on either engine) embeds only
the texts that are missing. On one machine every worker opens the same SQLite file (it is safe
between processes); on several machines each node uses the cache at the same path on its own disk,
or one shared file when that path is on a shared file system.

Threads (:func:`actor_threads`): one torch thread per actor and one actor per CPU of the cluster. On
this project's CPUs one thread embeds 3.1 times as many documents per CPU-second as two (bench topic
``embed``), so many single-threaded actors beat few multi-threaded ones. The exception is bf16
autocast (``precision="auto"`` on CPUs with native bf16): its matrix products round differently with
one thread than with several (up to 5e-4 in a vector component, measured on the default model), so
there each actor uses the thread count the local engine uses (torch's default in the driver, at most
the worker node's CPUs), and the two engines give the same vectors; int8 is treated the same way (not
measured separately). fp32 differs by about 1e-7 between thread counts (not an issue);
``threads_per_actor`` overrides the choice.

Batches: the distinct texts are sorted longest first and cut into the same groups of ``batch_size``
texts as the local engine's :func:`core.cache.embed_texts`, and each Ray block holds whole groups, so
the model sees the same padded batches on both engines and the vectors agree to float rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from core.exceptions import CorpusCompassError, ParameterError
from core.pipeline.ray_cluster import MAX_RETRIES, import_ray, quiet_deprecations, unwrap_worker_error

__all__ = ["EmbedActor", "embed_texts_ray"]

#: Texts per ``encode`` call, as in :func:`core.cache.embed_texts`.
BATCH_SIZE = 64
#: Groups of ``BATCH_SIZE`` texts per Ray block: about 3 s of work for the default model on one
#: thread (progress moves at least that often); the static ``fast`` model gets 64 groups per block.
GROUPS_PER_BLOCK = 4
GROUPS_PER_BLOCK_STATIC = 64


class EmbedActor:
    """A Ray Data actor: loads one model once, then embeds batches through the embedding cache.

    Parameters
    ----------
    model, precision, backend : str
        As in :func:`core.embed.load_embedder`.
    cache_path : str or None
        The cache file or folder; None: the worker's default cache.
    use_cache : bool
        False disables the cache.
    threads : int
        torch threads of this actor.
    """

    def __init__(self, model: str, precision: str, backend: str, cache_path: str | None, use_cache: bool,
                 threads: int) -> None:
        import torch

        torch.set_num_threads(int(threads))
        from core.embed.cache import EmbeddingCache
        from core.embed.factory import load_embedder

        self.embedder = load_embedder(model, precision=precision, backend=backend)
        self.cache: Any = EmbeddingCache(cache_path) if use_cache else False

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Embed ``batch["text"]``; every other column is passed through, and ``vector`` (n, d) added."""
        from core.embed.cache import embed_texts

        texts = [str(t) for t in batch["text"]]
        vectors = embed_texts(texts, self.embedder, cache=self.cache, batch_size=BATCH_SIZE)
        out = {k: v for k, v in batch.items() if k != "text"}
        out["vector"] = vectors
        return out


def _retry_policy() -> dict[str, int]:
    return {"max_restarts": MAX_RETRIES, "max_task_retries": MAX_RETRIES}


def describe_model(model: str, precision: str, backend: str) -> tuple[dict[str, Any], int]:
    """Load the model once on a worker and return its manifest entry (fails fast, before the pool starts).

    Returns
    -------
    info : dict
        :func:`core.pipeline.manifest.model_info` of the model as a worker loaded it.
    cpus : int
        CPUs of that worker's node (Ray limits torch in its workers to the task's CPUs, so torch's
        own default is not visible there).
    """
    ray = import_ray()

    @ray.remote(num_cpus=1, max_retries=MAX_RETRIES, retry_exceptions=False)
    def _describe(model: str, precision: str, backend: str) -> tuple[dict[str, Any], int]:
        import os

        from core.embed.factory import load_embedder
        from core.pipeline.manifest import model_info

        return model_info(load_embedder(model, precision=precision, backend=backend)), os.cpu_count() or 1

    try:
        return ray.get(_describe.remote(model, precision, backend))
    except Exception as exc:  # noqa: BLE001  (Ray's exceptions carry the worker's error)
        raise unwrap_worker_error(exc, f"loading the model {model!r}") from None


def actor_threads(info: dict[str, Any], node_cpus: int, requested: int | None = None,
                  local_threads: int | None = None) -> int:
    """torch threads per embedding actor (see the module docstring): ``requested`` if given; for reduced
    precision (bf16 autocast, int8) the local engine's thread count (``local_threads``, default torch's
    in this process), at most ``node_cpus``; for fp32 and the static model 1."""
    if requested is not None:
        if isinstance(requested, bool) or not isinstance(requested, (int, np.integer)) or requested < 1:
            raise ParameterError(f"threads_per_actor must be a positive integer or None, got {requested!r}")
        return int(requested)
    if info.get("precision") not in (None, "fp32") and str(info.get("name", "")).lower() != "fast":
        if local_threads is None:
            import torch

            local_threads = torch.get_num_threads()
        return max(1, min(int(local_threads), int(node_cpus)))
    return 1


def actor_pool_size(n_blocks: int, cluster_cpus: int, threads_per_actor: int) -> int:
    """Actors to start: one per ``threads_per_actor`` CPUs of the cluster, never more than blocks."""
    return max(1, min(n_blocks, max(1, cluster_cpus // max(1, threads_per_actor))))


def _cache_arguments(cache: Any) -> tuple[str | None, bool]:
    from core.embed.cache import EmbeddingCache

    if cache is False:
        return None, False
    if cache is None or cache is True:
        return None, True
    if isinstance(cache, EmbeddingCache):
        return str(cache.path), True
    raise ParameterError(f"cache must be an EmbeddingCache, None (default cache) or False, got {cache!r}")


def _blocks(parts: list[list[str]], per_block: int) -> tuple[list[Any], list[np.ndarray], list[np.ndarray]]:
    """Ray blocks of (row, text), each within one part; per part the map text -> distinct row and counts."""
    import pandas as pd

    blocks, targets, counts = [], [], []
    offset = 0
    for items in parts:
        # distinct texts, longest first (ties in input order): the local engine's groups of BATCH_SIZE
        distinct = list(dict.fromkeys(items))
        order = sorted(range(len(distinct)), key=lambda i: len(distinct[i]), reverse=True)
        for s in range(0, len(order), per_block):
            chunk = order[s:s + per_block]
            blocks.append(pd.DataFrame({"row": np.asarray(chunk, dtype=np.int64) + offset,
                                        "text": [distinct[i] for i in chunk]}))
        position = {t: i for i, t in enumerate(distinct)}
        target = np.fromiter((position[t] for t in items), dtype=np.int64, count=len(items)) + offset
        targets.append(target)
        counts.append(np.bincount(target - offset, minlength=len(distinct)))
        offset += len(distinct)
    return blocks, targets, counts


def embed_texts_ray(parts: Sequence[Sequence[str]], *, model: str, precision: str = "auto",
                    backend: str = "torch", cache: Any = None, cluster_cpus: int = 1,
                    threads_per_actor: int = 1, progress: Callable[[int, int], None] | None = None,
                    what: str = "embedding") -> list[np.ndarray]:
    """Embed each list of texts in ``parts`` on the Ray cluster of this process (see the module docstring).

    One actor pool serves all parts; each part (a corpus) is grouped on its own, as the local engine
    embeds one corpus at a time.

    Parameters
    ----------
    parts : sequence of sequences of str
        The texts of each corpus.
    model, precision, backend : str
        As in :func:`core.embed.load_embedder`.
    cache : EmbeddingCache, None or False
        The cache the workers read and fill (None: each worker's default cache; False: none).
    cluster_cpus : int
        CPUs of the cluster (:class:`core.pipeline.ray_cluster.ClusterInfo`): the actor pool's size.
    threads_per_actor : int
        torch threads (and Ray CPUs) of each actor (1).
    progress : callable(done, total), optional
        Called at the start and whenever a block of texts comes back, with documents done of all
        parts; it may raise to stop the run.
    what : str
        The work, for error messages.

    Returns
    -------
    list of numpy.ndarray, each of shape (n_i, d), float32
        Unit-norm rows in input order, one array per part.

    Raises
    ------
    CorpusCompassError
        A worker failed (its own error, prefixed with where it happened), or Ray failed
        (:class:`~core.pipeline.ray_cluster.ClusterError`).
    """
    ray = import_ray()
    items = [[str(t) for t in texts] for texts in parts]
    threads = threads_per_actor
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ParameterError(f"threads_per_actor must be a positive integer, got {threads_per_actor!r}")
    cache_path, use_cache = _cache_arguments(cache)
    static = model.strip().lower() == "fast"
    per_block = BATCH_SIZE * (GROUPS_PER_BLOCK_STATIC if static else GROUPS_PER_BLOCK)
    blocks, targets, counts = _blocks(items, per_block)
    count_of = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    n = sum(len(t) for t in items)
    if progress is not None:
        progress(0, n)
    if not blocks:
        return [np.zeros((0, 0), dtype=np.float32) for _ in items]
    size = actor_pool_size(len(blocks), cluster_cpus, int(threads))
    with quiet_deprecations():
        ds = ray.data.from_pandas(blocks).map_batches(
            EmbedActor, batch_size=None, batch_format="numpy",
            fn_constructor_kwargs={"model": model, "precision": precision, "backend": backend,
                                   "cache_path": cache_path, "use_cache": use_cache, "threads": int(threads)},
            compute=ray.data.ActorPoolStrategy(size=size), num_cpus=int(threads),
            # a crashed actor is restarted and its batch retried, a bounded number of times (Ray Data's
            # default is forever); an exception raised by the code itself is not retried
            ray_remote_args_fn=_retry_policy)
    distinct_vectors: np.ndarray | None = None
    done = 0
    try:
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0):
            rows = np.asarray(batch["row"], dtype=np.int64)
            vectors = np.asarray(batch["vector"], dtype=np.float32)
            if distinct_vectors is None:
                distinct_vectors = np.zeros((count_of.size, vectors.shape[1]), dtype=np.float32)
            distinct_vectors[rows] = vectors
            done += int(count_of[rows].sum())
            if progress is not None:
                progress(done, n)
    except Exception as exc:
        if isinstance(exc, CorpusCompassError) and not isinstance(exc, ray.exceptions.RayError):
            raise  # raised on the driver (the progress callback cancelling the run): as it is
        raise unwrap_worker_error(exc, what) from None
    assert distinct_vectors is not None
    return [distinct_vectors[t] for t in targets]
