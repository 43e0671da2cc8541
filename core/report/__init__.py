"""Report layer: spreadsheet-safe CSV, Altair charts, the offline HTML report and analysis bundles.

It takes plain DataFrames, dicts, arrays and Altair charts, so it does not depend on the result
classes of the analysis modules; ``core.pipeline`` turns an ``AnalysisResult`` into these.
Altair and vl-convert are imported only by the functions that need them.
"""

from __future__ import annotations

from core.report.charts import (
    CHART_CONFIG,
    OKABE_ITO,
    corpus_colors,
    depth_histogram,
    eigenspectrum_chart,
    k_occurrence_histogram,
    map_chart,
    rows_in_region,
    truncate_text,
    zipf_chart,
)
from core.report.export import chart_to_png, chart_to_spec, chart_to_svg
from core.report.html import (
    ChartBlock,
    KeyValueBlock,
    Paragraph,
    ReportSection,
    TableBlock,
    Verdict,
    format_value,
    json_for_script,
    render_report,
    vega_javascript,
    write_report,
)
from core.report.ranking_charts import shift_bar_chart, significance_chart
from core.report.tables import FORMULA_PREFIXES, neutralize_cell, neutralize_frame, safe_csv
from core.results.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    SUPPORTED_BUNDLE_VERSIONS,
    Bundle,
    bundle_bytes,
    read_bundle,
    write_bundle,
)

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "CHART_CONFIG",
    "FORMULA_PREFIXES",
    "OKABE_ITO",
    "SUPPORTED_BUNDLE_VERSIONS",
    "Bundle",
    "ChartBlock",
    "KeyValueBlock",
    "Paragraph",
    "ReportSection",
    "TableBlock",
    "Verdict",
    "bundle_bytes",
    "chart_to_png",
    "chart_to_spec",
    "chart_to_svg",
    "corpus_colors",
    "depth_histogram",
    "eigenspectrum_chart",
    "format_value",
    "json_for_script",
    "k_occurrence_histogram",
    "map_chart",
    "neutralize_cell",
    "neutralize_frame",
    "read_bundle",
    "render_report",
    "rows_in_region",
    "safe_csv",
    "shift_bar_chart",
    "significance_chart",
    "truncate_text",
    "vega_javascript",
    "write_bundle",
    "write_report",
    "zipf_chart",
]
