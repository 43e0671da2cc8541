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
    assert app.selectbox(key=next(s.key for s in app.selectbox if s.key.startswith("text_col_"))).options == [
        "(infer)", "a", "b"]
    add = next(b for b in app.button if b.key.startswith("add_"))
    add.click().run()
    assert not app.exception
    errors = _errors(app)
    assert len(errors) == 1 and "numbers.csv: no column holds text" in errors[0]
    assert _loaded(app) == ["games", "science", "libdevel"]


def test_a_good_upload_with_chosen_columns(app: AppTest) -> None:
    _upload(app, "pets.csv", GOOD)
    text_col = next(s for s in app.selectbox if s.key.startswith("text_col_"))
    assert text_col.options == ["(infer)", "id", "text", "label"]
    text_col.set_value("text")
    next(m for m in app.multiselect if m.key.startswith("meta_")).set_value(["label"])
    next(t for t in app.text_input if t.key.startswith("name_")).set_value("pets")
    app.run()
    next(b for b in app.button if b.key.startswith("add_")).click().run()
    assert not app.exception
    assert any("Added “pets”: 3 documents." in plain(s.value) for s in app.success)
    corpus = app.session_state[state.CORPORA]["pets"]
    assert corpus.texts[0] == "the cat sat on the mat"
    assert list(corpus.metadata.columns) == ["label"]
    assert len(app.session_state[state.INPUT_HASHES]["pets"]) == 64
    overview = app.dataframe[0].value
    assert overview[overview["corpus"] == "pets"]["documents"].iloc[0] == 3


def test_an_upload_with_a_vector_column(app: AppTest) -> None:
    data = b'text,vec\nalpha beta,"[1, 0, 0]"\ngamma delta,"[0, 1, 0]"\n'
    _upload(app, "vecs.csv", data)
    next(s for s in app.selectbox if s.key.startswith("text_col_")).set_value("text")
    next(s for s in app.selectbox if s.key.startswith("vec_col_")).set_value("vec")
    app.run()
    next(b for b in app.button if b.key.startswith("add_")).click().run()
    assert not app.exception and not app.error
    corpus = app.session_state[state.CORPORA]["vecs"]
    np.testing.assert_array_equal(corpus.vectors, [[1, 0, 0], [0, 1, 0]])
    assert "vecs · 2 documents · own vectors" in " ".join(m.value for m in app.sidebar.markdown)


def test_attach_precomputed_vectors_from_npy() -> None:
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.run()
    at.get("file_uploader")[0].set_value(("pets.csv", GOOD, "text/csv"))
    at.run()
    next(b for b in at.button if b.key.startswith("add_")).click().run()
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
