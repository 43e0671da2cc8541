"""Viewer mode (``CORPUS_COMPASS_VIEWER=1``, set by ``corpus-compass serve --viewer``) through
``streamlit.testing.v1.AppTest``: a landing page that lists nothing, only the pages that show an
analysis, nothing that loads, uploads, runs or saves, a page for each kind of link that cannot be
opened, no model; and, in the authoring dashboard, the expiry offered by "Save and share"."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from app.viewer import VIEWER_ENV
from core.results.store import AnalysisStore, new_id
from tests.app.conftest import MAIN, plain, texts
from tests.core.test_store import _result

PAGES = ["map", "compare", "geometry", "models", "words", "report"]
TITLES = {"map": "Map", "compare": "Compare corpora", "geometry": "Space geometry", "models": "Compare models",
          "words": "Word shift", "report": "Report and share"}
# every control that would load, upload, run, recompute, save or leave the read-only view
MODIFYING = {"load_samples", "uploads", "run_analysis", "remove_button", "data_bundle", "data_bundle_open",
             "report_bundle", "report_bundle_open", "save_share", "share_expiry", "close_read_only",
             "leave_bad_link"}


@pytest.fixture
def viewer(monkeypatch) -> AnalysisStore:
    monkeypatch.setenv(VIEWER_ENV, "1")
    monkeypatch.delenv("CORPUS_COMPASS_EMBEDDER")  # nothing may embed here, not even the fake
    return AnalysisStore()


def _run(page: str | None = None, analysis_id: str | None = None) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60)
    if analysis_id is not None:
        at.query_params["analysis"] = analysis_id
    if page is not None:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _keys(at: AppTest) -> set[str]:
    keys = set()
    for kind in ("button", "file_uploader", "text_input", "selectbox", "multiselect", "radio", "number_input"):
        keys |= {w.key for w in getattr(at, kind) if w.key}
    return keys


def test_the_landing_page_says_what_the_server_is_and_lists_nothing(viewer: AnalysisStore) -> None:
    saved = viewer.save(_result())
    at = _run()
    assert [t.value for t in at.title] == ["Shared analyses"]
    shown = texts(at) + " ".join(m.value for m in at.sidebar.markdown) + " ".join(c.value for c in at.sidebar.caption)
    assert "each one can be opened only with its own link" in shown
    assert saved not in shown and "HOSTILE" not in shown and "img" not in shown
    assert not at.button and not at.file_uploader and not _keys(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_analysis_and_offers_nothing_that_modifies(viewer: AnalysisStore, page: str) -> None:
    analysis_id = viewer.save(_result())
    at = _run(page, analysis_id)
    assert [t.value for t in at.title] == [TITLES[page]]
    assert any("Read-only view of an analysis opened from a shared link" in i.value for i in at.info)
    assert not at.file_uploader and not (_keys(at) & MODIFYING), _keys(at) & MODIFYING
    assert [b for b in at.button if b.key] == []  # no button at all; downloads are not buttons here
    sidebar = plain(" ".join(m.value for m in at.sidebar.markdown))
    assert "a · 2 documents" in sidebar


def test_the_authoring_pages_are_not_there(viewer: AnalysisStore) -> None:
    analysis_id = viewer.save(_result())
    for page in ("data", "embed"):
        at = AppTest.from_file(MAIN, default_timeout=60)
        at.query_params["analysis"] = analysis_id
        at.switch_page(f"views/{page}.py")
        at.run()
        titles = [t.value for t in at.title]
        assert "Data" not in titles and "Embed and analyse" not in titles
        assert not at.file_uploader and "run_analysis" not in _keys(at)


def test_each_link_that_cannot_be_opened_says_why(viewer: AnalysisStore) -> None:
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
    expired = viewer.save(_result(), expires_days=30, created=long_ago)
    pruned = viewer.save(_result(), expires_days=30, created=long_ago)
    viewer.prune()
    deleted = viewer.save(_result())
    viewer.delete(deleted)
    expected = {expired: "This analysis link has expired", pruned: "This analysis link has expired",
                deleted: "This analysis was deleted", new_id(): "This analysis was not found",
                "../../etc/passwd": "This analysis link is not valid"}
    for analysis_id, title in expected.items():
        at = _run(analysis_id=analysis_id)
        assert [t.value for t in at.title] == [title]
        assert not at.button, "the viewer offers no way to start an analysis"
        if title.endswith("expired"):
            until = long_ago + dt.timedelta(days=30)
            when = f"{until.day} {until:%B %Y, %H:%M} UTC"
            assert f"shared until {when}" in plain(texts(at))
        assert "Report page" not in texts(at)  # the viewer has no bundle upload to point to


def test_the_viewer_loads_no_model(viewer: AnalysisStore) -> None:
    from app import cache
    from core.exceptions import ModelError

    with pytest.raises(ModelError, match="loads no embedding model"):
        cache.embedder("default")


def test_the_authoring_dashboard_names_expired_and_deleted_links_too() -> None:
    store = AnalysisStore()
    gone = store.save(_result())
    store.delete(gone)
    at = _run(analysis_id=gone)
    assert [t.value for t in at.title] == ["This analysis was deleted"]
    assert [b.key for b in at.button] == ["leave_bad_link"]
    assert "open on the Report page" in texts(at)


def test_save_and_share_offers_an_expiry() -> None:
    from app import state

    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state[state.RESULT] = _result()
    at.session_state[state.RESULT_TOKEN] = "t"
    at.switch_page("views/report.py")
    at.run()
    choice = at.selectbox(key="share_expiry")
    assert choice.options == ["Until it is deleted", "7 days", "30 days", "90 days", "One year"]
    choice.select("30 days").run()
    at.button(key="save_share").click().run()
    assert not at.exception and not at.error
    analysis_id = at.session_state[state.SAVED_ID]
    entry = AnalysisStore().check(analysis_id)
    assert entry.expires - entry.created == dt.timedelta(days=30)
    assert any("read-only) for 30 days" in s.value for s in at.success)


def test_save_and_share_says_when_the_store_is_full(monkeypatch) -> None:
    from app import state

    monkeypatch.setenv("CORPUS_COMPASS_STORE_MAX_BYTES", "1K")
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state[state.RESULT] = _result()
    at.session_state[state.RESULT_TOKEN] = "t"
    at.switch_page("views/report.py")
    at.run()
    at.button(key="save_share").click().run()
    assert [e.value for e in at.error] == [(
        "The analysis could not be saved: this server's storage for shared analyses is full. Download the "
        "analysis bundle above instead, or ask whoever runs this server to remove old analyses.")]
    assert AnalysisStore().ids() == []


def test_share_links_point_to_the_viewer_when_its_address_is_set(monkeypatch) -> None:
    from app import state

    monkeypatch.setenv("CORPUS_COMPASS_VIEWER_URL", "https://view.example.org/")
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state[state.RESULT] = _result()
    at.session_state[state.RESULT_TOKEN] = "t"
    at.switch_page("views/report.py")
    at.run()
    at.button(key="save_share").click().run()
    analysis_id = at.session_state[state.SAVED_ID]
    assert [c.value for c in at.code] == [f"https://view.example.org/?analysis={analysis_id}"]
