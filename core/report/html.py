"""One self-contained, offline HTML report: text, verdicts, tables and interactive charts.

The report is a single ``.html`` file that opens in any browser with no network and no install
(README.md, "The dashboard"):

- **Offline.** Vega, Vega-Lite and vega-embed are inlined from vl-convert-python
  (``vl_convert.javascript_bundle``, the same versions Altair targets); chart data is inline. The page
  references no URL at all: links are in-page anchors and the optional static fallback images are
  ``data:`` URIs. A Content-Security-Policy ``<meta>`` forbids every network request
  (``connect-src 'none'``, images only from ``data:``/``blob:``), so even a bug cannot phone home.
  ``'unsafe-eval'`` stays allowed because Vega compiles its expressions and field accessors with
  ``Function``.
- **Everything escaped.** Every piece of user text (titles, corpus names, column names, document
  texts, file names, manifest values) goes through :func:`html.escape`, attributes included. Chart
  specs and the manifest are embedded as ``<script type="application/json">`` whose JSON has ``<``,
  ``>``, ``&``, U+2028 and U+2029 written as ``\\u003c`` etc., so ``</script>`` or ``<!--`` inside data
  cannot end the element; the page reads them with ``JSON.parse`` (never ``eval``). Tooltips use
  vega-embed's default handler, which escapes keys and values (see ``core.report.charts``).
- **Interactive charts.** Each chart is a Vega-Lite spec rendered in the browser by vega-embed
  (SVG renderer by default, canvas optional for large maps; the export menu is off, since its
  "Open in Vega Editor" would post the data to a web site). Optionally (``static_fallback=True``) a
  static SVG rendered by vl-convert sits in ``<noscript>`` as an ``<img>`` with a ``data:`` URI, for
  readers with JavaScript disabled; an ``<img>`` can neither run script nor load anything.

Content model: a report is a list of :class:`ReportSection` (title, intro text, blocks); a block is a
:class:`Paragraph`, :class:`Verdict`, :class:`TableBlock`, :class:`ChartBlock` or
:class:`KeyValueBlock`. Plain values are accepted too: ``str`` → paragraph, ``DataFrame`` → table,
``dict`` → key–value list, Altair chart → chart.

Tables show at most ``max_rows`` rows (default 200, with a note saying so); long cell texts are cut
to ``max_chars`` characters with the full text (up to 10,000 characters) in the cell's ``title``
tooltip. Floats show 4 significant digits (scientific below 1e-4 and from 1e6 up), so p-values such
as 3.2e-12 stay readable.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import html
import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.exceptions import CorpusCompassError, InputError, ParameterError
from core.fileio import atomic_write
from core.report.charts import CHART_CONFIG
from core.report.export import _vl_version, chart_to_spec, chart_to_svg

__all__ = [
    "ChartBlock",
    "KeyValueBlock",
    "Paragraph",
    "ReportSection",
    "TableBlock",
    "UsagesBlock",
    "Verdict",
    "format_value",
    "json_for_script",
    "render_report",
    "vega_javascript",
    "write_report",
]

VERDICT_TONES = ("neutral", "difference", "similar", "warning")
_TITLE_ATTR_MAX = 10_000
_CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Paragraph:
    """Plain text; blank lines separate paragraphs. Never interpreted as HTML or Markdown."""

    text: str


@dataclass(frozen=True)
class Verdict:
    """A highlighted plain-language conclusion.

    Parameters
    ----------
    text : str
        What was tested, what the result means, how sure we are.
    heading : str, optional
        A short headline ("The corpora differ").
    tone : {"neutral", "difference", "similar", "warning"}
        Colour of the call-out.
    """

    text: str
    heading: str | None = None
    tone: str = "neutral"

    def __post_init__(self) -> None:
        if self.tone not in VERDICT_TONES:
            raise ParameterError(f"tone must be one of {VERDICT_TONES}, got {self.tone!r}")


@dataclass(frozen=True, eq=False)
class TableBlock:
    """A DataFrame shown as an HTML table (every cell escaped, numbers formatted)."""

    frame: pd.DataFrame
    caption: str | None = None
    max_rows: int = 200
    max_chars: int = 160
    digits: int = 4
    index: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise InputError(f"TableBlock.frame must be a DataFrame, got {type(self.frame).__name__}")
        for name, low in (("max_rows", 1), ("max_chars", 2), ("digits", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise ParameterError(f"{name} must be an integer >= {low}, got {value!r}")


@dataclass(frozen=True, eq=False)
class ChartBlock:
    """An Altair chart (or a Vega-Lite dict) drawn interactively by the inlined Vega runtime.

    ``renderer`` is ``"svg"`` (crisp, printable) or ``"canvas"`` (faster for maps of many thousand
    points). ``static_fallback`` overrides the report-wide setting for this chart.
    """

    chart: Any
    caption: str | None = None
    renderer: str = "svg"
    static_fallback: bool | None = None

    def __post_init__(self) -> None:
        if self.renderer not in ("svg", "canvas"):
            raise ParameterError(f"renderer must be 'svg' or 'canvas', got {self.renderer!r}")


@dataclass(frozen=True)
class KeyValueBlock:
    """A definition list of key–value pairs (nested mappings become nested lists)."""

    items: Mapping[str, Any]
    caption: str | None = None


@dataclass(frozen=True, eq=False)
class UsagesBlock:
    """A word's passages in each corpus side by side, the word marked.

    ``usages`` is a :class:`core.analysis.shift.usages.WordUsages`, whose ``to_html`` escapes every
    piece of corpus text and adds only table cells and ``<mark>``.
    """

    usages: Any
    caption: str | None = None


Block = Paragraph | Verdict | TableBlock | ChartBlock | KeyValueBlock | UsagesBlock | str | pd.DataFrame | Mapping


@dataclass(frozen=True)
class ReportSection:
    """A titled part of the report: an optional intro sentence or two, then blocks in order."""

    title: str
    intro_text: str = ""
    blocks: Sequence[Block] = field(default_factory=tuple)


# --------------------------------------------------------------------------- escaping helpers


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _jsonable(obj: Any, depth: int = 0) -> Any:
    """Plain JSON types: numpy scalars/arrays unpacked, non-finite floats → None, unknown → str."""
    if depth > 50:
        return str(obj)
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.generic):
        return _jsonable(obj.item(), depth + 1)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist(), depth + 1)
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_jsonable(v, depth + 1) for v in obj]
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    return str(obj)


def json_for_script(obj: Any) -> str:
    """JSON text safe to place inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` (and the JavaScript line separators U+2028/U+2029) are written as
    ``\\uXXXX`` escapes, which JSON decodes to the same characters, so no data can close the element
    (``</script>``) or open an HTML comment (``<!--``). Non-finite floats become ``null``.
    """
    text = json.dumps(_jsonable(obj), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@functools.lru_cache(maxsize=1)
def vega_javascript() -> str:
    """Vega + Vega-Lite + vega-embed as one script (≈0.9 MB), from vl-convert-python, cached.

    The bundle defines the globals ``vega``, ``vegaLite`` and ``vegaEmbed``. It is checked for the
    sequences that would end or confuse an inline ``<script>``.
    """
    try:
        import vl_convert as vlc
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("the HTML report needs vl-convert-python: pip install vl-convert-python") from exc
    try:
        js = vlc.javascript_bundle(vl_version=_vl_version())
    except ValueError:  # Altair newer than this vl-convert: its latest Vega-Lite
        js = vlc.javascript_bundle()
    # "<\/script" means the same as "</script" in every JavaScript string, regex and template literal
    js = js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    if "<!--" in js or "<script" in js.lower():
        raise CorpusCompassError("the Vega JavaScript bundle contains '<!--' or '<script' and cannot be "
                                 "inlined safely; report this with the vl-convert-python version")
    return js


# --------------------------------------------------------------------------- formatting


def _format_float(v: float, digits: int) -> str:
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0:
        return "0"
    a = abs(v)
    if a < 1e-4 or a >= 1e6:
        return f"{v:.{max(digits - 1, 0)}e}"
    if a >= 10 ** digits:
        return f"{v:.0f}"
    return f"{v:.{digits}g}"


def format_value(value: Any, *, digits: int = 4) -> str:
    """Text for one table cell or manifest value (not yet escaped)."""
    if value is None or value is pd.NaT:
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _format_float(float(value), digits)
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(format_value(v, digits=digits) for v in value)
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return value.isoformat()
    try:
        if pd.isna(value):
            return "n/a"
    except (TypeError, ValueError):
        pass
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


# --------------------------------------------------------------------------- block rendering


def _paragraphs(text: str, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    parts = [p.strip() for p in str(text).replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p{attr}>{_esc(p)}</p>\n" for p in parts)


def _render_table(block: TableBlock) -> str:
    df = block.frame
    shown = df.head(block.max_rows)
    cols = list(shown.columns)
    out = ['<div class="cc-table-wrap"><table class="cc-table">']
    if block.caption:
        out.append(f"<caption>{_esc(block.caption)}</caption>")
    head = ([f'<th scope="col">{_esc(shown.index.name or "")}</th>'] if block.index else [])
    head += [f'<th scope="col">{_esc(c)}</th>' for c in cols]
    out.append("<thead><tr>" + "".join(head) + "</tr></thead><tbody>")
    for idx, row in zip(shown.index, shown.itertuples(index=False, name=None)):
        cells = [f'<th scope="row">{_esc(format_value(idx))}</th>'] if block.index else []
        for value in row:
            text = format_value(value, digits=block.digits)
            if _is_number(value):
                cells.append(f'<td class="num">{_esc(text)}</td>')
            elif len(text) > block.max_chars:
                short = text[: block.max_chars - 1].rstrip() + "…"
                cells.append(f'<td title="{_esc(text[:_TITLE_ATTR_MAX])}">{_esc(short)}</td>')
            else:
                cells.append(f"<td>{_esc(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    if len(df) > len(shown):
        out.append(f'<p class="cc-note">Showing the first {len(shown):,} of {len(df):,} rows; '
                   "the CSV files hold all of them.</p>")
    return "\n".join(out) + "\n"


def _render_kv(items: Mapping[str, Any], depth: int = 0) -> str:
    out = ['<dl class="cc-kv">']
    for key, value in items.items():
        out.append(f"<dt>{_esc(key)}</dt>")
        if isinstance(value, Mapping) and value and depth < 6:
            out.append(f"<dd>{_render_kv(value, depth + 1)}</dd>")
        elif (isinstance(value, (list, tuple)) and value and depth < 6
              and all(isinstance(v, Mapping) for v in value)):
            out.append("<dd>" + "".join(_render_kv(v, depth + 1) for v in value) + "</dd>")
        elif isinstance(value, Mapping):
            out.append("<dd>" + _esc(json.dumps(_jsonable(value), ensure_ascii=False)) + "</dd>")
        else:
            out.append(f"<dd>{_esc(format_value(value))}</dd>")
    out.append("</dl>")
    return "".join(out)


class _Renderer:
    def __init__(self, static_fallback: bool) -> None:
        self.static_fallback = static_fallback
        self.specs: list[tuple[str, dict[str, Any]]] = []

    def block(self, block: Any) -> str:
        if isinstance(block, str):
            block = Paragraph(block)
        elif isinstance(block, pd.DataFrame):
            block = TableBlock(block)
        elif isinstance(block, Mapping):
            block = KeyValueBlock(block)
        elif _is_altair(block):
            block = ChartBlock(block)

        if isinstance(block, Paragraph):
            return _paragraphs(block.text)
        if isinstance(block, Verdict):
            heading = f'<p class="cc-verdict-heading">{_esc(block.heading)}</p>' if block.heading else ""
            return (f'<div class="cc-verdict cc-{block.tone}" role="note">{heading}'
                    f"{_paragraphs(block.text)}</div>\n")
        if isinstance(block, TableBlock):
            return _render_table(block)
        if isinstance(block, KeyValueBlock):
            cap = f'<p class="cc-caption">{_esc(block.caption)}</p>' if block.caption else ""
            return cap + _render_kv(block.items) + "\n"
        if isinstance(block, ChartBlock):
            return self.chart(block)
        if isinstance(block, UsagesBlock):
            cap = f'<p class="cc-caption">{_esc(block.caption)}</p>' if block.caption else ""
            return f'<div class="cc-usages">{block.usages.to_html()}</div>{cap}\n'
        raise InputError(f"a report block must be a Paragraph, Verdict, TableBlock, ChartBlock, "
                         f"KeyValueBlock, str, DataFrame, dict or Altair chart; got {type(block).__name__}")

    def chart(self, block: ChartBlock) -> str:
        spec = chart_to_spec(block.chart)
        n = len(self.specs) + 1
        spec_id = f"cc-spec-{n}"
        self.specs.append((spec_id, spec))
        fallback = ""
        if self.static_fallback if block.static_fallback is None else block.static_fallback:
            svg = chart_to_svg(spec).encode("utf-8")
            uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
            alt = _esc(block.caption or "chart")
            fallback = f'<noscript><img class="cc-static" alt="{alt}" src="{uri}"></noscript>'
        caption = f"<figcaption>{_esc(block.caption)}</figcaption>" if block.caption else ""
        return (f'<figure class="cc-figure"><div class="cc-chart" id="cc-chart-{n}" '
                f'data-cc-spec="{spec_id}" data-cc-renderer="{block.renderer}"></div>'
                f"{fallback}{caption}</figure>\n")


def _is_altair(obj: Any) -> bool:
    mod = type(obj).__module__ or ""
    return mod.startswith("altair") and hasattr(obj, "to_dict")


# --------------------------------------------------------------------------- page

_CSS = """
:root { --fg:#1d1d1f; --muted:#5f6368; --line:#dadce0; --stripe:#f6f8fa; --accent:#0072B2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
.cc-page { max-width: 1100px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 6px; }
.cc-subtitle { color: var(--muted); margin: 0 0 18px; }
h2 { font-size: 1.4rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
p { margin: .5rem 0 .8rem; max-width: 80ch; overflow-wrap: break-word; word-break: normal; hyphens: manual; }
.cc-intro { color: var(--muted); }
nav.cc-toc { background: var(--stripe); border: 1px solid var(--line); border-radius: 6px; padding: 10px 18px; }
nav.cc-toc h2 { font-size: 1rem; border: 0; margin: .2rem 0; }
nav.cc-toc ol { margin: .2rem 0 .4rem; padding-left: 1.3rem; }
a { color: var(--accent); }
.cc-verdict { border-left: 5px solid #888; background: #f4f4f4; padding: 10px 16px; margin: 14px 0;
  border-radius: 0 6px 6px 0; }
.cc-verdict p { margin: .3rem 0; }
.cc-verdict-heading { font-weight: 650; font-size: 1.08rem; }
.cc-difference { border-color: #D55E00; background: #fdf1e8; }
.cc-similar { border-color: #009E73; background: #e9f6f1; }
.cc-warning { border-color: #E69F00; background: #fff8e6; }
.cc-table-wrap { overflow-x: auto; margin: 10px 0 6px; }
table.cc-table { border-collapse: collapse; font-size: .9rem; min-width: 50%; }
.cc-table caption { text-align: left; font-weight: 600; padding: 4px 0 6px; }
.cc-usages table { border-collapse: collapse; width: 100%; table-layout: fixed; }
.cc-usages th, .cc-usages td { vertical-align: top; text-align: left; padding: 4px 8px; border-bottom: 1px solid #ddd; }
.cc-usages caption { text-align: left; padding: 4px 0 6px; }
.cc-usages mark { background: #ffe08a; color: inherit; }
.cc-table th, .cc-table td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left;
  vertical-align: top; max-width: 46ch; overflow-wrap: break-word; word-break: normal; hyphens: manual; }
.cc-table thead th { background: #eef1f4; position: sticky; top: 0; }
.cc-table tbody tr:nth-child(even) { background: var(--stripe); }
.cc-table td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cc-table td[title] { cursor: help; }
.cc-note, .cc-caption, figcaption { color: var(--muted); font-size: .9rem; }
.cc-figure { margin: 16px 0 20px; overflow-x: auto; }
.cc-chart { min-height: 40px; }
.cc-chart-error { color: #b00020; }
img.cc-static { max-width: 100%; height: auto; }
dl.cc-kv { display: grid; grid-template-columns: minmax(120px, max-content) 1fr; gap: 3px 16px;
  font-size: .92rem; margin: 8px 0; }
dl.cc-kv dt { font-weight: 600; overflow-wrap: break-word; word-break: normal; hyphens: manual; }
dl.cc-kv dd { margin: 0; overflow-wrap: break-word; word-break: normal; hyphens: manual; }
dl.cc-kv dl.cc-kv { margin: 0; }
footer { color: var(--muted); font-size: .85rem; margin-top: 3rem; border-top: 1px solid var(--line);
  padding-top: .6rem; }
@media (max-width: 640px) { body { font-size: 15px; } dl.cc-kv { grid-template-columns: 1fr; } }
@media print {
  nav.cc-toc, .vega-embed details { display: none; }
  .cc-page { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  .cc-figure, .cc-verdict, tr { break-inside: avoid; }
  .cc-table thead th { position: static; }
}
"""

_RUNTIME = """
(function () {
  "use strict";
  var options = JSON.parse(document.getElementById("cc-embed-options").textContent);
  var charts = document.querySelectorAll("div.cc-chart[data-cc-spec]");
  Array.prototype.forEach.call(charts, function (el) {
    var spec = JSON.parse(document.getElementById(el.getAttribute("data-cc-spec")).textContent);
    var opts = Object.assign({}, options, {renderer: el.getAttribute("data-cc-renderer") || "svg"});
    vegaEmbed(el, spec, opts).then(function () {
      el.setAttribute("data-cc-rendered", "true");
    }).catch(function (err) {
      el.className += " cc-chart-error";
      el.textContent = "This chart could not be drawn: " + (err && err.message ? err.message : err);
      el.setAttribute("data-cc-rendered", "error");
    });
  });
})();
"""


def render_report(
    sections: Sequence[ReportSection],
    *,
    title: str,
    manifest: Mapping[str, Any] | None = None,
    subtitle: str | None = None,
    static_fallback: bool = False,
    generated: str | None = None,
) -> str:
    """Render the report as one self-contained HTML document.

    Parameters
    ----------
    sections : sequence of ReportSection
        In display order; each gets an entry in the table of contents.
    title : str
        Page title and main heading.
    manifest : dict, optional
        Reproducibility manifest: shown as a final section and embedded as JSON
        (``<script type="application/json" id="cc-manifest">``) for programs.
    subtitle : str, optional
        One line under the title (e.g. the corpora compared).
    static_fallback : bool
        Add a static SVG of every chart for readers without JavaScript (costs a vl-convert render per
        chart and roughly doubles the size of chart data).
    generated : str, optional
        Timestamp shown in the footer; default: now, UTC.

    Returns
    -------
    str
        The HTML document. Its ``<script>`` elements are, in order: the manifest JSON (if any), one
        JSON spec per chart, the embed options, the Vega libraries and the runtime that draws the
        charts, and nothing else.
    """
    if isinstance(sections, ReportSection) or not isinstance(sections, Sequence):
        raise ParameterError("sections must be a list of ReportSection")
    for s in sections:
        if not isinstance(s, ReportSection):
            raise ParameterError(f"sections must hold ReportSection objects, got {type(s).__name__}")
    if manifest is not None and not isinstance(manifest, Mapping):
        raise ParameterError(f"manifest must be a dict, got {type(manifest).__name__}")

    renderer = _Renderer(static_fallback)
    body: list[str] = []
    toc: list[str] = []
    for i, section in enumerate(sections, start=1):
        anchor = f"section-{i}"
        toc.append(f'<li><a href="#{anchor}">{_esc(section.title)}</a></li>')
        parts = [f'<section id="{anchor}"><h2>{_esc(section.title)}</h2>\n']
        if section.intro_text:
            parts.append(_paragraphs(section.intro_text, "cc-intro"))
        for block in section.blocks:
            parts.append(renderer.block(block))
        parts.append("</section>\n")
        body.append("".join(parts))
    if manifest is not None:
        toc.append('<li><a href="#manifest">Reproducibility manifest</a></li>')
        body.append('<section id="manifest"><h2>Reproducibility manifest</h2>\n'
                    '<p class="cc-intro">Everything needed to reproduce these results: inputs and their '
                    "hashes, model, parameters, seeds and software versions.</p>\n"
                    + _render_kv(manifest) + "\n</section>\n")

    generated = generated or _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    version = getattr(sys.modules.get("core"), "__version__", "")
    scripts: list[str] = []
    if manifest is not None:
        scripts.append(f'<script type="application/json" id="cc-manifest">{json_for_script(manifest)}</script>')
    for spec_id, spec in renderer.specs:
        scripts.append(f'<script type="application/json" id="{spec_id}">{json_for_script(spec)}</script>')
    if renderer.specs:
        options = {"mode": "vega-lite", "actions": False, "tooltip": True, "config": CHART_CONFIG}
        scripts.append('<script type="application/json" id="cc-embed-options">'
                       f"{json_for_script(options)}</script>")
        scripts.append(f"<script>{vega_javascript()}</script>")
        scripts.append(f"<script>{_RUNTIME}</script>")

    nav = (f'<nav class="cc-toc" aria-label="Contents"><h2>Contents</h2><ol>{"".join(toc)}</ol></nav>\n'
           if toc else "")
    sub = f'<p class="cc-subtitle">{_esc(subtitle)}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        f'<meta name="generator" content="Corpus Compass {_esc(version)}">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<div class="cc-page">\n<header><h1>{_esc(title)}</h1>{sub}</header>\n{nav}'
        f"<main>\n{''.join(body)}</main>\n"
        f"<footer>Made with Corpus Compass {_esc(version)} on {_esc(generated)}. This file is "
        "self-contained: it works offline and loads nothing from the network.</footer>\n</div>\n"
        + "\n".join(scripts)
        + "\n</body>\n</html>\n"
    )


def write_report(path: str | os.PathLike, sections: Sequence[ReportSection], **kwargs: Any) -> Path:
    """:func:`render_report` written atomically (temporary sibling, then ``os.replace``) to ``path``."""
    path = Path(path)
    text = render_report(sections, **kwargs)
    atomic_write(path, text)
    return path
