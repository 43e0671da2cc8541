"""Geometry page: hubness before and after reduction (k-occurrence histogram, skewness, Robin Hood,
hubs with their texts), spread and isotropy, the eigenspectrum and whitening symmetry scores."""

from __future__ import annotations

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import chart, doc_table, explain, method_notes, read_only_banner, require_result, skipped
from core.methods import method_labels
from core.report.charts import eigenspectrum_chart, k_occurrence_histogram
from core.report.readings import geometry_readings, symmetry_table
from core.results.queries import k_occurrence_summary

# the hubness table's "method" column: "none" (the space as embedded) or a reduction (core.methods)
METHOD_LABELS = {"none": "none (as embedded)", **method_labels("reduction", inline=True)}

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
        pooled = hubness[(hubness["scope"] == "all") & (hubness["method"] == "none")]
        row = (pooled if len(pooled) else hubness).iloc[0].to_dict() if len(hubness) else None
        if row is not None:
            st.markdown(f"**What the numbers say** (all corpora pooled, k = {k}, before any reduction)")
            st.table(geometry_readings(row, None, k=k), hide_index=True)
        methods = list(dict.fromkeys(hubness["method"]))
        if len(methods) > 1:
            st.markdown("**Before and after the reduction** (“none” is the space as embedded).")
        shown = hubness.assign(method=[METHOD_LABELS.get(m, m) for m in hubness["method"]],
                               scope=["all corpora" if s == "all" else s for s in hubness["scope"]])
        columns = ["scope", "method", "k", "k_skewness", "robin_hood", "antihub_occurrence", "hub_occurrence"]
        if shown["knn_accuracy"].notna().any():
            columns.append("knn_accuracy")
        st.dataframe(shown[columns], hide_index=True, width="stretch", column_config={
            "scope": st.column_config.TextColumn("corpora"),
            "method": st.column_config.TextColumn("hubness reduction"),
            "k": st.column_config.NumberColumn("k (neighbours)"),
            "k_skewness": st.column_config.NumberColumn("k-skewness", format="%.3f"),
            "robin_hood": st.column_config.NumberColumn("Robin Hood index", format="%.3f"),
            "antihub_occurrence": st.column_config.NumberColumn("antihubs (share)", format="%.3f"),
            "hub_occurrence": st.column_config.NumberColumn("hub share of neighbour slots", format="%.3f"),
            "knn_accuracy": st.column_config.NumberColumn(
                "neighbours from the same corpus", format="%.3f",
                help="How often the majority of a document's k neighbours come from its own corpus"),
        })
        for note in dict.fromkeys(n for n in hubness["note"].fillna("") if n):
            st.caption(md(note))
        docs = result.documents[["corpus", "k_occurrence"]].dropna()
        if len(docs):
            chart(k_occurrence_histogram(docs, group="corpus", k=k))
            st.dataframe(k_occurrence_summary(docs, k=k), hide_index=True, width="stretch", column_config={
                "mean N_k": st.column_config.NumberColumn(format="%.2f"),
                "antihubs": st.column_config.NumberColumn("antihubs (N_k = 0)", format="%.3f"),
                "hubs": st.column_config.NumberColumn(f"hubs (N_k ≥ {2 * k})", format="%.3f"),
                "max N_k": st.column_config.NumberColumn("largest N_k")})
            st.caption("N_k of the pooled neighbour graph of all corpora, before any reduction.")
        hubs = result.hubs
        if len(hubs):
            st.markdown("**Hubs and antihubs with their texts**")
            kinds = [kd for kd in ("hub", "antihub") if (hubs["kind"] == kd).any()]
            groups = cache.result_duplicates(result, state.result_token() or "shared").cluster_of()
            for tab, kind in zip(st.tabs([f"{kd}s" for kd in kinds]), kinds):
                with tab:
                    part = hubs[hubs["kind"] == kind][["corpus", "doc_id", "k_occurrence", "text"]]
                    marks = [groups.get((str(c), str(d))) for c, d in zip(part["corpus"], part["doc_id"])]
                    part = part.assign(boilerplate=[f"yes: group {m[0]} ({m[1]} documents)" if m else ""
                                                    for m in marks])
                    if any(marks):
                        st.warning(f"{sum(1 for m in marks if m)} of these {len(part)} documents are "
                                   "near-duplicates (boilerplate, see the Data page).",
                                   icon=":material/content_copy:")
                    doc_table(part, key=f"hubs_{kind}", config={
                        "k_occurrence": st.column_config.NumberColumn("N_k (times a neighbour)"),
                        "boilerplate": st.column_config.TextColumn("near-duplicate group")})

with spread_tab:
    explain("**IsoScore** is 1 when the documents spread evenly over all dimensions and 0 when they lie "
            "on a line; **EEE** is 0 for an even eigenspectrum and grows as a few directions dominate; "
            "**VRM** is 0 for Gaussian-like spread along each principal direction. Average cosine is "
            "listed for comparison with older papers but is a poor measure of spread (a space can have a "
            "high average cosine and still be evenly spread around its mean).", "spread")
    if not skipped(result, "spread"):
        if len(result.spread):
            corpus_names = list(result.spread["corpus"])
            pick = corpus_names[0] if len(corpus_names) == 1 else st.selectbox(
                "Reading for the corpus", corpus_names, key="spread_reading_corpus")
            row = result.spread[result.spread["corpus"] == pick].iloc[0].to_dict()
            st.table(geometry_readings(None, row, k=1, corpus=pick), hide_index=True)
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
        table = symmetry_table(result.symmetry)
        table = table.assign(corpus=["all corpora" if c == "all" else c for c in table["corpus"]])
        st.markdown("**Before and after each transform**: *before* is the space as the model embedded it.")
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            c: st.column_config.NumberColumn(c, format="%.3f") for c in table.columns[2:]})
        st.caption("Both scores run from 0 to 1: the centring score is 1 when the vectors are centred at "
                   "the origin, the isotropy score is 1 when the variance is the same in every direction. "
                   "A transform that works raises the *after* columns towards 1.")
