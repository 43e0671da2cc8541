"""Results: :class:`~core.results.result.AnalysisResult`, its bundle format, the analysis store and
the queries the dashboard asks of a result.

Public names are re-exported here; inside ``core`` modules import from the defining module.
"""

from __future__ import annotations

from core.results.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    SUPPORTED_BUNDLE_VERSIONS,
    Bundle,
    bundle_bytes,
    read_bundle,
    write_bundle,
)
from core.results.queries import (
    display_sample,
    k_occurrence_summary,
    shift_ranking,
    word_neighbours,
    word_trajectory,
)
from core.results.result import (
    RESULT_FORMAT_VERSION,
    SUMMARY_FORMAT,
    TABLE_SCHEMAS,
    AnalysisResult,
    empty_table,
    json_value,
    make_table,
)
from core.results.store import (
    ID_PATTERN,
    LINK_TEMPLATE,
    STORE_DIR_ENV,
    AnalysisStore,
    default_store_dir,
    is_valid_id,
    link_path,
    new_id,
)

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "ID_PATTERN",
    "LINK_TEMPLATE",
    "RESULT_FORMAT_VERSION",
    "STORE_DIR_ENV",
    "SUMMARY_FORMAT",
    "SUPPORTED_BUNDLE_VERSIONS",
    "TABLE_SCHEMAS",
    "AnalysisResult",
    "AnalysisStore",
    "Bundle",
    "bundle_bytes",
    "default_store_dir",
    "display_sample",
    "empty_table",
    "is_valid_id",
    "json_value",
    "k_occurrence_summary",
    "link_path",
    "make_table",
    "new_id",
    "read_bundle",
    "shift_ranking",
    "word_neighbours",
    "word_trajectory",
    "write_bundle",
]
