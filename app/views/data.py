"""Data page: load corpora (bundled samples or uploads), choose columns, see their statistics."""

from __future__ import annotations

import hashlib

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import bundle_uploader, chart, read_only_banner
from core.exceptions import CorpusCompassError
from core.load.overview import (
    available_columns,
    corpora_overview,
    corpus_fingerprint,
    length_frame,
    zipf_frame,
)
from core.report.charts import zipf_chart

UPLOAD_TYPES = ["csv", "tsv", "tab", "jsonl", "ndjson", "parquet", "txt", "zip"]

st.title("Data")
st.markdown(
    "Load **two or more corpora** to compare: the bundled samples, or your own files (CSV, TSV, "
    "JSONL, Parquet, plain text with one document per line, or a .zip of .txt files, one document "
    "per file). Empty rows and exact duplicates are removed and counted; nothing is dropped silently."
)

flash = state.pop_flash()
if flash:
    st.success(flash, icon=":material/check_circle:")

if state.read_only():
    read_only_banner()
    result = state.result()
    if result is not None:
        st.subheader("Corpora of this analysis")
        st.dataframe(result.corpora.drop(columns=["sha256", "fingerprint"]), hide_index=True, width="stretch")
    st.caption("To load your own corpora, use **Close and start my own analysis** in the sidebar.")
    st.stop()
else:
    samples_col, upload_col = st.columns(2, gap="large")

    with samples_col:
        st.subheader("Sample corpora")
        samples = cache.samples()
        if not samples:
            st.warning("No sample corpora were found next to this installation (folder `sample_data/`).")
        if samples and st.button("Load the sample corpora", type="primary", key="load_samples"):
            for sample in samples:
                if sample.name not in state.corpora():
                    state.add_corpus(cache.load_sample(sample.name))
            state.set_flash(f"Loaded {len(samples)} sample corpora.")
            st.rerun()
        for sample in samples:
            st.caption(f"**{md(sample.title)}** ({md(sample.name)}): {md(sample.description)}")

    with upload_col:
        st.subheader("Your files")
        uploads = st.file_uploader("Corpus files (one corpus per file)", type=UPLOAD_TYPES,
                                   accept_multiple_files=True, key="uploads")
        for upload in uploads or []:
            data = upload.getvalue()
            added = state.added_uploads().get(upload.file_id)
            if added in state.corpora():
                st.caption(f"{md(upload.name)}: added as “{md(added)}”.")
                continue
            with st.expander(md(upload.name), expanded=True):
                try:
                    columns = available_columns(data, upload.name)
                except CorpusCompassError as exc:
                    st.error(md(exc))
                    continue
                choices = ["(infer)"] + columns
                text_column = st.selectbox("Text column", choices, key=f"text_col_{upload.file_id}",
                                           help="The column holding the documents; inferred if not chosen.")
                meta = st.multiselect("Label / metadata columns", columns, key=f"meta_{upload.file_id}",
                                      help="Kept with each document: usable for colouring the map.")
                vector_column = st.selectbox(
                    "Precomputed embeddings column (optional)", ["(none)"] + columns,
                    key=f"vec_col_{upload.file_id}",
                    help="A column of vectors, e.g. \"[0.1, 0.2, …]\" in CSV or a list in JSONL/Parquet. "
                         "Every corpus needs vectors of the same model for them to be used.")
                name = st.text_input("Corpus name", value=upload.name.rsplit(".", 1)[0],
                                     key=f"name_{upload.file_id}")
                if st.button("Add this corpus", key=f"add_{upload.file_id}"):
                    try:
                        corpus = cache.parse_upload(
                            data, upload.name, None if text_column == "(infer)" else text_column,
                            tuple(c for c in meta if c not in (text_column, vector_column)),
                            None if vector_column == "(none)" else vector_column)
                    except CorpusCompassError as exc:
                        st.error(md(exc))
                    else:
                        used = state.add_corpus(corpus, name=name.strip() or corpus.name)
                        state.added_uploads()[upload.file_id] = used
                        state.input_hashes()[used] = hashlib.sha256(data).hexdigest()
                        state.set_flash(f"Added “{md(used)}”: {len(corpus):,} documents.")
                        st.rerun()

if not state.read_only():
    with st.expander("Open a saved analysis bundle instead"):
        bundle_uploader("data_bundle")

corpora = list(state.corpora().values())
st.subheader("Loaded corpora")
if not corpora:
    st.info("Nothing loaded yet: click **Load the sample corpora** or upload files above.")
    st.stop()

stats = [cache.corpus_stats(c, c.name + ":" + corpus_fingerprint(c)) for c in corpora]
overview = corpora_overview(corpora, stats)
st.dataframe(overview, hide_index=True, width="stretch")
if len(corpora) < 2:
    st.warning("Load at least one more corpus: comparisons need two.")

notes = [(c.name, c.report) for c in corpora if c.report.encoding_fallback or c.report.text_column_inferred
         or c.report.notes]
for name, report in notes:
    lines = []
    if report.text_column_inferred and report.text_column_reason:
        lines.append(f"Text column: {report.text_column_reason}")
    if report.encoding_fallback and report.encoding_message:
        lines.append(f"Encoding: {report.encoding_message}")
    lines += list(report.notes)
    if lines:
        st.caption(f"**{md(name)}**: " + md(" · ".join(lines)))

if not state.read_only():
    with st.expander("Precomputed embeddings (.npy)"):
        st.caption("Instead of embedding the texts here, give each corpus a NumPy .npy file of shape "
                   "(rows of the file, dimensions), one row per record of the source file in file order "
                   "(rows later removed as empty or duplicate are dropped with their texts). Files are "
                   "read without pickle. The Embed page uses them when every corpus has vectors.")
        for corpus in corpora:
            have = "" if corpus.vectors is None else f" (has {corpus.vectors.shape[1]}-dimensional vectors)"
            npy = st.file_uploader(f"Vectors for {md(corpus.name)}{md(have)}", type=["npy"],
                                   key=f"npy_{corpus.name}")
            if npy is not None and st.button("Attach", key=f"attach_{corpus.name}"):
                try:
                    state.replace_corpus(corpus.name, corpus.with_vectors(npy.getvalue()))
                except CorpusCompassError as exc:
                    st.error(md(exc))
                else:
                    st.rerun()
    with st.popover("Remove corpora"):
        chosen = st.multiselect("Corpora to remove", [c.name for c in corpora], key="remove_choice")
        if st.button("Remove", key="remove_button", disabled=not chosen):
            for name in chosen:
                state.remove_corpus(name)
            st.rerun()

zipf_tab, length_tab, words_tab = st.tabs(["Zipf plot", "Document lengths", "Top words"])
with zipf_tab:
    st.caption("Word frequency against frequency rank on log–log axes. Natural language follows "
               "Zipf's law (a straight line of slope about −1); the fitted exponent is in the table below.")
    chart(zipf_chart(zipf_frame(stats), width=640))
    st.dataframe({"corpus": [s.name for s in stats],
                  "Zipf exponent": [s.zipf_exponent for s in stats]}, hide_index=True)
with length_tab:
    st.caption("How many documents have how many tokens (histogram per corpus).")
    st.dataframe(length_frame(stats), hide_index=True, width="stretch")
with words_tab:
    st.caption("The most frequent words of each corpus (Unicode-aware tokeniser; CJK one token per character).")
    cols = st.columns(len(stats))
    for col, s in zip(cols, stats):
        with col:
            st.markdown(f"**{md(s.name)}**")
            st.dataframe(s.top_words_frame(), hide_index=True, width="stretch")
