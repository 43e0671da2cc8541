"""Entry point of the dashboard: page config, navigation, sidebar. ``streamlit run app/main.py``.

Read-only views: ``?analysis=<id>`` opens a saved analysis from the share store (``core.results.store``);
``CORPUS_COMPASS_OPEN_BUNDLE=<path>`` (set by ``corpus-compass open BUNDLE``) opens a bundle at start;
an uploaded bundle (Data or Report page) does the same. In a read-only session every page shows the
stored result and hides the controls that would change or recompute it. In viewer mode
(``app.viewer``) only saved analyses can be opened, by link: no Data or Embed page, no upload.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# `streamlit run app/main.py` puts app/ on sys.path, not the repository root that holds `app` and `core`
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st

from app import cache, state, viewer
from app.text import md
from app.ui import RESULT_PAGES, stale_notice
from core.exceptions import (
    AnalysisDeletedError,
    AnalysisExpiredError,
    AnalysisNotFoundError,
    BundleError,
    CorpusCompassError,
    ParameterError,
)

OPEN_BUNDLE_ENV = "CORPUS_COMPASS_OPEN_BUNDLE"

st.set_page_config(page_title="Corpus Compass", page_icon="🧭", layout="wide")


def _link_problem(page: tuple[str, str]) -> None:
    """A friendly page for a link that cannot be opened (never a traceback, never a path)."""
    title, text = page
    st.title(title)
    st.markdown(text)
    if VIEWER:
        st.stop()
    if st.button("Start a new analysis", type="primary", key="leave_bad_link"):
        st.query_params.clear()
        state.close_read_only()
        st.rerun()
    st.stop()


def _open_shared_link() -> None:
    requested = st.query_params.get("analysis")
    if requested is None:
        if state.shared_id() is not None:
            # page navigation drops query parameters; put the id back so the address stays shareable
            st.query_params["analysis"] = state.shared_id()
        return
    if requested == state.shared_id() and state.result() is not None:
        return
    try:
        result = cache.stored_result(requested)
    except ParameterError:
        _link_problem(viewer.invalid_link())
    except AnalysisExpiredError as exc:
        _link_problem(viewer.expired_link(exc.expired))
    except AnalysisDeletedError as exc:
        _link_problem(viewer.deleted_link(exc.deleted))
    except AnalysisNotFoundError:
        _link_problem(viewer.unknown_link())
    except (BundleError, CorpusCompassError, OSError):
        _link_problem(viewer.unreadable_link())
    state.open_read_only(result, source="a shared link", analysis_id=requested)
    state.set_landing(True)


def _open_bundle_from_environment() -> None:
    path = os.environ.get(OPEN_BUNDLE_ENV, "").strip()
    if VIEWER or not path or not state.once("open_bundle_env"):
        return
    try:
        result = cache.bundle_file_result(path)
    except (BundleError, CorpusCompassError, OSError) as exc:
        state.set_startup_error(f"The analysis bundle {Path(path).name} could not be opened: {exc}")
        return
    state.open_read_only(result, source=f"the bundle {Path(path).name}")
    state.set_landing(True)


VIEWER = viewer.viewer_mode()
_open_shared_link()
_open_bundle_from_environment()

if (os.environ.get("CORPUS_COMPASS_PRELOAD_SAMPLES") == "1" and not VIEWER and not state.read_only()
        and state.once("preload_samples")):
    for sample in cache.samples():
        if sample.name not in state.corpora():
            state.add_corpus(cache.load_sample(sample.name))

read_only = state.read_only()
PAGES = {
    "Prepare": [
        st.Page("views/data.py", title="Data", icon=":material/database:", default=True),
        st.Page("views/embed.py", title="Embed", icon=":material/memory:"),
    ],
    "Explore": [
        st.Page("views/map.py", title="Map", icon=":material/scatter_plot:"),
        st.Page("views/compare.py", title="Compare", icon=":material/balance:"),
        st.Page("views/geometry.py", title="Geometry", icon=":material/hub:"),
        st.Page("views/models.py", title="Models", icon=":material/compare_arrows:"),
        st.Page("views/words.py", title="Word shift", icon=":material/translate:"),
    ],
    "Share": [
        st.Page("views/report.py", title="Report", icon=":material/ios_share:"),
    ],
    "Help": [
        st.Page("views/methods.py", title="Methods", icon=":material/menu_book:"),
    ],
}

if VIEWER:
    # only the pages that show a saved analysis, and only once a link has opened one
    # (Compare, the verdict, first: it is the start page of a link)
    PAGES = ({"Explore": sorted(PAGES["Explore"], key=lambda p: p.title != "Compare"), "Share": PAGES["Share"],
              "Help": PAGES["Help"]}
             if state.result() is not None
             else [st.Page("views/viewer_home.py", title="Shared analyses", icon=":material/lock:")])

page = st.navigation(PAGES)
if state.landing():
    # a shared analysis opened at the start page lands on its verdict (the Compare page)
    state.set_landing(False)
    if page.url_path == "" and not VIEWER:  # (the viewer's start page is Compare already)
        shared = state.shared_id()
        st.switch_page("views/compare.py", query_params={"analysis": shared} if shared else None)

with st.sidebar:
    st.markdown("### Corpus Compass")
    if read_only:
        st.caption(f"Read-only analysis from {md(state.shared_source() or 'a shared link')}")
        result = state.result()
        if result is not None:
            for name, n in zip(result.corpora["corpus"], result.corpora["n_documents"]):
                st.markdown(f"- {md(name)} · {int(n):,} documents")
        if not VIEWER and st.button("Close and start my own analysis", key="close_read_only"):
            st.query_params.clear()
            state.close_read_only()
            st.rerun()
    elif VIEWER:
        st.caption("Analyses shared by link, read-only.")
    else:
        loaded = state.corpora()
        if loaded:
            st.caption("Loaded corpora")
            for name, corpus in loaded.items():
                vectors = " · own vectors" if corpus.vectors is not None else ""
                st.markdown(f"- {md(name)} · {len(corpus):,} documents{vectors}")
        else:
            st.caption("No corpora loaded yet.")
        if state.result() is not None:
            st.caption("An analysis has been run: see the Explore pages.")

if state.startup_error():
    st.error(md(state.startup_error()), icon=":material/error:")

if page.url_path in RESULT_PAGES:
    # a result of other corpora or settings than those loaded now is never shown as current
    stale_notice()

page.run()
