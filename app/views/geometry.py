"""Geometry page: hubness before and after reduction (k-occurrence histogram, skewness, Robin Hood,
hubs with their texts), spread and isotropy, the eigenspectrum and whitening symmetry scores."""

from __future__ import annotations

import streamlit as st

from app.text import md
from app.ui import chart, doc_table, explain, method_notes, read_only_banner, require_result, skipped
from core.report.charts import eigenspectrum_chart, k_occurrence_histogram
from core.results.queries import k_occurrence_summary

st.title("Space geometry")
st.markdown("How the documents fill the embedding space: whether a few documents crowd everyone's "
            "neighbourhoods (hubness), and whether the space uses its dimensions evenly (spread).")
read_only_banner()
result = require_result()
method_notes(result)

hub_tab, spread_tab, symmetry_tab = st.tabs(["Hubness", "Spread and eigenspectrum", "Whitening symmetry"])

with hub_tab:
    explain("N_k counts how often a document is among the k nearest neighbours of the others (its mean is "
            "k). **Hubs** appear in very many neighbour lists, **antihubs** in none; both distort "
            "retrieval, clustering and the map. *k-skewness* (0 = symmetric, above about 1 = strong "
            "hubness) and the *Robin Hood index* (0 = even, 1 = one point takes all) summarise it; a "
            "reduction should lower both.", "hubness")
    if not skipped(result, "hubness"):
        hubness = result.hubness
        k = int(hubness["k"].iloc[0]) if len(hubness) else int(result.manifest.get("parameters", {}).get("k", 10))
        methods = list(dict.fromkeys(hubness["method"]))
        if len(methods) > 1:
            st.markdown("**Before and after the reduction** (method `none` is the space as embedded).")
        st.dataframe(hubness, hide_index=True, width="stretch", column_config={
            "scope": st.column_config.TextColumn("scope", help="'all' = all corpora pooled"),
            "method": st.column_config.TextColumn("reduction", help="'none' = the space as embedded"),
            "k_skewness": st.column_config.NumberColumn("k-skewness", format="%.3f"),
            "robin_hood": st.column_config.NumberColumn("Robin Hood", format="%.3f"),
            "antihub_occurrence": st.column_config.NumberColumn("antihubs (share)", format="%.3f"),
            "hub_occurrence": st.column_config.NumberColumn("hub slots (share)", format="%.3f"),
            "knn_accuracy": st.column_config.NumberColumn(
                "kNN accuracy", format="%.3f",
                help="How often a document's k neighbours vote for its own corpus (pooled space only)"),
        })
        docs = result.documents[["corpus", "k_occurrence"]].dropna()
        if len(docs):
            chart(k_occurrence_histogram(docs, group="corpus", k=k))
            st.dataframe(k_occurrence_summary(docs, k=k), hide_index=True, width="stretch", column_config={
                "mean N_k": st.column_config.NumberColumn(format="%.2f"),
                "antihubs": st.column_config.NumberColumn("antihubs (N_k = 0)", format="%.3f"),
                "hubs": st.column_config.NumberColumn(f"hubs (N_k ≥ {2 * k})", format="%.3f")})
            st.caption("N_k of the pooled neighbour graph of all corpora, before any reduction.")
        hubs = result.hubs
        if len(hubs):
            st.markdown("**Hubs and antihubs with their texts**")
            kinds = [kd for kd in ("hub", "antihub") if (hubs["kind"] == kd).any()]
            for tab, kind in zip(st.tabs([f"{kd}s" for kd in kinds]), kinds):
                with tab:
                    doc_table(hubs[hubs["kind"] == kind][["corpus", "doc_id", "k_occurrence", "text"]],
                              key=f"hubs_{kind}")

with spread_tab:
    explain("**IsoScore** is 1 when the documents spread evenly over all dimensions and 0 when they lie "
            "on a line; **EEE** is 0 for an even eigenspectrum and grows as a few directions dominate; "
            "**VRM** is 0 for Gaussian-like spread along each principal direction. Average cosine is "
            "listed for comparison with older papers but is a poor measure of spread (a space can have a "
            "high average cosine and still be evenly spread around its mean).", "spread")
    if not skipped(result, "spread"):
        if len(result.spread):
            st.dataframe(result.spread, hide_index=True, width="stretch", column_config={
                c: st.column_config.NumberColumn(label, format="%.4f") for c, label in
                [("isoscore", "IsoScore"), ("eee", "EEE"), ("vrm", "VRM"), ("average_cosine", "average cosine")]})
        if len(result.eigenspectrum):
            chart(eigenspectrum_chart(result.eigenspectrum, corpus_order=result.corpus_names))
            st.caption("Share of variance along each principal direction, log scale: a flat line is "
                       "isotropic, a steep drop means a few directions carry most of the variance.")

with symmetry_tab:
    explain("Symmetry scores of the space before and after each transform: the **first moment** score is "
            "1 when the vectors are centred at the origin, the **second moment** score is 1 when the "
            "variance is the same in every direction. Whitening should raise both towards 1.", "whitening")
    if result.symmetry.empty:
        st.info("No symmetry scores: choose a transform (centring, whitening, Zipfian whitening) on the "
                "Embed page to see its before/after effect." if "symmetry" not in result.skipped
                else f"Symmetry scores were not computed: {md(result.skipped['symmetry'])}")
    else:
        st.dataframe(result.symmetry, hide_index=True, width="stretch", column_config={
            "first_moment": st.column_config.NumberColumn("first moment (centring)", format="%.4f"),
            "second_moment": st.column_config.NumberColumn("second moment (isotropy)", format="%.4f")})
