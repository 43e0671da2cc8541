"""Sharing: share links are unguessable and validated, read-only views change nothing, a deleted
analysis is gone, and the share store never serves a file outside itself (core.results.store and the
dashboard's ``?analysis=<id>`` links, through ``streamlit.testing.v1.AppTest``)."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from robustness_support import HOSTILE_NAME, ROOT
from streamlit.testing.v1 import AppTest

from core.exceptions import AnalysisNotFoundError, ParameterError
from core.results.result import AnalysisResult, make_table
from core.results.store import AnalysisStore, is_valid_id, new_id

MAIN = str(ROOT / "app" / "main.py")
PAGES = ["data", "embed", "map", "compare", "geometry", "models", "words", "report"]
# every control that would load, change, recompute or save something
MODIFYING_KEYS = {"load_samples", "uploads", "run_analysis", "remove_button", "data_bundle_open",
                  "report_bundle_open", "save_share"}


def _result() -> AnalysisResult:
    corpora = make_table("corpora", [
        {"corpus": c, "n_documents": 2, "source": f"{c}.csv", "sha256": "0" * 64, "fingerprint": "f",
         "text_column": "text", "n_empty_removed": 0, "n_duplicates_removed": 0} for c in ("a", HOSTILE_NAME)])
    documents = make_table("documents", [
        {"corpus": c, "doc_id": str(i), "text": f"document {i} of {c}", "depth": 0.5, "umap_x": float(i),
         "umap_y": 0.0, "k_occurrence": 1.0, "classifier_prob": 0.5} for c in ("a", HOSTILE_NAME) for i in (1, 2)])
    depth = make_table("depth_tests", [{"reference": "a", "other": HOSTILE_NAME, "W": 1.5, "pvalue": 0.07,
                                        "Q": 0.3, "n_reference": 2, "n_other": 2}])
    verdicts = make_table("verdicts", [{"corpus_a": "a", "corpus_b": HOSTILE_NAME,
                                        "headline": "No evidence that they differ", "text": "Few documents."}])
    return AnalysisResult(corpora=corpora, documents=documents, depth_tests=depth, verdicts=verdicts,
                          skipped={"words": "too small"}, manifest={"created": "2026-01-01T00:00:00Z"})


@pytest.fixture
def store(tmp_path: Path, monkeypatch) -> AnalysisStore:
    monkeypatch.setenv("CORPUS_COMPASS_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("CORPUS_COMPASS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CORPUS_COMPASS_EMBEDDER", "tests.conftest:HashingEmbedder")
    monkeypatch.delenv("CORPUS_COMPASS_PRELOAD_SAMPLES", raising=False)
    monkeypatch.delenv("CORPUS_COMPASS_OPEN_BUNDLE", raising=False)
    return AnalysisStore()


def _open(analysis_id: str, page: str = "data") -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.query_params["analysis"] = analysis_id
    if page != "data":
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _keys(at: AppTest) -> set[str]:
    keys = set()
    for kind in ("button", "file_uploader", "text_input", "multiselect", "selectbox", "radio"):
        keys |= {w.key for w in getattr(at, kind) if w.key}
    return keys


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


# ----------------------------------------------------------------------------------------------- ids


def test_ids_are_unguessable() -> None:
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == 2000 and all(re.fullmatch(r"[A-Za-z0-9_-]{32}", i) for i in ids)
    # 32 URL-safe base64 symbols = 192 random bits: every symbol equally likely at every position
    counts = Counter("".join(ids))
    assert len(counts) == 64
    assert all(800 <= c <= 1200 for c in counts.values()), counts.most_common(3)  # expected 1000, sd ~31
    assert len({i[:8] for i in ids}) == 2000  # no shared structure, not even a common prefix
    # no id reads as a command-line option (1 in 64 raw draws starts with "-": 2000 draws would show it)
    assert not any(i.startswith("-") for i in ids)
    assert len({i[0] for i in ids}) == 63


def test_ids_do_not_depend_on_the_content(store: AnalysisStore) -> None:
    first, second = store.save(_result()), store.save(_result())
    assert first != second
    assert hashlib.sha256(store.path(first).read_bytes()).hexdigest() == \
        hashlib.sha256(store.path(second).read_bytes()).hexdigest()


BAD_IDS = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "/etc/passwd", "a" * 31, "a" * 65, "a" * 31 + ".",
           "A" * 32 + "\n", "A" * 16 + "/" + "A" * 15, "<script>alert(1)</script>" + "a" * 10, ""]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_malformed_ids_are_refused_by_the_store(store: AnalysisStore, bad: str) -> None:
    assert not is_valid_id(bad) and not store.exists(bad)
    with pytest.raises(ParameterError, match="is not a valid analysis id: an id is 32 to 64 letters"):
        store.load(bad)


@pytest.mark.slow
@pytest.mark.parametrize("bad", ["../../etc/passwd", "a" * 31 + ".", "<script>alert(1)</script>" + "a" * 10])
def test_malformed_link_shows_a_friendly_page(store: AnalysisStore, bad: str) -> None:
    at = _open(bad)
    assert _titles(at) == ["This analysis link is not valid"]
    assert not at.error and not at.exception
    assert "cc_result" not in at.session_state or at.session_state["cc_result"] is None


# ---------------------------------------------------------------------------------- read-only views


@pytest.mark.slow
def test_read_only_view_offers_nothing_that_modifies(store: AnalysisStore) -> None:
    analysis_id = store.save(_result())
    before = store.path(analysis_id).read_bytes()
    for page in PAGES:
        at = _open(analysis_id, page)
        assert not at.error, [e.value for e in at.error]
        assert at.session_state["cc_shared_id"] == analysis_id
        assert not (_keys(at) & MODIFYING_KEYS), f"{page}: {_keys(at) & MODIFYING_KEYS}"
        assert any("Read-only view" in i.value or "read-only" in i.value for i in at.info), page
        assert "cc_corpora" not in at.session_state or not at.session_state["cc_corpora"]
    # leaving the read-only view gives an empty session of one's own and leaves the analysis as saved
    at.button(key="close_read_only").click().run()
    assert not at.exception
    assert at.session_state["cc_result"] is None and at.session_state["cc_shared_id"] is None
    assert store.path(analysis_id).read_bytes() == before
    assert store.ids() == [analysis_id]


@pytest.mark.slow
def test_deleted_analysis_is_gone(store: AnalysisStore) -> None:
    analysis_id = store.save(_result())
    at = _open(analysis_id, "compare")
    assert at.session_state["cc_shared_id"] == analysis_id  # opened (and cached by the dashboard)
    store.delete(analysis_id)
    assert not store.exists(analysis_id) and store.ids() == []
    with pytest.raises(AnalysisNotFoundError):
        store.load(analysis_id)
    again = _open(analysis_id)
    assert _titles(again) == ["This analysis was deleted"]
    assert again.session_state["cc_result"] is None if "cc_result" in again.session_state else True


# ------------------------------------------------------------------------------------ the file system


def test_store_folder_and_files_are_private(store: AnalysisStore) -> None:
    analysis_id = store.save(_result())
    assert stat.S_IMODE(os.stat(store.root).st_mode) == 0o700
    assert store.path(analysis_id).parent == store.root.resolve()


def test_store_never_serves_a_file_outside_itself(store: AnalysisStore, tmp_path: Path) -> None:
    outside = tmp_path / "secret.zip"
    _result().to_bundle(outside)
    store.save(_result())
    planted = "B" * 32
    os.symlink(outside, store.root / f"{planted}.zip")
    with pytest.raises(ParameterError, match="does not resolve to a file inside the store"):
        store.load(planted)
    assert planted not in store.ids() or not store.exists(planted)
    hardlinked = "C" * 32
    # a hard link is the same file as far as the OS knows: it is inside the store by construction,
    # and only someone with write access to the store could plant one
    os.link(outside, store.root / f"{hardlinked}.zip")
    assert store.load(hardlinked).equals(_result())


@pytest.mark.slow
def test_planted_symlink_link_is_refused_in_the_dashboard(store: AnalysisStore, tmp_path: Path) -> None:
    outside = tmp_path / "secret.zip"
    _result().to_bundle(outside)
    store.save(_result())
    planted = "D" * 32
    os.symlink(outside, store.root / f"{planted}.zip")
    at = _open(planted)
    assert _titles(at) == ["This analysis link is not valid"]
    assert "cc_result" not in at.session_state or at.session_state["cc_result"] is None
    assert np.all([planted not in str(m.value) for m in at.markdown])


def test_opening_links_writes_nothing(store: AnalysisStore) -> None:
    """What a viewer does with a link (check, load) only reads: it can run with a read-only store."""
    import datetime as dt

    from robustness_support import record_writes

    kept = store.save(_result(), expires_days=30)
    expired = store.save(_result(), expires_days=1, created=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2))
    deleted = store.save(_result())
    store.delete(deleted)
    with record_writes() as writes:
        assert store.load(kept).equals(_result())
        assert [store.status(i) for i in (kept, expired, deleted, new_id(), "../x")] == [
            "available", "expired", "deleted", "unknown", "invalid"]
        assert [e.id for e in store.entries()] == [expired, kept]  # oldest first
    assert writes == []
