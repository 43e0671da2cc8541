"""Layout helpers shared by the pages: the "run the analysis first" message, method notes, notices of
skipped stages and number formats. No computation happens here."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from app import state
from app.text import md

EMBED_PAGE = "views/embed.py"

#: the METHODS.md sources each page cites (short form shown under the explanation)
SOURCES = {
    "depth": "Seegmiller & Preum, *Statistical Depth for Ranking and Characterizing Transformer-Based "
             "Text Embeddings*, EMNLP 2023; Q index: Liu & Singh 1993 (METHODS.md §2)",
    "tests": "MMD (Gretton et al. 2012), energy distance (Székely & Rizzo 2004), classifier two-sample "
             "test (Lopez-Paz & Oquab 2017); Holm 1979 correction (METHODS.md §8)",
    "hubness": "Radovanović et al., JMLR 2010; Schnitzer et al. 2012 (mutual proximity); Conneau et al. "
               "2018 (CSLS); Hara et al. 2016 (DisSimLocal) (METHODS.md §3)",
    "spread": "Rudman et al., *IsoScore*; Marbut et al., ICML 2023 (METHODS.md §7)",
    "whitening": "Yokoi et al., *Zipfian Whitening*, NeurIPS 2024 (METHODS.md §4)",
    "relative": "Moschella et al., *Relative representations enable zero-shot latent space "
                "communication*, ICLR 2023; linear CKA: Kornblith et al. 2019 (METHODS.md §5)",
    "cade": "Bianchi, Di Carlo, Nicoli & Palmonari, *Compass-aligned Distributional Embeddings* (CADE); "
            "Procrustes baseline: Hamilton et al. 2016 (METHODS.md §6)",
    "umap": "McInnes, Healy & Melville, *UMAP*, 2018; one seeded fit of all corpora (METHODS.md §9)",
    "embeddings": "Reimers & Gurevych, *Sentence-BERT*, 2019; default model all-MiniLM-L6-v2 "
                  "(METHODS.md §1)",
}


def explain(text: str, *sources: str) -> None:
    """One or two sentences on what the page's numbers mean, then the method references."""
    refs = "; ".join(SOURCES[s] for s in sources)
    st.markdown(text)
    if refs:
        st.caption(f"Method: {refs}.")


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
    """A p-value as people read it: 3 significant digits, '< 0.0001' for tiny ones."""
    try:
        value = float(p)
    except (TypeError, ValueError):
        return "–"
    if math.isnan(value):
        return "–"
    if value < 1e-4:
        return "< 0.0001"
    return f"{value:.3g}"


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
    config = {"text": st.column_config.TextColumn("text", width="large"), **(config or {})}
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
