"""Chart export: the Vega-Lite spec of an Altair chart with all data inline (for the HTML report and
the dashboard), and static SVG/PNG rendered offline by vl-convert (no browser, no network).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from core.exceptions import InputError, ParameterError
from core.report.charts import CHART_CONFIG, _alt

__all__ = ["chart_to_png", "chart_to_spec", "chart_to_svg"]


def _vl_version() -> str | None:
    """``"6.4"`` from Altair's schema version, the form vl-convert accepts; None = its latest."""
    alt = _alt()
    m = re.match(r"v?(\d+)\.(\d+)", str(getattr(alt, "SCHEMA_VERSION", "")))
    return f"{m.group(1)}.{m.group(2)}" if m else None


def chart_to_spec(chart: Any) -> dict[str, Any]:
    """Vega-Lite spec (dict) of an Altair chart with all data inline, ready to embed offline.

    Altair's active data transformer is forced to ``"default"`` without a row limit for the call, so
    a caller who enabled the ``"json"`` transformer (data written to files, referenced by URL) still
    gets inline data. ``$schema`` (a URL, not needed: the report tells vega-embed the mode) and
    ``usermeta`` (could carry vega-embed options) are removed. A dict is accepted and copied.
    """
    alt = _alt()
    if isinstance(chart, Mapping):
        spec = json.loads(json.dumps(chart))
    elif hasattr(chart, "to_dict"):
        with alt.data_transformers.enable("default", max_rows=None):
            spec = chart.to_dict()
    else:
        raise InputError(f"chart must be an Altair chart or a Vega-Lite dict, got {type(chart).__name__}")
    spec.pop("$schema", None)
    spec.pop("usermeta", None)
    return spec


def _convert(chart: Any, kind: str, **kwargs: Any):
    try:
        import vl_convert as vlc
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("PNG/SVG export needs vl-convert-python: pip install vl-convert-python") from exc
    spec = chart_to_spec(chart)
    fn = getattr(vlc, f"vegalite_to_{kind}")
    # allowed_base_urls=[] forbids every external data request: export is offline by construction.
    # vl-convert draws text with local system fonts and fetches nothing else.
    try:
        return fn(spec, vl_version=_vl_version(), config=CHART_CONFIG, allowed_base_urls=[], **kwargs)
    except ValueError as exc:
        raise InputError(f"the chart could not be converted to {kind.upper()}: {exc}") from exc


def chart_to_svg(chart: Any) -> str:
    """Static SVG of a chart, rendered offline by vl-convert (no browser, no network)."""
    return _convert(chart, "svg")


def chart_to_png(chart: Any, *, scale: float = 2.0) -> bytes:
    """PNG of a chart, rendered offline by vl-convert; ``scale`` 2 gives sharp images on HiDPI screens."""
    if not scale > 0:
        raise ParameterError(f"scale must be positive, got {scale}")
    return _convert(chart, "png", scale=float(scale))
