"""Models page: how similar two embedding models' views of the same documents are (relative
representations, kNN overlap, retrieval MRR, CKA) and the documents they disagree on most."""

from __future__ import annotations

import streamlit as st

from app import state
from app.text import md
from app.ui import doc_table, explain, fmt_num, read_only_banner, require_result
from core.report.readings import model_readings

st.title("Compare models")
explain("Two models' vectors cannot be compared directly (their axes mean different things), so each "
        "document is described by its cosine similarity to the same anchor documents in each model: its "
        "**relative representation**. Matching relative representations mean the models see the same "
        "structure. *Relative cosine* and *kNN overlap* (Jaccard of the k nearest neighbours) are 1 for "
        "identical views; *MRR* is 1 when every document's twin is found first across the two spaces; "
        "*CKA* compares the raw spaces (1 = same up to rotation and scale).", "relative")
read_only_banner()
result = require_result()

comparison = result.model_comparison
if not comparison:
    reason = result.skipped.get("models", "")
    if reason and not reason.startswith(("not requested", "no second model")):
        st.info(f"The model comparison did not run: {md(reason)}", icon=":material/info:")
    else:
        st.info("No second model was run, so there is nothing to compare. To compare two models, name a "
                "**second model** on the Embed page, for example `fast` (a quick static version of the "
                "bundled model) or another model name or folder, and run the analysis again: naming it "
                "switches the comparison on.", icon=":material/info:")
        if not state.read_only():  # (a shared view has no Embed page)
            st.page_link("views/embed.py", label="Go to the Embed page", icon=":material/arrow_forward:")
    st.stop()

st.markdown(f"**{md(comparison.get('model_a', 'model A'))}** compared with "
            f"**{md(comparison.get('model_b', 'model B'))}**, over "
            f"{int(comparison.get('n_anchors', 0)):,} anchors ({md(comparison.get('anchor_method', ''))}) "
            f"and k = {int(comparison.get('k', 0))} neighbours.")
cols = st.columns(4)
metrics = [("relative cosine", "relative_cosine", "mean cosine between the two relative representations"),
           ("kNN overlap", "knn_jaccard", "mean Jaccard of the k-neighbour sets"),
           ("retrieval MRR", "mrr", "mean reciprocal rank of each document's twin"),
           ("linear CKA", "cka", "similarity of the raw spaces")]
for col, (label, key, help_text) in zip(cols, metrics):
    col.metric(label, fmt_num(comparison.get(key)), help=help_text)
st.markdown("**What the numbers say**")
st.table(model_readings(comparison), hide_index=True)
st.caption("The relative cosine is high for almost any two models (both see the same broad topics); the "
           "kNN overlap and MRR show whether they agree on which documents are closest.")

st.subheader("Documents the models disagree on most")
st.caption("Lowest agreement first: the two models place these documents among different neighbours.")
if result.model_documents.empty:
    st.info("No per-document agreement was stored for this analysis.")
else:
    doc_table(result.model_documents.head(200), key="model_documents", config={
        "relative_cosine": st.column_config.NumberColumn("relative cosine", format="%.3f"),
        "knn_jaccard": st.column_config.NumberColumn("kNN overlap", format="%.3f")})
