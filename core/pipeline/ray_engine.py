"""The ``ray`` engine of :func:`core.pipeline.run_analysis`: which stages run where, and why.

With ``Analysis(engine="ray")`` the pipeline starts or joins Ray (:func:`core.pipeline.ray_cluster.ray_session`)
for the run and shuts its own local Ray down at the end. The corpora of an :class:`~core.pipeline.Analysis`
are already in the driver's memory, so the engine distributes the work that dominates the run time:

- ``embed`` (and the second model's embedding in ``models``): a Ray Data actor pool
  (:mod:`core.pipeline.ray_embed`), the embedding cache read and filled by the workers.

Every other stage runs on the driver with the local engine's code, which is why the two engines'
results agree to float rounding with the same seeds. They are O(n·d) passes over vectors that are
already in memory (depth, spread), statistics on seeded samples of at most ``max_test_n`` documents
per corpus (the two-sample tests), or graph algorithms that need the whole pooled space at once (kNN,
hubness, UMAP, word2vec); shipping the vectors to workers would cost more than computing them. Corpora
larger than the driver's memory go through :mod:`core.pipeline.stream` instead, where depth, its
reductions and the per-document outputs are distributed.

The manifest's ``engine`` entry records this split (:data:`STAGE_PLACEMENT`), the cluster's size and
Ray's version.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from core.pipeline.ray_cluster import ClusterInfo, ray_session

if TYPE_CHECKING:  # pragma: no cover
    from core.pipeline.context import RunContext

__all__ = ["STAGE_PLACEMENT"]

_DRIVER_IN_MEMORY = "driver: an O(n·d) pass over vectors already in the driver's memory"
#: Where each stage runs under ``engine="ray"``, with the reason (recorded in the manifest).
STAGE_PLACEMENT: dict[str, str] = {
    "load": "driver: the corpora are read before the run starts",
    "embed": "distributed: Ray Data actor pool, one model per actor, cache read and filled by the workers",
    "transform": "driver: fitted on the pooled space (zipfian uses the model's token table)",
    "knn": "driver: one pooled neighbour graph (faiss) needs every vector at once",
    "depth": _DRIVER_IN_MEMORY,
    "tests": "driver: permutation tests on seeded samples of at most max_test_n documents per corpus; "
             "the classifier probabilities need out-of-fold fits over all documents",
    "hubness": "driver: measures on the pooled neighbour graph",
    "spread": _DRIVER_IN_MEMORY,
    "map": "driver: UMAP is fitted on the pooled graph",
    "words": "driver: CADE word2vec trains one compass over all corpora",
    "models": "distributed embedding of the second model (actor pool); the comparison on the driver",
}


class RayEngine:
    """The Ray side of one run: the cluster it uses and its embedding function.

    Parameters
    ----------
    cluster : ClusterInfo
    threads_per_actor : int, optional
        torch threads of each embedding actor; default :func:`core.pipeline.ray_embed.actor_threads`.
    """

    def __init__(self, cluster: ClusterInfo, *, threads_per_actor: int | None = None) -> None:
        self.cluster = cluster
        self.threads_per_actor = threads_per_actor
        self.threads_used: dict[str, int] = {}

    def info(self) -> dict[str, Any]:
        """The manifest's ``engine`` entry."""
        return {"name": "ray", "cluster": self.cluster.to_dict(), "stages": dict(STAGE_PLACEMENT),
                "threads_per_actor": dict(self.threads_used)}

    def embed(self, ctx: RunContext, model: str, stage: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Embed every corpus of ``ctx`` with ``model`` on the cluster.

        Returns
        -------
        vectors : dict of str to ndarray (n_i, d) float32
            One array per corpus, in document order.
        info : dict
            :func:`core.pipeline.model_info` of the model, as a worker loaded it.
        """
        from core.pipeline.ray_embed import actor_threads, describe_model, embed_texts_ray

        spec = ctx.spec
        total = sum(len(c) for c in spec.corpora)
        ctx.report(stage, 0, total, f"loading model {model} on the Ray workers")
        info, node_threads = describe_model(model, spec.precision, spec.backend)
        threads = actor_threads(info, node_threads, self.threads_per_actor)
        self.threads_used[stage] = threads

        def progress(done: int, n: int) -> None:
            ctx.check_stop()
            ctx.report(stage, done, n, f"{done:,} of {n:,} documents on {self.cluster.cpus} Ray CPUs")

        parts = embed_texts_ray([list(c.texts) for c in spec.corpora], model=model, precision=spec.precision,
                                backend=spec.backend, cache=ctx.cache, cluster_cpus=self.cluster.cpus,
                                threads_per_actor=threads, progress=progress,
                                what=f"embedding with the model {model!r}")
        return {c.name: v for c, v in zip(spec.corpora, parts)}, info


@contextlib.contextmanager
def ray_engine(address: str | None) -> Iterator[RayEngine]:
    """A :class:`RayEngine` on the cluster at ``address`` (None: ``CORPUS_COMPASS_RAY_ADDRESS``, else local)."""
    with ray_session(address) as cluster:
        yield RayEngine(cluster)
