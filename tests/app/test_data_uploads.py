"""AppTests of uploads on the Data page: good files with column choices and precomputed vectors, bad
files (binary, empty, no text column) that show a message while everything loaded stays, and analysis
bundles that open read-only."""

from __future__ import annotations

import io

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app import state
from core.results.result import AnalysisResult, make_table
from tests.app.conftest import MAIN, plain, texts

GOOD = b"id,text,label\n1,the cat sat on the mat,a\n2,a dog ran in the park,b\n3,birds sing at dawn,a\n"


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    at.button(key="load_samples").click().run()
    assert list(at.dataframe[0].value["corpus"]) == ["games", "science", "libdevel"]
    return at


def _upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, mime))
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.error]


def _loaded(at: AppTest) -> list[str]:
    return list(at.session_state[state.CORPORA])


@pytest.mark.parametrize("name, data, message", [
    ("binary.csv", bytes(range(256)) * 8, "binary.csv does not look like text"),
    ("empty.csv", b"", "empty.csv contains no documents: the file is empty"),
    ("nothing.jsonl", b"\n\n", "nothing.jsonl"),
])
def test_unreadable_uploads_show_a_message_and_keep_the_loaded_corpora(app: AppTest, name, data, message) -> None:
    _upload(app, name, data)
    assert not app.exception
    errors = _errors(app)
    assert len(errors) == 1 and message in errors[0]
    assert _loaded(app) == ["games", "science", "libdevel"]
    assert list(app.dataframe[0].value["corpus"]) == ["games", "science", "libdevel"]


def test_a_file_without_a_text_column_shows_a_message_and_keeps_the_loaded_corpora(app: AppTest) -> None:
    _upload(app, "numbers.csv", b"a,b\n1,2\n3,4\n")
    assert not app.exception
    errors = _errors(app)
    assert len(errors) == 1 and "numbers.csv: no column holds text" in errors[0]
    assert "text_column=" not in errors[0]
    assert _loaded(app) == ["games", "science", "libdevel"]
    # the columns are offered to choose from; a column of numbers is refused with its own message
    pick = next(s for s in app.selectbox if s.key.startswith("text_col_"))
    assert pick.options == ["a", "b"]
    pick.set_value("a")
    next(b for b in app.button if b.key.startswith("load_with_")).click().run()
    errors = _errors(app)
    assert len(errors) == 1 and "column 'a' of numbers.csv holds no text" in errors[0]
    assert _loaded(app) == ["games", "science", "libdevel"]


def test_an_upload_loads_at_once_and_its_columns_change_afterwards(app: AppTest) -> None:
    _upload(app, "pets.csv", GOOD)
    assert not app.exception
    # no further click: the file is a corpus, its text column inferred
    assert _loaded(app) == ["games", "science", "libdevel", "pets"]
    assert any("Loaded “pets” (3 documents)." in plain(s.value) for s in app.success)
    corpus = app.session_state[state.CORPORA]["pets"]
    assert corpus.texts[0] == "the cat sat on the mat" and corpus.report.text_column_inferred
    assert len(app.session_state[state.INPUT_HASHES]["pets"]) == 64
    shown = plain(texts(app))
    assert "text column “text”: the longest mean length" in shown
    text_col = app.selectbox(key="text_col_pets")
    assert text_col.value == "text" and text_col.options == ["id", "text", "label"]
    # label columns chosen afterwards: the file is read again at once
    app.multiselect(key="meta_pets").set_value(["label"]).run()
    assert not app.exception
    assert list(app.session_state[state.CORPORA]["pets"].metadata.columns) == ["label"]
    # another text column, and a new name
    app.selectbox(key="text_col_pets").set_value("label").run()
    assert app.session_state[state.CORPORA]["pets"].texts == ("a", "b")  # duplicates removed
    app.text_input(key="name_pets").set_value("animals").run()
    assert _loaded(app) == ["games", "science", "libdevel", "animals"]
    assert "animals" in app.session_state[state.INPUT_HASHES]
    overview = app.dataframe[0].value
    assert overview[overview["corpus"] == "animals"]["documents"].iloc[0] == 2


def test_two_files_chosen_at_once_both_load(app: AppTest) -> None:
    app.get("file_uploader")[0].set_value([("one.csv", GOOD, "text/csv"),
                                           ("two.txt", b"first line\nsecond line\n", "text/plain")])
    app.run()
    assert not app.exception and not app.error
    assert _loaded(app) == ["games", "science", "libdevel", "one", "two"]
    assert any("Loaded “one” (3 documents), “two” (2 documents)." in plain(s.value) for s in app.success)


def test_an_upload_with_a_vector_column(app: AppTest) -> None:
    data = b'text,vec\nalpha beta gamma,"[1, 0, 0]"\ngamma delta epsilon,"[0, 1, 0]"\n'
    _upload(app, "vecs.csv", data)
    assert app.session_state[state.CORPORA]["vecs"].vectors is None
    app.selectbox(key="vec_col_vecs").set_value("vec").run()
    assert not app.exception and not app.error
    corpus = app.session_state[state.CORPORA]["vecs"]
    np.testing.assert_array_equal(corpus.vectors, [[1, 0, 0], [0, 1, 0]])
    assert "vecs · 2 documents · own vectors" in " ".join(m.value for m in app.sidebar.markdown)


def test_attach_precomputed_vectors_from_npy() -> None:
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    at.get("file_uploader")[0].set_value(("pets.csv", GOOD, "text/csv"))
    at.run()
    uploader = next(u for u in at.get("file_uploader") if u.proto.label.startswith("Vectors for pets"))
    good, bad = io.BytesIO(), io.BytesIO()
    np.save(good, np.eye(3, 4, dtype=np.float32))
    np.save(bad, np.ones((2, 4), dtype=np.float32))
    uploader.set_value(("wrong.npy", bad.getvalue(), "application/octet-stream"))
    at.run()
    at.button(key="attach_pets").click().run()
    assert not at.exception
    assert any("3" in e and "2" in e for e in _errors(at))  # says both row counts
    assert at.session_state[state.CORPORA]["pets"].vectors is None
    uploader = next(u for u in at.get("file_uploader") if u.proto.label.startswith("Vectors for pets"))
    uploader.set_value(("pets.npy", good.getvalue(), "application/octet-stream"))
    at.run()
    at.button(key="attach_pets").click().run()
    assert not at.exception and not at.error
    np.testing.assert_array_equal(at.session_state[state.CORPORA]["pets"].vectors, np.eye(3, 4))


def _bundle() -> bytes:
    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": 1, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0} for c in ("old", "new")])
    verdicts = make_table("verdicts", [{"corpus_a": "old", "corpus_b": "new", "headline": "They differ a lot",
                                        "text": "We compared 'old' with 'new'."}])
    return AnalysisResult(corpora=corpora, verdicts=verdicts).to_bundle_bytes()


def test_an_uploaded_bundle_opens_read_only(app: AppTest) -> None:
    bundle = next(u for u in app.get("file_uploader") if u.proto.label == "Analysis bundle (.zip)")
    bundle.set_value(("analysis.zip", _bundle(), "application/zip"))
    app.run()
    app.button(key="data_bundle_open").click().run()
    assert not app.exception
    assert app.title[0].value == "Compare corpora"
    shown = plain(texts(app))
    assert "They differ a lot" in shown
    assert "Read-only view of an analysis opened from the bundle analysis.zip" in shown
    # the Data page now shows the bundle's corpora, without upload controls
    app.switch_page("views/data.py").run()
    assert app.dataframe[0].value["corpus"].tolist() == ["old", "new"]
    assert not app.get("file_uploader")
    # leaving the read-only view gives the session back, with the corpora it had loaded
    app.button(key="close_read_only").click().run()
    assert _loaded(app) == ["games", "science", "libdevel"]
    assert app.get("file_uploader")


def test_a_file_that_is_not_a_bundle_shows_a_message(app: AppTest) -> None:
    bundle = next(u for u in app.get("file_uploader") if u.proto.label == "Analysis bundle (.zip)")
    bundle.set_value(("fake.zip", b"PK\x03\x04 this is not really a zip", "application/zip"))
    app.run()
    app.button(key="data_bundle_open").click().run()
    assert not app.exception
    errors = _errors(app)
    assert len(errors) == 1 and errors[0].startswith("fake.zip cannot be opened as an analysis bundle")
    assert state.SHARED_SOURCE not in app.session_state or app.session_state[state.SHARED_SOURCE] is None
    assert _loaded(app) == ["games", "science", "libdevel"]


def test_the_same_file_chosen_again_is_not_loaded_twice(app: AppTest) -> None:
    _upload(app, "pets.csv", GOOD)
    app.get("file_uploader")[0].set_value([("pets.csv", GOOD, "text/csv"),
                                           ("two.txt", b"first line\nsecond line\n", "text/plain")])
    app.run()
    assert _loaded(app) == ["games", "science", "libdevel", "pets", "two"]
    assert any("Loaded “two” (2 documents)." in plain(s.value) for s in app.success)
