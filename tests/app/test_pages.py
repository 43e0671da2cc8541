"""AppTests of the result pages (Map, Compare, Geometry, Models, Word shift, Report) on a complete small
analysis of the sample corpora: the numbers and messages each page shows are the result's."""

from __future__ import annotations

import pandas as pd
import pytest

from app.text import md
from core.report.readings import format_p
from core.results.queries import (
    function_word_note,
    function_words,
    k_occurrence_summary,
    shift_ranking,
    shift_statements,
    word_neighbours,
    word_usages,
)
from core.results.result import AnalysisResult
from tests.app.conftest import open_page, plain, texts

pytestmark = pytest.mark.slow  # the session's analysis takes ~30 s to compute once

PAGES = ["map", "compare", "geometry", "models", "words", "report"]


@pytest.mark.parametrize("page", PAGES)
def test_every_result_page_asks_for_an_analysis_first(page: str) -> None:
    at = open_page(page)
    assert not at.exception
    shown = plain(texts(at))
    assert "run the analysis on the Embed page first" in shown or "the **Embed** page first" in shown
    assert not at.error


@pytest.mark.parametrize("page", PAGES)
def test_every_result_page_explains_its_numbers_and_cites_the_method(page: str, analysis_result) -> None:
    at = open_page(page, analysis_result)
    assert not at.exception, at.exception
    assert not at.error
    shown = texts(at)
    assert len(at.title) == 1
    if page != "report":
        assert "Method:" in shown
        assert any(link.proto.label == "How this is computed (methods)" for link in at.get("page_link"))
    assert "METHODS.md" not in shown


def test_map_page(analysis_result: AnalysisResult) -> None:
    at = open_page("map", analysis_result)
    colour = at.selectbox(key="map_colour")
    assert colour.options[0] == "corpus"
    assert "label: section" in colour.options
    assert "depth (centrality in its own corpus)" in colour.options
    assert "hubness N_k (times among others' nearest neighbours)" in colour.options
    assert "classifier probability of another corpus" in colour.options
    assert "Nothing selected: drag a rectangle" in texts(at)
    # every document is mappable and fewer than the display limit: no sampling note
    assert "random sample" not in texts(at)
    button = at.get("download_button")[0]
    assert button.proto.label == "Download the coordinates (CSV)"
    colour.set_value("classifier probability of another corpus").run()
    assert not at.exception
    assert "own corpus against the rest" in texts(at)


def test_compare_page_shows_the_verdict_and_tests(analysis_result: AnalysisResult) -> None:
    at = open_page("compare", analysis_result)
    shown = plain(texts(at))
    verdict = analysis_result.verdicts.iloc[0]
    assert (verdict["corpus_a"], verdict["corpus_b"]) == ("games", "science")
    assert verdict["headline"] in shown
    assert verdict["text"] in shown
    depth = at.dataframe[0].value
    expected = analysis_result.depth_tests
    expected = expected[expected["reference"].isin(["games", "science"]) & expected["other"].isin(["games", "science"])]
    assert depth["W"].tolist() == pytest.approx(expected["W"].tolist())
    assert depth["p"].tolist() == [format_p(p) for p in expected["pvalue"]]  # "p < 0.001", never 8.4e-202
    assert depth["Q"].tolist() == pytest.approx(expected["Q"].tolist())
    tests = at.table[0].value
    assert set(tests["test"]) == {"Depth rank-sum test", "MMD", "Energy distance", "Classifier test"}
    # each permutation test states its floor, 1 / (199 + 1); the depth test has none
    floors = dict(zip(tests["test"], tests["smallest possible p"]))
    assert floors["MMD"] == "0.005 (199 permutations)" and floors["Depth rank-sum test"].startswith("no floor")
    assert tests["effect size (how large)"].str.contains("AUC = ").any()
    assert not any("e-" in p for p in tests["p"])
    # no chart of p-values across tests with different floors
    assert not at.get("vega_lite_chart")
    # the pair selector switches the verdict
    at.selectbox(key="compare_pair").set_value(("science", "libdevel")).run()
    other = analysis_result.verdicts
    other = other[(other["corpus_a"] == "science") & (other["corpus_b"] == "libdevel")].iloc[0]
    assert other["headline"] in plain(texts(at))


def test_compare_page_lists_central_and_outlying_documents(analysis_result: AnalysisResult) -> None:
    at = open_page("compare", analysis_result)
    extremes = analysis_result.extremes
    central = extremes[(extremes["corpus"] == "games") & (extremes["kind"] == "central")]
    tables = [d.value for d in at.dataframe]
    shown = next(t for t in tables if "rank" in t.columns and "value" in t.columns)
    assert shown["doc_id"].tolist() == central["doc_id"].tolist()
    assert shown["value"].tolist() == pytest.approx(central["value"].tolist())
    assert [t.label for t in at.tabs][:2] == ["Most central", "Most outlying"]


def test_geometry_page(analysis_result: AnalysisResult) -> None:
    at = open_page("geometry", analysis_result)
    reading = at.table[0].value
    pooled = analysis_result.hubness
    pooled = pooled[(pooled["scope"] == "all") & (pooled["method"] == "none")].iloc[0]
    assert reading["measure"].tolist()[:2] == ["k-skewness", "Robin Hood index"]
    assert reading["value"].iloc[0] == f"{pooled['k_skewness']:.3g}"
    assert (reading["what this value means here"].str.len() > 10).all()
    assert "None" not in reading["value"].tolist()
    hub = at.dataframe[0].value
    assert hub["k_skewness"].tolist() == pytest.approx(analysis_result.hubness["k_skewness"].tolist())
    assert set(hub["method"]) == {"none (as embedded)", "CSLS"}  # before and after the reduction
    assert "note" not in hub.columns
    if analysis_result.hubness["knn_accuracy"].isna().all():
        assert "knn_accuracy" not in hub.columns  # never a column of "None"
    k = int(analysis_result.hubness["k"].iloc[0])
    summary = at.dataframe[1].value
    pd.testing.assert_frame_equal(summary.reset_index(drop=True),
                                  k_occurrence_summary(analysis_result.documents, k=k))
    shown = texts(at)
    assert "IsoScore" in shown and "poor measure of spread" in shown
    spread = next(d.value for d in at.dataframe if "isoscore" in d.value.columns)
    assert spread["isoscore"].tolist() == pytest.approx(analysis_result.spread["isoscore"].tolist())
    symmetry = next(d.value for d in at.dataframe if "centring score before" in d.value.columns)
    sym = analysis_result.symmetry
    after = sym[sym["space"] != "model embeddings"]
    assert set(symmetry["transform"]) == set(after["space"])
    assert symmetry["centring score after"].tolist() == pytest.approx(after["first_moment"].tolist())
    before = sym[sym["space"] == "model embeddings"].set_index("corpus")["first_moment"]
    assert symmetry["centring score before"].tolist() == pytest.approx(
        [before["all" if c == "all corpora" else c] for c in symmetry["corpus"]])


def test_models_page(analysis_result: AnalysisResult) -> None:
    at = open_page("models", analysis_result)
    metrics = {m.label: m.value for m in at.metric}
    mc = analysis_result.model_comparison
    assert metrics["relative cosine"] == f"{mc['relative_cosine']:.3g}"
    assert metrics["kNN overlap"] == f"{mc['knn_jaccard']:.3g}"
    assert metrics["retrieval MRR"] == f"{mc['mrr']:.3g}"
    assert metrics["linear CKA"] == f"{mc['cka']:.3g}"
    reading = at.table[0].value.set_index("measure")
    shared = 2 * mc["knn_jaccard"] / (1 + mc["knn_jaccard"]) * mc["k"]
    assert f"about {shared:.1f} of a document's {int(mc['k'])} neighbours" in reading.loc["kNN overlap",
                                                                                      "what this value means here"]
    assert "0.8–1" in reading.loc["relative cosine", "typical range"]
    table = at.dataframe[0].value
    assert table["doc_id"].tolist() == analysis_result.model_documents["doc_id"].head(200).tolist()


def test_models_page_without_a_second_model_explains_what_to_do(analysis_result: AnalysisResult) -> None:
    from dataclasses import replace

    single = replace(analysis_result, model_comparison={},
                     model_documents=analysis_result.model_documents.iloc[0:0],
                     skipped={**analysis_result.skipped, "models": "no second model given"})
    at = open_page("models", single)
    assert "No second model was run" in plain(texts(at))
    assert "second model" in plain(texts(at)) and "`fast`" in texts(at)
    assert "`default`" not in texts(at)
    assert not at.metric


def test_word_shift_page(analysis_result: AnalysisResult) -> None:
    at = open_page("words", analysis_result)
    assert not at.exception
    table = at.dataframe[0].value
    expected = shift_ranking(analysis_result.words, "games", "science", min_freq=5, top=20)
    assert table["word"].tolist() == expected["word"].tolist()
    assert table["shift"].tolist() == pytest.approx(expected["shift"].tolist())
    assert {"noise", "q_value", "significant", "shift_cade"} <= set(table.columns)
    # the plain statement of how many words stand out, and the usages of the chosen word, escaped
    statement = next(x for x in shift_statements(analysis_result.words)
                 if (x["corpus_a"], x["corpus_b"]) == ("games", "science"))["statement"]
    assert statement in plain(texts(at))
    assert "took a new meaning in only some of its uses moves less" in plain(texts(at))
    usages = word_usages(analysis_result.documents, analysis_result.words, expected["word"].iloc[0],
                         "games", "science", k=5)
    assert at.get("html")[0].proto.body == usages.to_html()
    first = expected["word"].iloc[0]
    left = at.dataframe[1].value
    ours = word_neighbours(analysis_result.word_vocab, analysis_result.word_vectors, first, "games", k=10, min_freq=5)
    assert left["neighbour"].tolist() == ours["neighbour"].tolist()
    # three corpora: a trajectory of the chosen word
    trajectory = at.dataframe[-1].value
    assert trajectory["corpus"].tolist() == ["games", "science", "libdevel"]
    assert trajectory["cosine_to_first"].iloc[0] == pytest.approx(1.0)
    # a stricter frequency filter shortens the list; an unknown word gets a friendly message
    pair = analysis_result.words[(analysis_result.words["corpus_a"] == "games")
                                 & (analysis_result.words["corpus_b"] == "science")]
    threshold = int(pair[["freq_a", "freq_b"]].min(axis=1).median())
    at.number_input(key="words_min_freq").set_value(threshold).run()
    stricter = shift_ranking(analysis_result.words, "games", "science", min_freq=threshold, top=20)
    assert 0 < len(stricter) < len(pair)
    assert at.dataframe[0].value["word"].tolist() == stricter["word"].tolist()
    at.number_input(key="words_min_freq").set_value(100_000).run()
    assert "No word occurs at least 100000 times in both" in plain(texts(at))
    at.text_input(key="words_typed").set_value("qwertyuiop").run()
    assert "not in the word-shift vocabulary" in plain(texts(at))
    assert not at.exception


def test_word_shift_page_warns_when_near_duplicates_fill_a_corpus(analysis_result: AnalysisResult) -> None:
    from dataclasses import replace

    docs = analysis_result.documents.copy()
    games = docs.index[docs["corpus"] == "games"][:30]
    docs.loc[games, "text"] = [f"Language pack for the {lang} version of the game: translated menus, dialogue "
                               f"and help for {lang} players, installed in the shared data folder."
                               for lang in (f"language{i}" for i in range(30))]
    at = open_page("words", replace(analysis_result, documents=docs), token="with-near-duplicates")
    assert not at.exception
    from core.analysis.duplicates import near_duplicates

    found = near_duplicates(list(docs["corpus"]), list(docs["doc_id"]), list(docs["text"])).removable_by_corpus()
    before = near_duplicates(list(analysis_result.documents["corpus"]), list(analysis_result.documents["doc_id"]),
                             list(analysis_result.documents["text"])).removable_by_corpus()
    assert found["games"] >= 29  # the 30 packs are one group
    warnings = [plain(w.value) for w in at.warning]
    share = f"{found['games'] / 220:.0%}"
    assert any(w.startswith(f"{found['games']} of the 220 documents of games ({share}) repeat other documents")
               for w in warnings), warnings
    assert not any("documents of science" in w for w in warnings)
    # the analysis as it was (fewer than 10% of games and of science): no such warning
    assert before.get("games", 0) < 0.10 * 220 and before.get("science", 0) < 0.10 * 220
    assert not any("repeat other documents" in plain(w.value) for w in open_page("words", analysis_result).warning)


def test_word_shift_page_names_function_words_and_can_list_content_words_only(
        analysis_result: AnalysisResult) -> None:
    from dataclasses import replace

    words = analysis_result.words.copy()
    pair = words.index[(words["corpus_a"] == "games") & (words["corpus_b"] == "science")]
    assert len(pair) >= 4
    # two of the listed words become function words shifted beyond noise, as between corpora on
    # different topics; the others keep their rows
    present = set(words.loc[pair, "word"])
    spare = [w for w in ("from", "within", "whereas") if w not in present][:2]
    words.loc[pair[:2], "word"] = spare
    words.loc[pair[:2], "significant"] = True
    at = open_page("words", replace(analysis_result, words=words), token="with-function-words")
    assert not at.exception
    listed = at.dataframe[0].value["word"].tolist()
    assert listed[:2] == spare
    expected = function_word_note(shift_ranking(words, "games", "science", min_freq=5, top=20))
    assert expected.startswith(f"“{spare[0]}” and “{spare[1]}” are function words (English).")
    assert plain(md(expected)) in [plain(i.value) for i in at.info]
    # ticked: the function words leave the list and the chart, the note goes, the ranks start at 1
    at.checkbox(key="words_content_only").check().run()
    assert not at.exception
    content = at.dataframe[0].value
    assert not set(content["word"]) & function_words()
    assert content["word"].tolist() == shift_ranking(words, "games", "science", min_freq=5, top=20,
                                                     content_only=True)["word"].tolist()
    kept = [w for w in listed if w not in function_words()]
    assert content["word"].tolist()[:len(kept)] == kept  # the same order, the function words left out
    assert content["rank"].tolist() == list(range(1, len(content) + 1))
    assert not any("function word" in plain(i.value) for i in at.info)


def test_word_shift_page_when_the_corpora_were_too_small(analysis_result: AnalysisResult) -> None:
    from dataclasses import replace

    from core.results.result import empty_table

    small = replace(analysis_result, words=empty_table("words"), word_vocab=empty_table("word_vocab"),
                    word_vectors={}, skipped={"words": "corpus 'games' has 812 tokens; word2vec needs 10,000"})
    at = open_page("words", small)
    assert "did not run: corpus 'games' has 812 tokens; word2vec needs 10,000" in plain(texts(at))
    assert not at.dataframe


def test_report_page_downloads(analysis_result: AnalysisResult) -> None:
    at = open_page("report", analysis_result)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["documents.csv", "tests.csv", "words.csv", "distinctive_words.csv", "report.html", "manifest.json", "analysis.zip"]
    # the dashboard's words.csv is the command line's, beyond_noise included
    import io

    import pandas as pd

    from app import cache
    from core.report.contract import WORDS_COLUMNS, contract_tables

    frame = pd.read_csv(io.BytesIO(cache.csv_export(analysis_result, "words-csv-test", "words")),
                        encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == list(WORDS_COLUMNS)
    expected = contract_tables(analysis_result)["words"]
    assert frame["beyond_noise"].tolist() == pytest.approx(expected["beyond_noise"].tolist())
    assert frame["beyond_noise"].tolist() == pytest.approx((expected["shift"] - expected["noise"]).tolist())


def test_save_and_share_then_open_the_link_read_only(analysis_result: AnalysisResult, isolated_env) -> None:
    at = open_page("report", analysis_result)
    at.button(key="save_share").click().run()
    assert not at.exception
    assert any("Saved." in s.value for s in at.success)
    link = at.code[0].value
    assert link.startswith("?analysis=")
    analysis_id = link.split("=", 1)[1]
    stored = sorted(p.name for p in (isolated_env / "store").iterdir() if not p.name.startswith("."))
    assert stored == [f"{analysis_id}.json", f"{analysis_id}.zip"]  # the bundle and its record

    # a fresh session opening the link lands on the verdict, read-only
    viewer = open_page("data", query={"analysis": analysis_id})
    assert not viewer.exception
    assert viewer.title[0].value == "Compare corpora"
    shown = plain(texts(viewer))
    assert "Read-only view of an analysis opened from a shared link" in shown
    assert analysis_result.verdicts["headline"].iloc[0] in shown
    # no control that would change or recompute anything, on any page
    viewer.switch_page("views/embed.py").run()
    assert not [b for b in viewer.button if b.key == "run_analysis"]
    assert "cannot be recomputed" in texts(viewer)
    viewer.switch_page("views/data.py").run()
    assert not [b for b in viewer.button if b.key == "load_samples"]
    assert not viewer.get("file_uploader")
    viewer.switch_page("views/report.py").run()
    assert not [b for b in viewer.button if b.key == "save_share"]
    assert viewer.code[0].value == f"?analysis={analysis_id}"


def test_a_shared_analysis_shows_the_warnings_of_its_methods(analysis_result: AnalysisResult) -> None:
    """The methods' warnings are stored in the result: the person who opens the link sees them too."""
    note = "small corpora for word2vec: <b>games</b> (9,000 tokens); read the list as exploratory"
    import dataclasses

    # the fixture's run noted its small corpora itself; start from a result without notes
    bare = dataclasses.replace(analysis_result, manifest={**analysis_result.manifest, "notes": []})
    noted = bare.with_notes([note, "HNSW recall@14 estimated at 0.910"])
    at = open_page("report", noted)
    at.button(key="save_share").click().run()
    analysis_id = at.code[0].value.split("=", 1)[1]

    viewer = open_page("data", query={"analysis": analysis_id})
    assert not viewer.exception and viewer.title[0].value == "Compare corpora"
    assert [e.label for e in viewer.expander if e.label.startswith("Notes from the methods")] == \
        ["Notes from the methods (2)"]
    shown = texts(viewer)
    assert "HNSW recall@14 estimated at 0.910" in plain(shown)
    assert "<b>games</b>" not in shown and r"\<b\>games\</b\>" in shown  # escaped: shown as text, not HTML
    viewer.switch_page("views/words.py").run()
    assert any("read the list as exploratory" in plain(w.value) for w in viewer.warning)
    # without notes there is no such section
    assert not [e for e in open_page("compare", bare).expander if e.label.startswith("Notes")]


@pytest.mark.parametrize("bad", ["../../etc/passwd", "x" * 20, "a" * 31 + "!"])
def test_a_malformed_link_gets_a_friendly_page(bad: str) -> None:
    at = open_page("data", query={"analysis": bad})
    assert not at.exception
    assert at.title[0].value == "This analysis link is not valid"
    assert "passwd" not in texts(at)


def test_an_unknown_link_gets_a_friendly_page() -> None:
    from core.results.store import new_id

    at = open_page("data", query={"analysis": new_id()})
    assert not at.exception
    assert at.title[0].value == "This analysis was not found"
    at.button(key="leave_bad_link").click().run()
    assert at.title[0].value == "Data"
    assert "analysis" not in at.query_params


def test_user_text_is_escaped_in_markdown(analysis_result: AnalysisResult) -> None:
    # corpus names and texts are user data: markdown shows them literally
    assert md("[x](javascript:alert(1))") == r"\[x\]\(javascript\:alert\(1\)\)"
    at = open_page("compare", analysis_result)
    raw = "\n".join(m.value for m in at.markdown)
    assert "](" not in raw


def test_large_maps_draw_every_document_with_webgl() -> None:
    import numpy as np

    from core.results.result import make_table

    rng = np.random.default_rng(0)
    n = 6000
    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": n // 2, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0} for c in ("a", "b")])
    documents = make_table("documents", pd.DataFrame({
        "corpus": ["a"] * (n // 2) + ["b"] * (n // 2), "doc_id": [str(i) for i in range(n)],
        "text": [f"document {i}" for i in range(n)], "depth": rng.uniform(0, 2, n),
        "umap_x": rng.standard_normal(n), "umap_y": rng.standard_normal(n),
        "k_occurrence": rng.poisson(10, n).astype(float), "classifier_prob": rng.uniform(0, 1, n)}))
    at = open_page("map", AnalysisResult(corpora=corpora, documents=documents))
    assert not at.exception
    assert "Every document is drawn: 6,000 points" in texts(at)
    assert "random sample" not in texts(at)
    import json

    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    traces = spec["data"]
    assert {t["type"] for t in traces} == {"scattergl"}
    assert [t["name"] for t in traces] == ["a", "b"]
    import base64

    def count(values) -> int:  # plotly sends long arrays as typed arrays: {"dtype": "f8", "bdata": base64}
        if isinstance(values, list):
            return len(values)
        return len(base64.b64decode(values["bdata"])) // int(values["dtype"][1:])

    assert sum(count(t["x"]) for t in traces) == n
