"""AppTests of what the dashboard presents as current: a result of other corpora or settings is flagged
on every results page with a one-click rerun; near-duplicates and distinctive words on the Data page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app import state
from tests.app.conftest import MAIN, plain, small_sample, texts

RESULT_PAGES = ["map", "compare", "geometry", "models", "words", "report"]
FAST = ["depth", "tests"]
NOTICE = "These results are of an earlier analysis, not of what is loaded now."


@pytest.fixture(scope="module")
def three_small():
    return [small_sample("games", 60), small_sample("science", 60), small_sample("libdevel", 60)]


def _session(corpora, page: str = "embed") -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=120)
    at.session_state[state.CORPORA] = {c.name: c for c in corpora}
    at.switch_page(f"views/{page}.py")
    at.run()
    return at


@pytest.mark.slow
def test_changed_corpora_are_flagged_on_every_results_page_and_one_click_reruns(three_small) -> None:
    at = _session(three_small)
    at.pills(key="analyses").set_value(FAST)
    at.button(key="run_analysis").click().run()
    assert not at.exception and not at.error
    first = at.session_state[state.RESULT]
    assert first.corpus_names == ["games", "science", "libdevel"]
    for page in RESULT_PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert NOTICE not in plain(texts(at)), page  # the result is of what is loaded
    # remove a corpus: every results page says so at the top, naming it
    del at.session_state[state.CORPORA]["libdevel"]
    for page in RESULT_PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, page
        warning = plain(at.warning[0].value)
        assert NOTICE in warning and "No longer loaded: libdevel" in warning, (page, warning)
        assert [b.label for b in at.button if b.key == "stale_rerun"] == ["Rerun the analysis on the loaded corpora"]
    # one click reruns the analysis, with the same settings, on the corpora loaded now
    at.button(key="stale_rerun").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    second = at.session_state[state.RESULT]
    assert second is not first and second.corpus_names == ["games", "science"]
    assert set(second.tests["test"]) == {"depth", "mmd", "energy", "classifier"}
    assert second.hubness.empty  # the same analyses as before (hubness was not selected)
    at.switch_page("views/compare.py").run()
    assert NOTICE not in plain(texts(at))
    # a corpus whose documents changed under the same name is flagged too
    at.session_state[state.CORPORA]["science"] = small_sample("science", 50)
    at.switch_page("views/geometry.py").run()
    assert "Changed since the analysis (other documents): science" in plain(at.warning[0].value)


TEMPLATE = ("tesseract-ocr language files for {}. Tesseract is an open source optical character "
            "recognition engine. This package contains the data files required to recognize {} text.")
LANGS = ["Afrikaans", "Albanian", "Amharic", "Arabic", "Basque", "Bengali"]


def test_data_page_lists_near_duplicates_and_keeps_one_per_group() -> None:
    from core.load.corpus import Corpus

    graphics = Corpus.from_texts([TEMPLATE.format(x, x) for x in LANGS] + [
        "An image viewer for many formats with thumbnails and slideshows.",
        "Vector drawing program with layers, paths and gradients."], name="graphics")
    sound = Corpus.from_texts(["A digital audio workstation for recording and mixing tracks.",
                               "Command-line tool to convert between audio file formats.",
                               "Music notation editor that plays back scores."], name="sound")
    at = _session([graphics, sound], page="data")
    assert not at.exception
    shown = plain(texts(at)).replace("**", "")
    assert "6 of 11 documents form 1 group of near-duplicates; keeping one document per group would remove 5" in shown
    assert "Jaccard similarity ≥ 0.5" in shown  # the threshold is stated
    groups = next(d.value for d in at.dataframe if "documents" in d.value.columns and "group" in d.value.columns)
    assert groups["documents"].tolist() == [6]
    at.button(key="dedupe").click().run()
    kept = at.session_state[state.CORPORA]["graphics"]
    assert len(kept) == 3 and kept.texts[0] == TEMPLATE.format("Afrikaans", "Afrikaans")
    assert "No near-duplicates among the 6 documents." in plain(texts(at))
    assert "5 near-duplicates removed (one document kept per group)" in plain(texts(at))


def test_data_page_distinctive_words_and_histogram() -> None:
    at = _session([small_sample("games", 120), small_sample("libdevel", 120)], page="data")
    assert not at.exception
    labels = [t.label for t in at.tabs]
    assert labels[:4] == ["Zipf plot", "Document lengths", "Distinctive words", "Most frequent words"]
    tables = [d.value for d in at.dataframe if "z" in d.value.columns]
    assert len(tables) == 2
    games = tables[0]
    assert games["z"].is_monotonic_decreasing and (games["z"] > 0).all()
    assert games["word"].iloc[0] == "game"  # the most frequent word, "the", is not first
    assert "package" in tables[1]["word"].tolist()[:3]
    assert len(at.get("vega_lite_chart")) == 2  # the Zipf plot and the length histogram
    shown = plain(texts(at))
    for raw in ("tokens_from", "k_occurrence", "n_empty_removed", "METHODS.md"):
        assert raw not in shown


def test_report_page_offers_the_distinctive_words_csv(analysis_result) -> None:
    import io

    import pandas as pd

    from core.analysis.distinctive import distinctive_words
    from tests.app.conftest import open_page

    at = open_page("report", analysis_result)
    assert not at.exception
    button = next(b for b in at.get("download_button") if b.proto.label == "distinctive_words.csv")
    assert button.proto.label == "distinctive_words.csv"
    docs = analysis_result.documents
    expected = distinctive_words(list(docs["corpus"]), list(docs["text"]), top=30)
    from app import cache

    csv = cache.frame_csv(expected, "check", "distinctive")
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert table.columns.tolist() == ["corpus", "rank", "word", "count", "count_others", "log_odds", "z"]
    assert len(table) == len(expected) and set(table["corpus"]) == set(docs["corpus"])
