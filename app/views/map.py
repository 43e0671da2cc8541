"""Map page: one UMAP of all corpora, every document drawn with WebGL (up to hundreds of thousands),
coloured by corpus, label, depth, N_k or classifier probability; drag a box or a lasso to list the
documents inside it; download the coordinates."""

from __future__ import annotations

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import doc_table, explain, read_only_banner, require_result, skipped
from core.report.map_webgl import rows_in_selection, selection_bounds
from core.results.queries import display_sample

#: most documents drawn; above it a random sample (the downloads keep every document)
MAX_POINTS = 500_000
FIXED = ["corpus", "doc_id", "text", "depth", "umap_x", "umap_y", "k_occurrence", "classifier_prob"]
MEASURES = {
    "depth": "depth (centrality in its own corpus)",
    "k_occurrence": "hubness N_k (times among others' nearest neighbours)",
    "classifier_prob": "classifier probability of another corpus",
}

st.title("Map")
explain("Every point is a document, placed so that documents with similar embeddings lie close together "
        "(one UMAP fitted on all corpora, so positions are comparable). Distances between far-apart "
        "clusters mean little; neighbourhoods do. Drag a rectangle (or choose the lasso in the chart's "
        "toolbar) to list the documents inside it; double-click to clear.",
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
token = state.result_token() or f"shared-{state.shared_id()}"
figure = cache.map_figure(shown, token, colour, tuple(tips), tuple(result.corpus_names))
if n_total > len(shown):
    st.caption(f"Showing a random sample of {len(shown):,} of {n_total:,} documents; the downloads below "
               "hold every document.")
else:
    st.caption(f"Every document is drawn: {n_total:,} points.")
event = st.plotly_chart(figure, on_select="rerun", selection_mode=("box", "lasso"), key="map_chart",
                        width="stretch", config={"displaylogo": False, "scrollZoom": True})

selection = event.selection if event and getattr(event, "selection", None) else None
boxes, lassos = selection_bounds(selection)
region = (boxes or lassos) or None
inside = rows_in_selection(shown, selection)
st.subheader("Documents in the selected region")
if len(boxes) == 1 and not lassos:
    x0, x1, y0, y1 = boxes[0]
    st.caption(f"Selected box: UMAP 1 from {x0:.6g} to {x1:.6g}, UMAP 2 from {y0:.6g} to {y1:.6g}.")
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

coordinates = documents[["corpus", "doc_id", "umap_x", "umap_y"] + metadata]
st.download_button("Download the coordinates (CSV)", cache.frame_csv(coordinates, token, "coordinates"),
                   file_name="coordinates.csv", mime="text/csv", key="download_coordinates", on_click="ignore",
                   help="corpus, doc_id, umap_x, umap_y and the label columns of every document.")
