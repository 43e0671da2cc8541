"""Data page: load corpora (bundled samples or uploads: chosen files load at once, their columns can be
changed afterwards), see their statistics, near-duplicates and distinctive words."""

from __future__ import annotations

import dataclasses
import hashlib

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import METHODS_PAGE, bundle_uploader, chart, doc_table, read_only_banner
from core.analysis.duplicates import DEFAULT_SHINGLE_SIZE, DEFAULT_THRESHOLD, without_documents
from core.exceptions import CorpusCompassError
from core.load.overview import (
    available_columns,
    corpora_overview,
    corpus_fingerprint,
    length_frame,
    zipf_frame,
)
from core.report.charts import zipf_chart
from core.report.readings import CITATIONS
from core.report.text_charts import length_histogram

UPLOAD_TYPES = ["csv", "tsv", "tab", "jsonl", "ndjson", "parquet", "txt", "zip"]
INFER = "(infer)"
NO_VECTORS = "(none)"


def _load_upload(upload, text_column: str | None = None) -> bool:
    """Read a chosen file at once (text column inferred unless given) and add it as a corpus; a problem
    is kept as a message for that file (replacing an earlier one). True when it was loaded."""
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    same = next((n for n, h in state.input_hashes().items() if h == digest and n in state.corpora()), None)
    if same is not None and text_column is None:
        # the same file chosen again (e.g. with another one): it is loaded already, not a second time
        state.added_uploads()[upload.file_id] = same
        return False
    errors = state.load_errors()
    errors[:] = [(f, m) for f, m in errors if f != upload.name]
    try:
        corpus = cache.parse_upload(data, upload.name, text_column)
    except CorpusCompassError as exc:
        errors.append((upload.name, str(exc)))
        state.added_uploads()[upload.file_id] = None
        return False
    used = state.add_corpus(corpus, name=upload.name.rsplit(".", 1)[0] or corpus.name)
    state.added_uploads()[upload.file_id] = used
    state.input_hashes()[used] = digest
    state.uploaded()[used] = (upload.name, data)
    return True


def _columns_editor(name: str, corpus) -> None:
    """Text, label and embeddings columns and the name of an uploaded corpus, changeable after loading."""
    filename, data = state.uploaded()[name]
    try:
        columns = available_columns(data, filename)
    except CorpusCompassError as exc:
        st.error(md(exc))
        return
    report = corpus.report
    current_meta = [c for c in corpus.metadata.columns if c in columns]
    text_choices = columns if report.text_column in columns else [report.text_column] + columns
    cols = st.columns([2, 3, 2, 2])
    text_column = cols[0].selectbox(
        "Text column", text_choices, index=text_choices.index(report.text_column), key=f"text_col_{name}",
        help="The column holding the documents. "
             + (f"Inferred: {report.text_column_reason}." if report.text_column_inferred else ""))
    meta = cols[1].multiselect("Label / metadata columns", [c for c in columns if c != text_column],
                               default=[c for c in current_meta if c != text_column], key=f"meta_{name}",
                               help="Kept with each document: usable for colouring the map.")
    vec_choices = [NO_VECTORS] + [c for c in columns if c != text_column]
    vector_column = cols[2].selectbox("Precomputed embeddings column", vec_choices, key=f"vec_col_{name}",
                                      help="A column of vectors, e.g. \"[0.1, 0.2, …]\" in CSV or a list in "
                                           "JSONL/Parquet. Every corpus needs vectors of the same model.")
    new_name = cols[3].text_input("Corpus name", value=name, key=f"name_{name}").strip()
    vec = None if vector_column == NO_VECTORS else vector_column
    # (vectors attached from a .npy file stay: only choosing a vector column re-reads the file for them)
    changed = (text_column != report.text_column or sorted(meta) != sorted(current_meta)
               or (vec is not None and corpus.vectors is None))
    if changed:
        try:
            reread = cache.parse_upload(data, filename, text_column,
                                        tuple(c for c in meta if c not in (text_column, vec)), vec)
        except CorpusCompassError as exc:
            st.error(f"{md(filename)} was kept as it was: {md(exc)}")
        else:
            state.replace_corpus(name, dataclasses.replace(reread, name=name))
            state.set_flash(f"“{md(name)}” reloaded: {len(reread):,} documents from the column "
                            f"“{md(text_column)}”.")
            st.rerun()
    if new_name and new_name != name and new_name not in state.corpora():
        loaded = state.corpora()
        renamed = {(new_name if k == name else k): (dataclasses.replace(v, name=new_name) if k == name else v)
                   for k, v in loaded.items()}
        loaded.clear()
        loaded.update(renamed)
        for table in (state.input_hashes(), state.uploaded()):
            if name in table:
                table[new_name] = table.pop(name)
        st.rerun()


st.title("Data")
st.markdown(
    "Load **two or more corpora** to compare: the bundled samples, or your own files (CSV, TSV, "
    "JSONL, Parquet, plain text with one document per line, or a .zip of .txt files, one document "
    "per file). Empty rows and exact duplicates are removed and counted; nothing is dropped silently."
)
st.page_link(METHODS_PAGE, label="How the statistics on this page are computed (methods)",
             icon=":material/menu_book:")

flash = state.pop_flash()
if flash:
    st.success(flash, icon=":material/check_circle:")

if state.read_only():
    read_only_banner()
    result = state.result()
    if result is None:
        st.stop()
    st.subheader("Corpora of this analysis")
    shown = result.corpora.drop(columns=["sha256", "fingerprint"]).rename(columns={
        "n_documents": "documents", "text_column": "text column", "n_empty_removed": "empty rows removed",
        "n_duplicates_removed": "exact duplicates removed"})
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption("To load your own corpora, use **Close and start my own analysis** in the sidebar.")
    token = state.result_token() or "shared"
    stats = cache.result_stats(result, token)
    duplicates = cache.result_duplicates(result, token)
    distinctive = cache.result_distinctive(result, token)
    corpora = []
    csv_key = token
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
        uploads = st.file_uploader("Corpus files (one corpus per file; each is loaded as soon as it is "
                                   "chosen)", type=UPLOAD_TYPES, accept_multiple_files=True, key="uploads")
        fresh = [u for u in uploads or [] if u.file_id not in state.added_uploads()]
        loaded_now = [state.added_uploads()[u.file_id] for u in fresh if _load_upload(u)]
        if fresh:
            if loaded_now:
                state.set_flash("Loaded " + ", ".join(f"“{md(n)}” ({len(state.corpora()[n]):,} documents)"
                                                     for n in loaded_now) + ".")
            st.rerun()
        errors = state.load_errors()
        # a message stays while its file is chosen (removing the file from the list removes it)
        errors[:] = [(f, m) for f, m in errors if f in {u.name for u in uploads or []}]
        for filename, message in errors:
            st.error(md(message), icon=":material/error:")  # every message names its file
        for upload in uploads or []:
            if state.added_uploads().get(upload.file_id, "") is not None:
                continue  # loaded (or not yet tried)
            try:
                columns = available_columns(upload.getvalue(), upload.name)
            except CorpusCompassError:
                continue  # the file itself cannot be read: its message says why
            pick, go = st.columns([3, 2], vertical_alignment="bottom")
            column = pick.selectbox(f"Text column of {md(upload.name)}", columns,
                                    key=f"text_col_{upload.file_id}")
            if go.button("Load with this column", key=f"load_with_{upload.file_id}"):
                if _load_upload(upload, column):
                    used = state.added_uploads()[upload.file_id]
                    state.set_flash(f"Loaded “{md(used)}” ({len(state.corpora()[used]):,} documents).")
                st.rerun()
        if errors and st.button("Dismiss these messages", key="dismiss_errors"):
            errors.clear()
            st.rerun()

    with st.expander("Open a saved analysis bundle instead"):
        bundle_uploader("data_bundle")

    corpora = list(state.corpora().values())
    st.subheader("Loaded corpora")
    if not corpora:
        st.info("Nothing loaded yet: click **Load the sample corpora**, or choose files under **Your "
                "files** (they load as soon as they are chosen).", icon=":material/info:")
        st.stop()
    key = "|".join(c.name + ":" + corpus_fingerprint(c) for c in corpora)
    stats = [cache.corpus_stats(c, c.name + ":" + corpus_fingerprint(c)) for c in corpora]
    overview = corpora_overview(corpora, stats)
    st.dataframe(overview[["corpus", "documents", "tokens", "vocabulary", "median tokens/doc", "p95 tokens/doc",
                           "empty removed", "duplicates removed"]],
                 hide_index=True, width="stretch", column_config={
                     "empty removed": st.column_config.NumberColumn(
                         "empty removed", help="Rows with no text, removed and counted"),
                     "duplicates removed": st.column_config.NumberColumn(
                         "exact repeats", help="Exact repeats of an earlier text, removed and counted"),
                     "median tokens/doc": st.column_config.NumberColumn(
                         "median length", help="Median tokens per document"),
                     "p95 tokens/doc": st.column_config.NumberColumn(
                         "95th pct length", help="95th percentile of tokens per document", format="%.0f")})
    # the file's name (a server-side path would mean nothing to the reader)
    overview["source"] = [str(f).replace("\\", "/").rsplit("/", 1)[-1] for f in overview["source"]]
    st.dataframe(overview[["corpus", "source", "text column", "encoding"]], hide_index=True, width="stretch",
                 column_config={"source": st.column_config.TextColumn("file", width="large"),
                                "text column": st.column_config.TextColumn("text column", width="medium")})
    if len(corpora) < 2:
        st.warning("Load at least one more corpus: comparisons need two.")
    for corpus in corpora:
        report = corpus.report
        lines = []
        if report.text_column_inferred and report.text_column_reason:
            lines.append(f"text column “{report.text_column}”: {report.text_column_reason}")
        if report.encoding_fallback and report.encoding_message:
            lines.append(f"encoding: {report.encoding_message}")
        lines += list(report.notes)
        if lines:
            st.caption(f"**{md(corpus.name)}**: " + md(" · ".join(lines)))

    uploaded = [c for c in corpora if c.name in state.uploaded()]
    if uploaded:
        with st.expander("Columns of the uploaded files (text column, labels, name)", expanded=False,
                         icon=":material/view_column:"):
            st.caption("The text column was inferred when the file was loaded; choose another here and the "
                       "file is read again at once.")
            for corpus in uploaded:
                st.markdown(f"**{md(corpus.name)}** ({md(state.uploaded()[corpus.name][0])})")
                _columns_editor(corpus.name, corpus)

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
    duplicates = cache.near_duplicates(tuple(corpora), key)
    distinctive = cache.distinctive_words(tuple(corpora), key) if len(corpora) > 1 else None
    csv_key = key

st.subheader("Near-duplicates")
st.caption(f"Two documents are near-duplicates when at least {DEFAULT_THRESHOLD:.0%} of their "
           f"{DEFAULT_SHINGLE_SIZE}-word sequences are shared (Jaccard similarity ≥ {DEFAULT_THRESHOLD:g}); "
           f"chains of near-duplicates form one group. Method: {CITATIONS['duplicates']}. Boilerplate "
           "(one description repeated with a different name) forms islands on the map and fills the lists "
           "of most central documents and hubs.")
if duplicates.n_clusters == 0:
    st.success(f"No near-duplicates among the {duplicates.n_documents:,} documents.",
               icon=":material/check_circle:")
else:
    groups_word = "group" if duplicates.n_clusters == 1 else "groups"
    st.warning(f"**{duplicates.n_in_clusters:,} of {duplicates.n_documents:,} documents** form "
               f"**{duplicates.n_clusters:,} {groups_word}** of near-duplicates; keeping one document per "
               f"group would remove {duplicates.n_removable:,}.", icon=":material/content_copy:")
    groups = duplicates.clusters.groupby("cluster", sort=True).agg(
        documents=("size", "first"), corpora=("corpus", lambda s: ", ".join(dict.fromkeys(s))),
        example=("text", "first")).reset_index().rename(columns={"cluster": "group"})
    doc_table(groups.rename(columns={"example": "text"}), height=min(400, 38 + 35 * len(groups)),
              key="duplicate_groups", config={"documents": st.column_config.NumberColumn("documents in group")})
    with st.expander("Every document of every group"):
        doc_table(duplicates.clusters.rename(columns={"cluster": "group", "size": "documents in group"}),
                  key="duplicate_documents")
    if corpora and st.button(f"Keep one document per group (remove {duplicates.n_removable:,})",
                             key="dedupe", icon=":material/filter_alt:"):
        for corpus_name, ids in duplicates.drop_ids().items():
            corpus = state.corpora().get(corpus_name)
            if corpus is not None:
                state.replace_corpus(corpus_name, without_documents(corpus, ids))
        state.set_flash(f"Removed {duplicates.n_removable:,} near-duplicates (the first document of each "
                        "group was kept).")
        st.rerun()

zipf_tab, length_tab, distinct_tab, words_tab = st.tabs(
    ["Zipf plot", "Document lengths", "Distinctive words", "Most frequent words"])
with zipf_tab:
    st.caption("Word frequency against frequency rank on log–log axes. Natural language follows "
               "Zipf's law (a straight line of slope about −1); the fitted exponent is in the table below.")
    chart(zipf_chart(zipf_frame(stats), width=640))
    st.dataframe({"corpus": [s.name for s in stats],
                  "Zipf exponent": [s.zipf_exponent for s in stats]}, hide_index=True)
with length_tab:
    st.caption("How many documents have how many tokens (histogram per corpus).")
    chart(length_histogram(length_frame(stats), corpus_order=[s.name for s in stats]))
with distinct_tab:
    st.caption("The words each corpus uses more than the others, ranked by the z-score of a weighted "
               "log-odds ratio: a large z means strong evidence that the word is over-used in this corpus "
               "(z above 2 is unlikely by chance). Unlike the most frequent words, common words such as "
               f"'the' rank low unless one corpus really uses them more. Method: {CITATIONS['distinctive']}.")
    if distinctive is None or distinctive.empty:
        st.info("Distinctive words need two or more corpora with words.")
    else:
        names = list(dict.fromkeys(distinctive["corpus"]))
        for col, name in zip(st.columns(min(len(names), 3)) * ((len(names) + 2) // 3), names):
            with col:
                st.markdown(f"**{md(name)}**")
                part = distinctive[distinctive["corpus"] == name]
                st.dataframe(part[["rank", "word", "z", "count", "count_others"]], hide_index=True,
                             width="stretch", column_config={
                                 "z": st.column_config.NumberColumn("z-score", format="%.1f"),
                                 "count": st.column_config.NumberColumn("count here"),
                                 "count_others": st.column_config.NumberColumn("count in the others")})
        st.download_button("Download distinctive words (CSV)",
                           cache.frame_csv(distinctive, csv_key, "distinctive"),
                           file_name="distinctive_words.csv", mime="text/csv", key="download_distinctive",
                           on_click="ignore")
with words_tab:
    st.caption("The most frequent words of each corpus (Unicode-aware tokeniser; CJK one token per "
               "character). Function words top every list: see Distinctive words for what sets each apart.")
    cols = st.columns(len(stats)) if stats else []
    for col, s in zip(cols, stats):
        with col:
            st.markdown(f"**{md(s.name)}**")
            st.dataframe(s.top_words_frame(), hide_index=True, width="stretch")
