"""Report page: CSV, HTML and bundle downloads of the analysis; "Save and share" for a read-only link;
open an analysis bundle."""

from __future__ import annotations

from html import escape as html_escape

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import bundle_uploader, explain, read_only_banner
from app.viewer import viewer_mode, viewer_url
from core.exceptions import CorpusCompassError, StoreFullError

PAGE_PATH = "report"
#: how long a "Save and share" link works: label -> days (None = until it is deleted)
EXPIRY_CHOICES = {"Until it is deleted": None, "7 days": 7, "30 days": 30, "90 days": 90, "One year": 365}

st.title("Report and share")
explain("Everything the analysis found, as files that open without Corpus Compass: CSV tables for a "
        "spreadsheet (cells a spreadsheet would run as formulas are neutralised), one self-contained HTML "
        "report that opens offline, and the analysis bundle (.zip) that reopens here read-only. The "
        "manifest records the inputs' SHA-256, every parameter and seed, the model and library versions.")
read_only_banner()

result = state.result()
if result is None and viewer_mode():
    st.info("Open a shared analysis with the link you were given.", icon=":material/info:")
    st.stop()
if result is None:
    st.info("No analysis yet. Load corpora on the **Data** page and run the analysis on the **Embed** "
            "page first, or open a saved analysis bundle below.", icon=":material/info:")
    st.page_link("views/embed.py", label="Go to the Embed page", icon=":material/arrow_forward:")
    st.subheader("Open an analysis bundle")
    bundle_uploader("report_bundle")
    st.stop()

token = state.result_token() or "shared"


def share_link(analysis_id: str) -> str:
    """The address of the viewer (when configured) or of this dashboard's start page, with
    ``?analysis=<id>`` (relative if unknown)."""
    from core.results.store import link_path

    if viewer_url():
        return viewer_url() + link_path(analysis_id)
    url = st.context.url
    if not url:
        return f"?analysis={analysis_id}"
    base = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if base.endswith("/" + PAGE_PATH):
        base = base[: -len(PAGE_PATH) - 1]
    return f"{base}/?analysis={analysis_id}"


st.subheader("Downloads")
cols = st.columns(3)
with cols[0]:
    st.markdown("**Tables (CSV)**")
    st.download_button("documents.csv", cache.csv_export(result, token, "documents"), file_name="documents.csv",
                       mime="text/csv", key="download_documents", on_click="ignore", icon=":material/table:",
                       help="One row per document: corpus, id, text, depth, map position, N_k, labels.")
    st.download_button("tests.csv", cache.csv_export(result, token, "tests"), file_name="tests.csv",
                       mime="text/csv", key="download_tests", on_click="ignore", icon=":material/table:",
                       help="One row per test and direction, with raw and Holm-adjusted p-values.")
    if not result.words.empty:
        st.download_button("words.csv", cache.csv_export(result, token, "words"), file_name="words.csv",
                           mime="text/csv", key="download_words", on_click="ignore", icon=":material/table:",
                           help="Word shifts per pair of corpora, with frequencies and neighbours.")
    else:
        st.caption("words.csv: no word shifts in this analysis"
                   + (f" ({md(result.skipped['words'])})" if result.skipped.get("words") else "."))
    distinctive = cache.result_distinctive(result, token)
    if not distinctive.empty:
        st.download_button("distinctive_words.csv", cache.frame_csv(distinctive, token, "distinctive"),
                           file_name="distinctive_words.csv", mime="text/csv", key="download_distinctive",
                           on_click="ignore", icon=":material/table:",
                           help="The words each corpus uses more than the others: weighted log-odds ratio "
                                "and its z-score (Monroe, Colaresi & Quinn 2008), 30 per corpus.")
with cols[1]:
    st.markdown("**Report (HTML)**")

    def _report() -> bytes:
        # written when the button is clicked (a few seconds for a large analysis), not on every visit
        try:
            return cache.report_html(result, token)
        except (CorpusCompassError, ImportError, ValueError) as exc:
            return ("<!doctype html><meta charset='utf-8'><title>Report not available</title><p>The HTML "
                    "report could not be written: " + html_escape(str(exc)) + "</p>").encode("utf-8")

    st.download_button("report.html", _report, file_name="report.html", mime="text/html",
                       key="download_report", on_click="ignore", icon=":material/description:",
                       help="One file with every table and chart; opens offline in any browser.")
    st.download_button("manifest.json", cache.manifest_json(result, token), file_name="manifest.json",
                       mime="application/json", key="download_manifest", on_click="ignore", icon=":material/receipt_long:")
with cols[2]:
    st.markdown("**Analysis bundle (.zip)**")
    st.download_button("analysis.zip", lambda: cache.bundle_bytes(result, token), file_name="analysis.zip",
                       mime="application/zip", key="download_bundle", on_click="ignore", icon=":material/folder_zip:",
                       help="Reopen it on this page (or with `corpus-compass open`) to view it read-only.")

st.subheader("Save and share")
if state.shared_id() is not None:
    st.markdown("This analysis is already saved. Its read-only link:")
    st.code(share_link(state.shared_id()), language=None)
else:
    st.markdown("Saves the analysis on this server and gives a link that opens it **read-only** on every "
                "page, without recomputing. The link contains a random id of 192 bits: only people you "
                "give it to can open it.")
    keep = st.selectbox("Keep the link working", list(EXPIRY_CHOICES), key="share_expiry",
                        help="After this time the link says that it has expired and the analysis is removed "
                             "from this server.")
    if st.button("Save and share", type="primary", key="save_share", icon=":material/share:"):
        from core.results.store import AnalysisStore

        try:
            state.set_saved_id(AnalysisStore().save(result, expires_days=EXPIRY_CHOICES[keep]))
            state.set_saved_expiry(keep)
        except StoreFullError:
            st.error("The analysis could not be saved: this server's storage for shared analyses is full. "
                     "Download the analysis bundle above instead, or ask whoever runs this server to remove "
                     "old analyses.")
        except (CorpusCompassError, OSError) as exc:
            st.error(f"The analysis could not be saved: {md(exc)}")
    if state.saved_id():
        until = state.saved_expiry()
        lasting = ("until it is deleted" if until in (None, "Until it is deleted")
                   else f"for {until.lower()}")
        st.success(f"Saved. Anyone with this link can view the analysis (read-only) {lasting}:",
                   icon=":material/check_circle:")
        st.code(share_link(state.saved_id()), language=None)

if not state.read_only():
    st.subheader("Open an analysis bundle")
    bundle_uploader("report_bundle")
