"""Bad input in the dashboard (``streamlit.testing.v1.AppTest`` on ``app/main.py``).

One dashboard session loads the bundled samples with "Load the sample corpora", then receives one bad
upload after another. After each, the page shows the exact message the loader wrote (escaped for
markdown, so ``plain()`` gives back what the reader sees) and the corpora loaded before are all still
listed, in the session and in the "Loaded corpora" table.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest
from robustness_support import HOSTILE_FILENAME, ROOT, tiny_result
from streamlit.testing.v1 import AppTest

from core.exceptions import CorpusCompassWarning

pytestmark = pytest.mark.slow  # one dashboard session, driven through many reruns

MAIN = str(ROOT / "app" / "main.py")
SAMPLE_NAMES = ["games", "science", "libdevel"]


def plain(text: str) -> str:
    """Markdown text with the escapes of app.text.md removed (what the reader sees)."""
    return re.sub(r"\\(.)", r"\1", text)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """A dashboard session with the three samples loaded (shared by the cases of this module)."""
    env = tmp_path_factory.mktemp("dashboard")
    patch = pytest.MonkeyPatch()
    patch.setenv("CORPUS_COMPASS_CACHE_DIR", str(env / "cache"))
    patch.setenv("CORPUS_COMPASS_STORE_DIR", str(env / "store"))
    patch.setenv("CORPUS_COMPASS_EMBEDDER", "tests.conftest:HashingEmbedder")
    patch.delenv("CORPUS_COMPASS_PRELOAD_SAMPLES", raising=False)
    patch.delenv("CORPUS_COMPASS_OPEN_BUNDLE", raising=False)
    at = AppTest.from_file(MAIN, default_timeout=120)
    at.run()
    at.button(key="load_samples").click().run()
    assert not at.exception
    assert list(at.session_state["cc_corpora"]) == SAMPLE_NAMES
    yield at
    patch.undo()


def _listed(at: AppTest) -> list[str]:
    """Corpus names in the session and in the "Loaded corpora" table (they must agree)."""
    in_state = list(at.session_state["cc_corpora"])
    table = next(df.value for df in at.dataframe if "corpus" in getattr(df.value, "columns", []))
    assert list(table["corpus"]) == in_state
    return in_state


def _upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="uploads").set_value([(name, data, "application/octet-stream") for name, data in files])
    at.run()
    assert not at.exception, at.exception
    return at


def _add(at: AppTest, *, text_column: str | None = None) -> AppTest:
    """A chosen file loads at once; with ``text_column``, choose that column for it afterwards."""
    if text_column is not None:
        next(s for s in at.selectbox if s.key and s.key.startswith("text_col_")).set_value(text_column)
        at.run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.error]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _declaring(data: bytes, size: int) -> bytes:
    out = bytearray(data)
    struct.pack_into("<I", out, 22, size)
    struct.pack_into("<I", out, out.rfind(b"PK\x01\x02") + 24, size)
    return bytes(out)


# (case id, file name, bytes, text column to choose before "Add" or None to fail on upload, message)
UPLOAD_CASES = [
    ("empty", "empty.csv", b"", None, "empty.csv contains no documents: the file is empty."),
    ("header-only", "header.csv", b"text,label\n", None,
     "header.csv contains no documents: it has a header row ('text', 'label') but no data rows."),
    ("binary", "photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), None,
     "photo.csv does not look like text: it starts like a PNG image."),
    ("nul-bytes", "nul.txt", b"one\x00two\nthree\n", None,
     ("nul.txt does not look like text: it has NUL bytes in its first KiB (if it is UTF-16 text without a "
     "byte-order mark, save it again as UTF-8).")),
    ("truncated-zip", "cut.zip", _zip({f"{i}.txt": b"doc %d" % i for i in range(4)})[:100], None,
     "cut.zip is not a valid zip archive (it may be truncated or corrupt): File is not a zip file"),
    ("zip-bomb", "bomb.zip", _declaring(_zip({"a.txt": b"x" * 50}), 3_000_000_000), None,
     ("bomb.zip would expand to 3.0 GB of .txt files, above the limit of 1.0 GB (max_uncompressed_bytes); "
     "not extracted.")),
    ("ragged", "ragged.csv", b"text,label\nok,a\nbad,b,c\n", None,
     "ragged.csv could not be read as CSV: data row 2 (line 3) has 3 fields but the header has 2."),
    ("duplicate-columns", "dup.csv", b"text,text\na,b\n", None,
     ("dup.csv has duplicate column names: 'text' is both column 1 and column 2. Rename them so each column "
     "has a unique name.")),
    ("bad-jsonl", "bad.jsonl", b'{"text": "ok"}\n{"text": \n', None,
     "bad.jsonl, line 2: not valid JSON (Expecting value at column 9)."),
]


@pytest.mark.parametrize(("filename", "data", "text_column", "message"), [c[1:] for c in UPLOAD_CASES],
                         ids=[c[0] for c in UPLOAD_CASES])
def test_bad_upload_shows_the_message_and_keeps_the_corpora(session, filename, data, text_column, message):
    before = _listed(session)
    _upload(session, (filename, data))
    if text_column is not None:
        _add(session, text_column=text_column)
    assert _errors(session) == [message]
    assert _listed(session) == before
    _upload(session)  # clear the uploader for the next case


def test_choosing_a_numeric_text_column_afterwards_keeps_the_loaded_version(session) -> None:
    before = _listed(session)
    _upload(session, ("numbers.csv", b"text,label\n1,alpha\n2,beta\n"))
    assert _listed(session) == [*before, "numbers"]  # loaded at once, the text column inferred
    assert session.session_state["cc_corpora"]["numbers"].texts == ("alpha", "beta")
    _add(session, text_column="text")
    assert _errors(session) == [
        ("numbers.csv was kept as it was: column 'text' of numbers.csv holds no text (only numbers or other "
         "non-text values); choose the column with the documents, one of ['text', 'label']")]
    assert session.session_state["cc_corpora"]["numbers"].texts == ("alpha", "beta")
    session.multiselect(key="remove_choice").set_value(["numbers"]).run()
    session.button(key="remove_button").click().run()
    assert _listed(session) == before and _errors(session) == []
    _upload(session)


def test_mixed_encodings_upload_loads_with_a_note(session) -> None:
    data = "text\ncafé au lait\n".encode() + "crème brûlée\n".encode("cp1252")
    with pytest.warns(CorpusCompassWarning, match="desserts.csv mixes encodings"):
        _add(_upload(session, ("desserts.csv", data)))
    assert _errors(session) == []
    assert _listed(session)[-1] == "desserts"
    assert session.session_state["cc_corpora"]["desserts"].texts == ("café au lait", "crème brûlée")
    notes = [plain(c.value) for c in session.caption if "desserts" in c.value]
    assert any("desserts.csv mixes encodings: it is UTF-8 except for 3 byte(s)" in n for n in notes)
    _upload(session)


def test_one_document_corpus_loads(session) -> None:
    _add(_upload(session, ("single.csv", b"text\nthe only one\n")))
    assert _errors(session) == []
    assert len(session.session_state["cc_corpora"]["single"]) == 1
    _upload(session)


def test_hostile_file_name_is_shown_as_text(session) -> None:
    _add(_upload(session, (HOSTILE_FILENAME, b"text\nharmless words\nmore words\n")))
    assert _errors(session) == []
    name = HOSTILE_FILENAME.rsplit(".", 1)[0]
    assert name in session.session_state["cc_corpora"]
    sidebar = [m.value for m in session.sidebar.markdown]
    # markdown sees the name with every special character escaped: no tag, no link can form
    assert any(plain(m).startswith(f"- {name} · 2 documents") and "\\<svg" in m for m in sidebar)
    _upload(session)


def test_fifty_files_at_once_one_of_them_broken(session) -> None:
    files = [(f"part{i:02d}.csv", f"text\ndocument {i} one\ndocument {i} two\n".encode()) for i in range(50)]
    files[23] = ("part23.csv", b"text,x\n1,2,3\n")
    before = _listed(session)
    _upload(session, *files)
    assert _errors(session) == [("part23.csv could not be read as CSV: data row 1 (line 2) has 3 fields but the "
                                "header has 2.")]
    # the 49 good files loaded at once, with no further click
    assert _listed(session) == [*before, *(f"part{i:02d}" for i in range(50) if i != 23)]
    _upload(session)


def _result_bundle(**edit) -> bytes:
    """Bundle bytes of a tiny AnalysisResult, edited by hand as ``edit`` says."""
    data = tiny_result().to_bundle_bytes()
    if not edit:
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "bundle.json" and "index" in edit:
                content = edit["index"](content)
            if info.filename == "tables/documents.parquet" and "documents" in edit:
                content = edit["documents"](content)
            dst.writestr(info.filename, content)
        for name, content in edit.get("extra", {}).items():
            dst.writestr(name, content)
    return out.getvalue()


BUNDLE_CASES = [
    ("wrong-hash", lambda: _result_bundle(documents=lambda b: b.replace(b"text of a", b"TEXT OF A")),
     ("bundle member 'tables/documents.parquet' does not match its SHA-256 in bundle.json: the bundle was "
     "modified or damaged")),
    ("unknown-version", lambda: _result_bundle(index=lambda b: b.replace(b'"version": 1', b'"version": 7')),
     ("bundle format version 7 is not supported by this Corpus Compass (supports 1); it was written by a newer "
     "Corpus Compass: upgrade to open it")),
    ("path-traversal", lambda: _result_bundle(extra={"../../x": b"escape"}),
     ("bundle member '../../x' has an unsafe name (allowed: relative paths of [A-Za-z0-9._-] segments of at "
     "most 200 characters, no '..'); refused")),
    ("not-a-zip", lambda: b"this is not a zip file",
     ("the uploaded bundle is not a bundle: it is neither a bundle folder nor a valid .zip file (File is not "
     "a zip file)")),
]


def _read_only(at: AppTest) -> bool:
    return any(key in at.session_state and at.session_state[key] is not None
               for key in ("cc_shared_source", "cc_shared_id"))


@pytest.mark.parametrize(("make", "message"), [c[1:] for c in BUNDLE_CASES], ids=[c[0] for c in BUNDLE_CASES])
def test_tampered_bundle_upload_is_refused_and_keeps_the_corpora(session, make, message) -> None:
    before = _listed(session)
    session.file_uploader(key="data_bundle").set_value(("analysis.zip", make(), "application/zip"))
    session.run()
    session.button(key="data_bundle_open").click()
    session.run()
    assert not session.exception, session.exception
    assert _errors(session) == [f"analysis.zip cannot be opened as an analysis bundle: {message}"]
    assert not _read_only(session)
    assert _listed(session) == before
    session.file_uploader(key="data_bundle").set_value(None)
    session.run()


def test_unknown_model_keeps_the_corpora_and_the_earlier_result(session, monkeypatch) -> None:
    """Run a small analysis (fake embedder), then ask for a model that does not exist: the error names
    it, the corpora and the earlier result stay."""
    from core.load.corpus import Corpus

    corpora = session.session_state["cc_corpora"]
    small = {n: Corpus.from_texts(corpora[n].texts[:40], name=n) for n in ("games", "science")}
    session.session_state["cc_corpora"] = small
    session.switch_page("views/embed.py")
    session.run()
    session.pills(key="analyses").set_value(["depth"])
    session.button(key="run_analysis").click()
    session.run()
    assert not session.exception, session.exception
    result = session.session_state["cc_result"]
    assert result is not None and list(result.corpora["corpus"]) == ["games", "science"]

    import huggingface_hub.constants as hub_constants

    monkeypatch.delenv("CORPUS_COMPASS_EMBEDDER")
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", "/nonexistent-hub")
    monkeypatch.delenv("CORPUS_COMPASS_ALLOW_DOWNLOAD", raising=False)
    session.radio(key="model_source").set_value("Another sentence-transformers model (name or local folder)")
    session.run()
    session.text_input(key="model_name").input("no-such-model")
    session.run()
    session.button(key="run_analysis").click()
    session.run()
    assert not session.exception, session.exception
    assert _errors(session) == [
        ("The analysis could not run: model 'no-such-model' was not found: not a local directory and not in the "
        "local Hugging Face cache; give a path to a sentence-transformers model directory, or set "
        "CORPUS_COMPASS_ALLOW_DOWNLOAD=1 to let Corpus Compass download it once, or use the bundled default model "
        "(all-MiniLM-L6-v2)")]
    assert session.session_state["cc_result"] is result
    assert list(session.session_state["cc_corpora"]) == ["games", "science"]
