"""The offline HTML report: everything escaped, nothing external, charts drawn in a real browser."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.exceptions import InputError, ParameterError
from core.report import (
    ChartBlock,
    KeyValueBlock,
    Paragraph,
    ReportSection,
    TableBlock,
    Verdict,
    chart_to_spec,
    format_value,
    json_for_script,
    map_chart,
    render_report,
    significance_chart,
    vega_javascript,
    write_report,
)

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
EVIL = f"{XSS_SCRIPT}{XSS_IMG} </script><!-- & \" ' \u2028"


class Parsed(HTMLParser):
    """Elements, attributes, script bodies and text of a document, as a browser's tokenizer sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict | None = None
        self._body: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._body = dict(attrs), []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._body)))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._body.append(data)
        else:
            self.text.append(data)

    def named(self, tag: str) -> list[dict]:
        return [attrs for t, attrs in self.tags if t == tag]


@pytest.fixture
def hostile_docs(rng) -> pd.DataFrame:
    n = 40
    return pd.DataFrame({
        "umap_x": rng.normal(size=n), "umap_y": rng.normal(size=n),
        "corpus": [EVIL if i % 2 else "plain" for i in range(n)],
        "text": [f"{i} {EVIL}" for i in range(n)],
        EVIL: rng.uniform(size=n),
    })


def _tests_frame() -> pd.DataFrame:
    return pd.DataFrame({"test": ["depth", EVIL], "reference": ["A", EVIL], "other": [EVIL, "A"],
                         "pvalue_adjusted": [3.2e-12, 0.281851]})


def _hostile_report(docs: pd.DataFrame, **kwargs) -> tuple[str, list]:
    charts = [map_chart(docs, tooltip_columns=[EVIL]), significance_chart(_tests_frame())]
    sections = [
        ReportSection(f"Compare {EVIL}", f"intro {EVIL}", [
            Verdict(f"verdict {EVIL}", heading=f"heading {EVIL}", tone="difference"),
            Paragraph(f"first {EVIL}\n\nsecond {EVIL}"),
            f"plain string {EVIL}",
            ChartBlock(charts[0], caption=f"caption {EVIL}"),
            TableBlock(docs[["corpus", "text", EVIL]], caption=f"table {EVIL}"),
        ]),
        ReportSection("Tests", "", [charts[1], _tests_frame(), {EVIL: {EVIL: [EVIL, 1.5]}}]),
    ]
    manifest = {"inputs": [{"file": f"{EVIL}.csv", "sha256": "ab" * 32}], EVIL: np.float32(0.5),
                "nan": float("nan")}
    html = render_report(sections, title=f"Report {EVIL}", subtitle=EVIL, manifest=manifest,
                         generated="2026-01-01 00:00 UTC", **kwargs)
    return html, charts


# --------------------------------------------------------------------------- escaping


def test_user_text_never_becomes_markup(hostile_docs):
    html, _charts = _hostile_report(hostile_docs)
    doc = Parsed(html)
    # exactly the scripts the report puts in: manifest, 2 chart specs, options, Vega, runtime
    kinds = [(attrs.get("type"), attrs.get("id")) for attrs, _ in doc.scripts]
    assert kinds == [("application/json", "cc-manifest"), ("application/json", "cc-spec-1"),
                     ("application/json", "cc-spec-2"), ("application/json", "cc-embed-options"),
                     (None, None), (None, None)]
    assert len(doc.named("script")) == 6
    assert doc.named("img") == [] and doc.named("iframe") == [] and doc.named("object") == []
    allowed = {"html", "head", "meta", "title", "style", "body", "div", "header", "h1", "h2", "p", "nav",
               "ol", "li", "a", "main", "section", "figure", "figcaption", "table", "caption", "thead",
               "tbody", "tr", "th", "td", "dl", "dt", "dd", "footer", "script"}
    assert {t for t, _ in doc.tags} <= allowed
    assert not any(k.startswith("on") for _, attrs in doc.tags for k in attrs)
    text = "".join(doc.text)
    # the hostile strings are all there, as text
    assert text.count(XSS_SCRIPT) >= 10 and XSS_IMG in text
    assert f"Report {EVIL}" in text and f"caption {EVIL}" in text and f"{EVIL}.csv" in text


def test_long_cells_are_truncated_with_the_full_text_in_the_title(hostile_docs):
    long_text = f"{EVIL} " + "word " * 100
    df = pd.DataFrame({"text": [long_text], "n": [12]})
    html = render_report([ReportSection("T", "", [TableBlock(df, max_chars=50)])], title="t")
    doc = Parsed(html)
    cells = doc.named("td")
    assert cells[0]["title"] == long_text  # the attribute parses back to the exact original
    visible = [t for t in doc.text if t.startswith(XSS_SCRIPT)]
    assert len(visible[0]) == 50 and visible[0].endswith("…")
    assert cells[1] == {"class": "num"}


def test_script_json_round_trips_and_cannot_break_out(hostile_docs):
    html, charts = _hostile_report(hostile_docs)
    doc = Parsed(html)
    bodies = {attrs.get("id"): body for attrs, body in doc.scripts if attrs.get("type")}
    for body in bodies.values():
        assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(bodies["cc-spec-1"]) == chart_to_spec(charts[0])
    assert json.loads(bodies["cc-spec-2"]) == chart_to_spec(charts[1])
    manifest = json.loads(bodies["cc-manifest"])
    assert manifest[EVIL] == 0.5 and manifest["nan"] is None
    assert manifest["inputs"][0]["file"] == f"{EVIL}.csv"
    options = json.loads(bodies["cc-embed-options"])
    assert options["actions"] is False and options["tooltip"] is True and options["mode"] == "vega-lite"


@given(st.text())
def test_json_for_script_is_inert_and_exact(text):
    out = json_for_script({"t": text, text: [text]})
    assert not re.search(r"[<>&\u2028\u2029]", out)
    assert json.loads(out) == {"t": text, text: [text]}


def test_json_for_script_plain_types():
    out = json.loads(json_for_script({"a": np.int64(3), "b": np.array([1.5, np.inf]), "c": (1, 2)}))
    assert out == {"a": 3, "b": [1.5, None], "c": [1, 2]}


# --------------------------------------------------------------------------- offline


def test_no_external_urls(hostile_docs):
    html, _ = _hostile_report(hostile_docs)
    js = vega_javascript()
    assert html.count(js) == 1
    outside = html.replace(js, "")
    assert "http://" not in outside and "https://" not in outside and "//cdn" not in outside
    doc = Parsed(html)
    for tag, attrs in doc.tags:
        for key in ("src", "href", "action", "formaction", "srcset", "xlink:href", "data"):
            if key in attrs:
                assert key == "href" and attrs[key].startswith("#"), (tag, key, attrs[key])
    csp = [a["content"] for a in doc.named("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert len(csp) == 1 and "connect-src 'none'" in csp[0] and "default-src 'none'" in csp[0]


def test_vega_bundle_is_safe_to_inline():
    js = vega_javascript()
    assert "</script" not in js.lower() and "<!--" not in js
    assert "window.vegaEmbed=" in js.replace(" ", "")


def test_static_fallback_is_an_inert_data_image(hostile_docs):
    html = render_report([ReportSection("Map", "", [ChartBlock(map_chart(hostile_docs), caption=EVIL)])],
                         title="t", static_fallback=True)
    doc = Parsed(html)
    imgs = doc.named("img")
    assert len(imgs) == 1 and imgs[0]["alt"] == EVIL
    assert imgs[0]["src"].startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(imgs[0]["src"].split(",", 1)[1]).decode("utf-8")
    assert svg.startswith("<svg") and "<script" not in svg and "&lt;script&gt;" in svg
    assert "<noscript><img" in html


def test_report_without_charts_has_no_javascript():
    html = render_report([ReportSection("Only text", "hello", ["a paragraph"])], title="t")
    assert Parsed(html).scripts == []


# --------------------------------------------------------------------------- content


def test_numbers_are_formatted():
    assert format_value(3.2e-12) == "3.200e-12"
    assert format_value(0.281851) == "0.2819"
    assert format_value(1.707107) == "1.707"
    assert format_value(12345.678) == "12346"
    assert format_value(2.5e7) == "2.500e+07"
    assert format_value(np.float32(0.5)) == "0.5"
    assert format_value(0.0) == "0" and format_value(-0.25) == "-0.25"
    assert format_value(float("nan")) == "n/a" and format_value(None) == "n/a" and format_value(pd.NaT) == "n/a"
    assert format_value(float("inf")) == "∞"
    assert format_value(np.int64(123456789)) == "123456789"
    assert format_value(True) == "yes" and format_value(np.bool_(False)) == "no"
    assert format_value(["a", 0.5]) == "a, 0.5"
    assert format_value(1.23456, digits=2) == "1.2"


def test_table_rows_are_capped_with_a_note():
    df = pd.DataFrame({"x": np.arange(300)})
    html = render_report([ReportSection("T", "", [TableBlock(df, max_rows=10)])], title="t")
    doc = Parsed(html)
    assert len(doc.named("tr")) == 11  # header + 10
    assert "Showing the first 10 of 300 rows" in "".join(doc.text)


def test_sections_toc_and_manifest():
    html = render_report([ReportSection("One", "", []), ReportSection("Two", "", [])], title="t",
                         manifest={"seed": 1, "model": {"name": "m", "sha256": "ab"}})
    doc = Parsed(html)
    assert [a["href"] for a in doc.named("a")] == ["#section-1", "#section-2", "#manifest"]
    assert [a["id"] for a in doc.named("section")] == ["section-1", "section-2", "manifest"]
    text = "".join(doc.text)
    assert "Reproducibility manifest" in text and "sha256" in text
    assert len(doc.named("dl")) == 2  # the manifest and its nested model


def test_verdict_and_key_values_render():
    html = render_report([ReportSection("V", "", [
        Verdict("They differ.", heading="Result", tone="similar"),
        KeyValueBlock({"documents": 12, "p": 0.01}, caption="Figures"),
    ])], title="t")
    doc = Parsed(html)
    assert any(a.get("class") == "cc-verdict cc-similar" for a in doc.named("div"))
    text = "".join(doc.text)
    assert "Result" in text and "They differ." in text and "Figures" in text and "0.01" in text


@pytest.mark.parametrize("make, exc, match", [
    (lambda: Verdict("x", tone="red"), ParameterError, "tone must be one of"),
    (lambda: TableBlock([1, 2]), InputError, "TableBlock.frame must be a DataFrame"),
    (lambda: TableBlock(pd.DataFrame(), max_rows=0), ParameterError, "max_rows must be an integer >= 1"),
    (lambda: TableBlock(pd.DataFrame(), max_chars=1), ParameterError, "max_chars must be an integer >= 2"),
    (lambda: ChartBlock({}, renderer="webgl"), ParameterError, "renderer must be 'svg' or 'canvas'"),
    (lambda: render_report(ReportSection("a"), title="t"), ParameterError, "list of ReportSection"),
    (lambda: render_report(["a"], title="t"), ParameterError, "must hold ReportSection objects"),
    (lambda: render_report([], title="t", manifest=[1]), ParameterError, "manifest must be a dict"),
    (lambda: render_report([ReportSection("a", "", [3.5])], title="t"), InputError,
     "a report block must be"),
])
def test_invalid_parameters(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_write_report_is_atomic(tmp_path):
    sections = [ReportSection("A", "intro", ["text"])]
    path = write_report(tmp_path / "report.html", sections, title="t", generated="now")
    assert path.read_text(encoding="utf-8") == render_report(sections, title="t", generated="now")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# --------------------------------------------------------------------------- real browser


@pytest.mark.slow
@pytest.mark.browser
def test_report_renders_offline_in_chromium(chromium, tmp_path, hostile_docs):
    html, _ = _hostile_report(hostile_docs)
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    url = path.as_uri()

    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    requested, dialogs, errors = [], [], []

    def only_the_file(route):
        requested.append(route.request.url)
        route.continue_() if route.request.url == url else route.abort()

    page.route("**/*", only_the_file)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url)
        page.wait_for_function(
            "document.querySelectorAll('div.cc-chart[data-cc-rendered]').length === 2", timeout=30_000)
        states = page.eval_on_selector_all("div.cc-chart", "els => els.map(e => e.dataset.ccRendered)")
        assert states == ["true", "true"]
        points = page.locator("#cc-chart-1 svg g.mark-symbol.role-mark path")
        assert points.count() == len(hostile_docs)
        assert page.locator("#cc-chart-2 svg g.mark-symbol.role-mark path").count() == 2
        # hover a point: the tooltip shows the document text as text
        points.nth(1).scroll_into_view_if_needed()
        box = points.nth(1).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = page.locator("#vg-tooltip-element")
        tooltip.wait_for(state="visible", timeout=5_000)
        assert XSS_SCRIPT in tooltip.inner_text()
        assert page.locator("#vg-tooltip-element img, #vg-tooltip-element script").count() == 0
        assert page.locator("body img").count() == 0
        page.wait_for_timeout(300)
    finally:
        page.close()
    assert dialogs == [] and errors == []
    assert requested == [url]
