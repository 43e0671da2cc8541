"""Map page: one UMAP of all corpora, coloured by corpus, label, depth, N_k or classifier probability;
drag a rectangle to list the documents inside it; download the coordinates."""

from __future__ import annotations

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import doc_table, explain, read_only_banner, require_result, skipped
from core.report.charts import map_chart, rows_in_region
from core.results.queries import display_sample

MAX_POINTS = 5000
FIXED = ["corpus", "doc_id", "text", "depth", "umap_x", "umap_y", "k_occurrence", "classifier_prob"]
MEASURES = {
    "depth": "depth (centrality in its own corpus)",
    "k_occurrence": "hubness N_k (times among others' nearest neighbours)",
    "classifier_prob": "classifier probability of another corpus",
}

st.title("Map")
explain("Every point is a document, placed so that documents with similar embeddings lie close together "
        "(one UMAP fitted on all corpora, so positions are comparable). Distances between far-apart "
        "clusters mean little; neighbourhoods do. Drag a rectangle to list the documents inside it.",
        "umap")
read_only_banner()
result = require_result()
if skipped(result, "map"):
    st.stop()

documents = result.documents
shown, n_total = display_sample(documents, max_points=MAX_POINTS, random_state=0)
if n_total == 0:
    st.info("No document has map coordinates in this analysis.")
    st.stop()

metadata = [c for c in documents.columns if c not in FIXED]
options = ["corpus"] + metadata + [m for m in MEASURES if documents[m].notna().any()]
labels = {"corpus": "corpus", **{m: f"label: {m}" for m in metadata}, **MEASURES}
colour = st.selectbox("Colour by", options, format_func=lambda c: labels.get(c, c), key="map_colour")
if colour == "classifier_prob" and len(result.corpus_names) > 2:
    st.caption("With three or more corpora: the probability that a document belongs to any corpus other "
               "than its own (own corpus against the rest).")

tips = ([] if colour == "corpus" else ["corpus"]) + [
    c for c in ("doc_id", "depth", "k_occurrence") if c != colour and documents[c].notna().any()]
chart = map_chart(shown, color=colour, tooltip_columns=tips,
                  n_total=n_total, corpus_order=result.corpus_names, width=900, height=520)
if n_total > len(shown):
    st.caption(f"Showing a random sample of {len(shown):,} of {n_total:,} documents, so the browser stays "
               "fast; the downloads below hold every document.")
event = st.altair_chart(chart, on_select="rerun", key="map_chart", width="stretch")

region = (event.selection.get("region") if event and getattr(event, "selection", None) else None) or None
inside = rows_in_region(shown, region)
st.subheader("Documents in the selected region")
if region is None:
    st.caption("Nothing selected: drag a rectangle on the map (double-click to clear it).")
elif inside.empty:
    st.caption("No document lies in the selected region.")
else:
    counts = inside["corpus"].value_counts()
    st.markdown("; ".join(f"{md(name)}: {int(n):,}" for name, n in counts.items())
                + f" (of {len(inside):,} selected documents)")
    doc_table(inside[["corpus", "doc_id", "text"] + [c for c in ("depth", "k_occurrence", "classifier_prob")
                                                       if inside[c].notna().any()] + metadata],
              key="region_table")

token = state.result_token() or "shared"
coordinates = documents[["corpus", "doc_id", "umap_x", "umap_y"] + metadata]
st.download_button("Download the coordinates (CSV)", cache.frame_csv(coordinates, token, "coordinates"),
                   file_name="coordinates.csv", mime="text/csv", key="download_coordinates", on_click="ignore",
                   help="corpus, doc_id, umap_x, umap_y and the label columns of every document.")
