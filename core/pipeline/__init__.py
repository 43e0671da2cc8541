"""The pipeline: an :class:`~core.pipeline.spec.Analysis` in, an
:class:`~core.results.result.AnalysisResult` out (:func:`~core.pipeline.run.run_analysis`).

Public names are re-exported here; inside ``core`` modules import from the defining module.
"""

from __future__ import annotations

from core.pipeline.manifest import library_versions, model_info
from core.pipeline.progress import (
    ProgressInfo,
    ProgressMeter,
    format_seconds,
)
from core.pipeline.ray_cluster import ClusterInfo, ray_session
from core.pipeline.ray_embed import EmbedActor, embed_texts_ray
from core.pipeline.run import run_analysis
from core.pipeline.spec import (
    ANALYSES,
    ENGINES,
    HUBNESS_REDUCTIONS,
    STAGES,
    TRANSFORMS,
    Analysis,
)
from core.pipeline.stream import StreamResult, stream_compare

__all__ = [
    "ANALYSES",
    "ENGINES",
    "HUBNESS_REDUCTIONS",
    "STAGES",
    "TRANSFORMS",
    "Analysis",
    "ClusterInfo",
    "EmbedActor",
    "ProgressInfo",
    "ProgressMeter",
    "StreamResult",
    "embed_texts_ray",
    "format_seconds",
    "library_versions",
    "model_info",
    "ray_session",
    "run_analysis",
    "stream_compare",
]
