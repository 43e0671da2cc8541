"""The pipeline: an :class:`~core.pipeline.spec.Analysis` in, an
:class:`~core.results.result.AnalysisResult` out (:func:`~core.pipeline.run.run_analysis`).

Public names are re-exported here; inside ``core`` modules import from the defining module.
"""

from __future__ import annotations

from core.pipeline.manifest import (
    file_sha256,
    library_versions,
    model_info,
)
from core.pipeline.progress import (
    ProgressInfo,
    ProgressMeter,
    format_seconds,
)
from core.pipeline.run import run_analysis
from core.pipeline.spec import (
    ANALYSES,
    HUBNESS_REDUCTIONS,
    STAGES,
    TRANSFORMS,
    Analysis,
)

__all__ = [
    "ANALYSES",
    "HUBNESS_REDUCTIONS",
    "STAGES",
    "TRANSFORMS",
    "Analysis",
    "ProgressInfo",
    "ProgressMeter",
    "file_sha256",
    "format_seconds",
    "library_versions",
    "model_info",
    "run_analysis",
]
