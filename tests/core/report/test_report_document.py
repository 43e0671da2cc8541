"""Tests of the HTML report assembled from an AnalysisResult (core.report.document)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from core.exceptions import ParameterError
from core.load.corpus import Corpus
from core.pipeline.run import run_analysis
from core.pipeline.spec import Analysis
from core.report.document import build_report_sections, render_html_report, write_html_report
from core.results.result import AnalysisResult, make_table

XSS = "<script>alert(1)</script>"
_CACHE: dict[str, AnalysisResult] = {}


class _Scripts(HTMLParser):
    """Collects every <script> element (attributes and text) and every tag name."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []
        self.tags: list[str] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


@pytest.fixture
def result(fake_embedder) -> AnalysisResult:
    if "r" not in _CACHE:
        games = [XSS + " a hostile game", "chess board game", "card game with dice", "puzzle game of blocks",
                 "racing game with cars", "strategy game of war", "maze game for kids", "word game"]
        science = ["physics simulation tool", "chemistry molecule viewer", "astronomy sky charts",
                   "genome sequence aligner", "statistics package for data", "math algebra system",
                   "climate model tools", "plotting library for science"]
        corpora = (Corpus.from_texts(games, name="games <b>"), Corpus.from_texts(science, name="science"))
        spec = Analysis(corpora=corpora, analyses=("depth", "tests", "hubness", "spread", "map"),
                        n_permutations=49, k=3, n_extremes=5)
        _CACHE["r"] = run_analysis(spec, embedder=fake_embedder, cache=False)
    return _CACHE["r"]


def test_sections_and_skip_notes(result):
    titles = [s.title for s in build_report_sections(result)]
    assert titles == ["Overview", "Verdict", "Statistical tests", "Distinctive words and near-duplicates",
                      "Map of the documents",
                      "Central, outlying and separating documents", "Hubness", "Spread and symmetry",
                      "Word shift", "Run time"]
    html = render_html_report(result)
    assert "This part did not run" in html and "not requested" in html  # word shift was switched off
    assert "Model comparison" not in html  # no second model asked for: no empty section


def test_no_unescaped_script_from_data(result):
    html = render_html_report(result)
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; a hostile game" in html  # in a table, escaped
    assert "\\u003cscript\\u003ealert(1)" in html  # in the map's JSON data, escaped
    assert "games &lt;b&gt;" in html and "games <b>" not in html
    parser = _Scripts()
    parser.feed(html)
    # the manifest, one JSON spec per chart, the embed options, then the Vega libraries and runtime
    kinds = [attrs.get("type", "js") for attrs, _ in parser.scripts]
    n_charts = html.count('class="cc-chart"')
    assert kinds == ["application/json"] * (n_charts + 2) + ["js", "js"]
    for attrs, text in parser.scripts:
        assert "alert(1)" not in text or "\\u003cscript\\u003e" in text
    assert "b" not in parser.tags  # the corpus name made no <b> element


def test_map_is_sampled_and_uses_canvas_when_large():
    n = 2100
    docs = make_table("documents", pd.DataFrame({
        "corpus": ["a"] * 1000 + ["b"] * 1100, "doc_id": [str(i) for i in range(n)],
        "text": [f"text {i}" for i in range(n)], "depth": 1.0, "umap_x": np.linspace(0, 1, n),
        "umap_y": np.linspace(1, 0, n), "k_occurrence": 3.0, "classifier_prob": 0.5}))
    corpora = make_table("corpora", [{"corpus": c, "n_documents": m, "source": f"{c}.csv", "fingerprint": "f",
                                      "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0}
                                     for c, m in (("a", 1000), ("b", 1100))])
    result = AnalysisResult(corpora=corpora, documents=docs, manifest={"parameters": {"map_max_points": 1800}})
    html = render_html_report(result)
    assert 'data-cc-renderer="canvas"' in html
    assert "showing 1,800 of 2,100 documents" in html
    assert "All 2,100 documents are counted in the grey cells" in html
    assert "a random sample of 1,800 is drawn as points (at most 1,800" in html
    small = render_html_report(result, map_max_points=100)
    assert 'data-cc-renderer="svg"' in small and "showing 100 of 2,100" in small


def test_write_and_invalid(result, tmp_path):
    path = write_html_report(result, tmp_path / "r.html", title="My <title>")
    text = path.read_text(encoding="utf-8")
    assert "<title>My &lt;title&gt;</title>" in text
    with pytest.raises(ParameterError, match="result must be an AnalysisResult"):
        build_report_sections("result")
    with pytest.raises(ParameterError, match="map_max_points must be a positive integer"):
        build_report_sections(result, map_max_points=0)


@pytest.mark.slow
@pytest.mark.browser
def test_report_renders_offline_in_chromium(chromium, result, tmp_path):
    path = write_html_report(result, tmp_path / "report.html")
    url = path.as_uri()
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requested, dialogs, errors = [], [], []

    def only_the_file(route):
        requested.append(route.request.url)
        route.continue_() if route.request.url == url else route.abort()

    page.route("**/*", only_the_file)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url)
        n = page.locator("div.cc-chart").count()
        assert n == 4  # map, depth, k-occurrence, eigenspectrum (the tests are a table, not a p-value chart)
        page.wait_for_function(
            f"document.querySelectorAll('div.cc-chart[data-cc-rendered]').length === {n}", timeout=60_000)
        states = page.eval_on_selector_all("div.cc-chart", "els => els.map(e => e.dataset.ccRendered)")
        assert states == ["true"] * n
        assert page.locator("div.cc-chart svg").count() == n
    finally:
        page.close()
    assert dialogs == [] and errors == [] and requested == [url]


def _words_result(significant: bool) -> AnalysisResult:
    texts = {"a": ["The <b>engine</b> & the board.", "Another engine here."], "b": ["An engine of <i>inference</i>."]}
    docs = make_table("documents", pd.DataFrame({
        "corpus": ["a", "a", "b"], "doc_id": ["0", "1", "2"], "text": texts["a"] + texts["b"], "depth": 1.0,
        "umap_x": np.nan, "umap_y": np.nan, "k_occurrence": np.nan, "classifier_prob": np.nan}))
    corpora = make_table("corpora", [{"corpus": c, "n_documents": m, "source": f"{c}.csv", "fingerprint": "f",
                                      "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0}
                                     for c, m in (("a", 2), ("b", 1))])
    words = make_table("words", [
        {"word": w, "corpus_a": "a", "corpus_b": "b", "shift": s, "freq_a": 30, "freq_b": 25,
         "neighbours_a": "car motor", "neighbours_b": "<script>x</script>", "method": "cade", "shift_cade": s,
         "shift_contextual": np.nan, "noise": 0.1, "z": 5.0, "p_value": 1e-6, "q_value": 1e-5,
         "significant": significant and w == "engine"}
        for w, s in (("engine", 0.6), ("board", 0.2))])
    vocab = make_table("word_vocab", [{"word": "engine", "freq:a": 30, "freq:b": 25}])
    return AnalysisResult(corpora=corpora, documents=docs, words=words, word_vocab=vocab,
                          word_vectors={"a": np.ones((1, 2), np.float32), "b": np.ones((1, 2), np.float32)})


def test_word_shift_section_says_what_stands_out_and_shows_escaped_usages():
    html = render_html_report(_words_result(True))
    assert "1 of the 2 words listed shifted beyond sampling noise between a and b" in html
    # usages of the first shifted word: the word marked, the corpus text escaped, neighbours escaped
    assert "The &lt;b&gt;<mark>engine</mark>&lt;/b&gt; &amp; the board." in html
    assert "<th>a (2 occurrences)</th><th>b (1 occurrence)</th>" in html
    assert "<mark>engine</mark> of &lt;i&gt;inference&lt;/i&gt;." in html
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "shift (model&#x27;s token vectors)" not in html  # a method that did not run has no column
    # q in words (1e-5 here), as the tests' p-values are: no scientific notation in what people read
    assert "<td>q &lt; 0.001</td>" in html
    assert not re.search(r"\d\.?\d*e-\d", html.split('<section id="manifest">', 1)[0])
    nothing = render_html_report(_words_result(False))
    assert "No word stands out: none of the 2 words compared between a and b" in nothing


def test_word_shift_section_warns_when_near_duplicates_fill_a_corpus():
    from dataclasses import replace

    base = _words_result(True)
    template = ("The engine of this <b>pack</b> holds the translated menus, the dialogue and the help pages for "
                "{} players, installed in the shared data folder of the game with its fonts and sounds.")
    docs = base.documents.assign(text=[template.format("Welsh"), template.format("Basque"), base.documents["text"][2]])
    html = render_html_report(replace(base, documents=docs))
    assert ("1 of the 2 documents of a (50%) repeat other documents almost word for word (near-duplicates, see "
            "“Distinctive words and near-duplicates”)") in html
    assert "keep one document per group and analyse again" in html and "Data page" not in html
    assert "documents of b" not in html
    assert "repeat other documents" not in render_html_report(base)


def test_report_reads_for_people(result):
    """p-values in words with each test's floor, no words broken mid-token, no developer words, the
    distinctive words and the near-duplicate marks."""
    html = render_html_report(result)
    assert "overflow-wrap: anywhere" not in html and "word-break: normal" in html
    # the readable part: everything before the reproducibility manifest (a record of raw settings)
    text = html.split('<section id="manifest">', 1)[0]
    assert "smallest possible p" in text and ("p &lt; 0.001" in text or "p = " in text)
    assert not re.search(r"\d\.\d+e-\d", text)  # no scientific notation in what people read
    assert "METHODS.md" not in html
    for word in ("--skip", "text_column=", "n_empty_removed", "k_occurrence", "max_test_n"):
        assert word not in text, word
    assert "Distinctive words and near-duplicates" in html and "most distinctive words" in html


def test_word_shift_section_names_the_function_words_shifted_beyond_noise():
    from dataclasses import replace

    base = _words_result(True)
    first = render_html_report(base)
    assert "Function words" not in first  # "engine" is a content word
    # the section says what the ranking can miss: a change in only some of a word's uses
    assert "took a new meaning in only some of its uses moves less" in first
    words = base.words.assign(word=["from", "board"])
    html = render_html_report(replace(base, words=words))
    assert ('<p class="cc-verdict-heading">Function words</p><p>“from” is a function word (English). A '
            "word&#x27;s vector is made from the words around it") in html
    assert "the table keeps them" in html and "Content words only" not in html
    # a function word that did not shift beyond noise is not named
    quiet = render_html_report(replace(base, words=words.assign(word=["engine", "from"])))
    assert "is a function word" not in quiet
