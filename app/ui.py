"""Layout helpers shared by the pages: the "run the analysis first" message, method notes, notices of
skipped stages and number formats. No computation happens here."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from app import state
from app.text import md
from core.report.readings import CITATIONS, format_p

EMBED_PAGE = "views/embed.py"

METHODS_PAGE = "views/methods.py"
#: the short citation of each method family (one registry, shared with the report)
SOURCES = CITATIONS
#: url paths of the pages that show an analysis result (each warns when the result is not of what is loaded)
RESULT_PAGES = ("map", "compare", "geometry", "models", "words", "report")


def explain(text: str, *sources: str) -> None:
    """One or two sentences on what the page's numbers mean, then the method references and a link to
    the methods documentation."""
    refs = "; ".join(SOURCES[s] for s in sources)
    st.markdown(text)
    if refs:
        st.caption(f"Method: {refs}.")
        st.page_link(METHODS_PAGE, label="How this is computed (methods)", icon=":material/menu_book:")


def stale_notice() -> None:
    """At the top of a results page: say when the analysis shown is not of the corpora and settings
    loaded now, with a one-click rerun. A read-only (shared) analysis is never compared."""
    from core.results.provenance import (
        InputIdentity,
        identity_of_corpora,
        identity_of_result,
        input_differences,
    )

    result = state.result()
    if result is None or state.read_only():
        return
    loaded = list(state.corpora().values())
    ran = identity_of_result(result)
    ran = InputIdentity(ran.corpora, state.result_settings() or {})
    now = InputIdentity(identity_of_corpora(loaded).corpora, state.current_settings() or {})
    differences = input_differences(ran, now)
    if not differences:
        return
    with st.container(border=True):
        st.warning("**These results are of an earlier analysis, not of what is loaded now.** "
                   + md("; ".join(differences).capitalize()) + ".", icon=":material/history:")
        settings = state.current_settings() or state.result_settings()
        if len(loaded) < 2:
            st.caption("Load two or more corpora on the Data page to run the analysis again.")
        elif settings and st.button("Rerun the analysis on the loaded corpora", type="primary",
                                    key="stale_rerun", icon=":material/refresh:"):
            state.request_rerun(settings)
            st.switch_page(EMBED_PAGE)


def read_only_banner() -> None:
    if state.read_only():
        source = state.shared_source() or "a shared link"
        st.info(f"Read-only view of an analysis opened from {md(source)}: nothing can be changed or "
                "recomputed here.", icon=":material/lock:")


def method_notes(result: Any) -> None:
    """The warnings the methods gave while computing ``result`` (stored in it, so a shared view shows
    them as well), folded away under a count."""
    notes = list(getattr(result, "notes", None) or [])
    if notes:
        with st.expander(f"Notes from the methods ({len(notes)})", icon=":material/warning:"):
            for note in notes:
                st.markdown(f"- {md(note)}")


def require_result() -> Any:
    """The session's analysis, or a friendly message pointing to the Embed page (and stop)."""
    from app.viewer import viewer_mode

    result = state.result()
    if result is None and viewer_mode():
        st.info("Open a shared analysis with the link you were given.", icon=":material/info:")
        st.stop()
    if result is None:
        st.info("No analysis yet. Load two or more corpora on the **Data** page, then run the analysis "
                "on the **Embed** page first.", icon=":material/info:")
        st.page_link(EMBED_PAGE, label="Go to the Embed page", icon=":material/arrow_forward:")
        st.stop()
    return result


def skipped(result: Any, *stages: str) -> bool:
    """Show why a stage did not run; True when any of ``stages`` was skipped."""
    shown = False
    for stage in stages:
        reason = result.skipped.get(stage)
        if not reason:
            continue
        if reason.startswith("not requested"):
            # the pipeline's wording names the command-line option; say it the dashboard's way
            text = ("This part of the analysis was not selected when it was run (Analyses on the Embed "
                    "page).")
        else:
            text = f"This part of the analysis did not run: {md(reason)}"
        st.info(text, icon=":material/info:")
        shown = True
    return shown


def fmt_p(p: Any) -> str:
    """A p-value as people read it ("p < 0.001", "p = 0.004")."""
    return format_p(p)


def fmt_num(x: Any, digits: int = 3) -> str:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(value):
        return "–"
    return f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:,.0f}"


def doc_table(frame: Any, *, height: int | None = None, key: str | None = None,
              config: dict[str, Any] | None = None) -> None:
    """A table of documents with the text column wide enough to read."""
    config = {"text": st.column_config.TextColumn("text", width="large"),
              "doc_id": st.column_config.TextColumn("document id"),
              "k_occurrence": st.column_config.NumberColumn("N_k (times among others' nearest neighbours)",
                                                            format="%d"),
              "classifier_prob": st.column_config.NumberColumn("probability of another corpus", format="%.3f"),
              "depth": st.column_config.NumberColumn("depth", format="%.3f"),
              "relative_cosine": st.column_config.NumberColumn("relative cosine", format="%.3f"),
              "knn_jaccard": st.column_config.NumberColumn("kNN overlap", format="%.3f"),
              **(config or {})}
    kwargs: dict[str, Any] = {"hide_index": True, "width": "stretch", "column_config": config}
    if height is not None:
        kwargs["height"] = height
    if key is not None:
        kwargs["key"] = key
    st.dataframe(frame, **kwargs)


def bundle_uploader(key: str) -> None:
    """Upload an analysis bundle (.zip, from the Report page) and open it read-only."""
    from app import cache
    from core.exceptions import CorpusCompassError

    upload = st.file_uploader("Analysis bundle (.zip)", type=["zip"], key=key,
                              help="A bundle saved from the Report page. It is checked (every file's "
                                   "SHA-256) and never executed; nothing is recomputed.")
    if upload is not None and st.button("Open it read-only", key=f"{key}_open"):
        try:
            result = cache.bundle_result(upload.getvalue())
        except (CorpusCompassError, OSError, ValueError) as exc:
            st.error(f"{md(upload.name)} cannot be opened as an analysis bundle: {md(exc)}")
            return
        state.open_read_only(result, source=f"the bundle {upload.name}")
        st.switch_page("views/compare.py")


def chart(altair_chart: Any, **kwargs: Any) -> Any:
    """Show a chart of ``core.report.charts`` at its own size, styled as in the report.

    Streamlit's own theme and its default "fit" sizing squeeze charts with long axis labels (labels
    overlap, points collapse onto one row); padding around the plot and the report's configuration
    keep every chart readable.
    """
    from core.report.charts import CHART_CONFIG

    styled = altair_chart.properties(autosize={"type": "pad"}).configure(**CHART_CONFIG)
    return st.altair_chart(styled, theme=None, width="content", **kwargs)
