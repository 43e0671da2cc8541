"""Word shift page: words ranked by how differently two corpora use them beyond sampling noise, with
each method's shift, the noise expected at the word's frequency and its q-value; a plain statement
when no word stands out; a warning when near-duplicates make up a tenth or more of a corpus; a note
naming the function words shifted beyond noise, and a box to list content words only; a chosen
word's usages (passages with the word marked), frequency and neighbours in each corpus side by side;
its trajectory across three or more corpora."""

from __future__ import annotations

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import chart, explain, read_only_banner, require_result, skipped
from core.exceptions import CorpusCompassError
from core.report.ranking_charts import shift_bar_chart
from core.results.queries import (
    PARTIAL_CHANGE_NOTE,
    function_word_note,
    shift_duplicate_warnings,
    shift_ranking,
    shift_scale_note,
    shift_statements,
    word_neighbours,
    word_trajectory,
    word_usages,
)

st.title("Word shift")
explain("Each corpus is split at random into two halves, several times over, and a word is measured in "
        "every half. **Shift** = 1 − cosine between the word's vectors in the two corpora (0 = used the "
        "same way). **Noise** = the shift the same word shows between two halves of *one* corpus, averaged "
        "half and half with that of the words of similar frequency: what sampling alone produces at its "
        "frequency. A word is listed as shifted only when its shift "
        "exceeds that noise beyond chance (**q** ≤ 0.05, false discovery rate 5%), so rare words and "
        "function words with varied contexts do not fill the list. Words are ranked by **shift − noise**; "
        "in the chart the grey part of a bar is the noise and the coloured part the shift beyond it. "
        "Read the usages before believing a shift.", "cade")
read_only_banner()
result = require_result()
for note in state.result_notes():
    if "word2vec" in note:
        st.warning(md(note), icon=":material/warning:")
if skipped(result, "words"):
    st.stop()
if result.words.empty or result.word_vocab.empty:
    st.info("No word-shift results are stored in this analysis (turn on *Word shift* on the Embed page).")
    st.stop()

pairs = [p for p in result.pair_names() if p[0] in result.word_vectors and p[1] in result.word_vectors]
if not pairs:
    st.info("No pair of corpora has word vectors in this analysis.")
    st.stop()
controls = st.columns([2, 1, 1])
pair = controls[0].selectbox("Pair of corpora", pairs, format_func=lambda p: f"{p[0]} vs {p[1]}",
                             key="words_pair")
stored_min = int(result.manifest.get("parameters", {}).get("words_min_freq", 20))
min_freq = controls[1].number_input("Least occurrences in each corpus", min_value=stored_min,
                                    max_value=100_000, value=stored_min, key="words_min_freq",
                                    help=f"The analysis kept words seen at least {stored_min} times in both.")
top = controls[2].number_input("Words listed", 5, 500, 20, step=5, key="words_top")
content_only = st.checkbox("Content words only", key="words_content_only",
                           help="Leave English function words (“the”, “from”, “or”, …) out of the list and the "
                                "chart. Their vectors follow the topic of the words around them.")
a, b = pair
stored_top = result.manifest.get("parameters", {}).get("words_top", 100)
kept = "every scored word" if stored_top is None else f"the {int(stored_top)} most shifted words"
st.caption(f"The analysis kept {kept} of each pair among words seen at least {stored_min} times in both "
           "corpora; the filters here narrow that list.")
for line in shift_statements(result.words):
    if {line["corpus_a"], line["corpus_b"]} == {a, b}:
        (st.success if line["n_significant"] else st.info)(md(line["statement"]))
duplicates = cache.result_duplicates(result, state.result_token() or "shared")
for warning in shift_duplicate_warnings(duplicates, result.documents, (a, b)):
    st.warning(md(warning), icon=":material/content_copy:")

ranking = shift_ranking(result.words, a, b, min_freq=int(min_freq), top=int(top), content_only=content_only)
if ranking.empty:
    st.info(f"No {'content ' if content_only else ''}word occurs at least {int(min_freq)} times in both {md(a)} "
            f"and {md(b)}; lower the filter.")
else:
    function_note = None if content_only else function_word_note(ranking)
    if function_note:
        st.info(md(function_note), icon=":material/info:")
    chart_tab, table_tab = st.tabs(["Chart", "Table with each method, the noise and the neighbours"])
    shown = ranking[ranking["significant"]] if "significant" in ranking and ranking["significant"].any() \
        else ranking
    with chart_tab:
        title = (f"Shifted beyond noise: {a} vs {b}" if shown is not ranking
                 else f"Largest shifts (none beyond noise): {a} vs {b}")
        chart(shift_bar_chart(shown, top=int(top), title=title, width=560))
    scale_note = shift_scale_note(result.words, a, b)
    if scale_note:
        st.caption(md(scale_note))
    with table_tab:
        columns = [c for c in ("rank", "word", "shift", "noise", "beyond_noise", "q_value", "significant",
                               "shift_cade", "shift_contextual", "freq_a", "freq_b", "neighbours_a",
                               "neighbours_b")
                   if c in ranking.columns and not (c.startswith("shift_") and ranking[c].isna().all())]
        st.dataframe(ranking[columns], hide_index=True, width="stretch", column_config={
            "shift": st.column_config.NumberColumn("shift", format="%.3f"),
            "noise": st.column_config.NumberColumn("noise at this frequency", format="%.3f"),
            "beyond_noise": st.column_config.NumberColumn("shift − noise", format="%.3f"),
            "q_value": st.column_config.NumberColumn("q", format="%.2g"),
            "significant": st.column_config.CheckboxColumn("beyond noise"),
            "shift_cade": st.column_config.NumberColumn("shift (word2vec)", format="%.3f"),
            "shift_contextual": st.column_config.NumberColumn("shift (model's token vectors)", format="%.3f"),
            "freq_a": st.column_config.NumberColumn(f"count in {a}"),
            "freq_b": st.column_config.NumberColumn(f"count in {b}"),
            "neighbours_a": f"neighbours in {a}", "neighbours_b": f"neighbours in {b}"})

st.subheader("Usages and neighbours of a word in each corpus")
st.caption(f"{PARTIAL_CHANGE_NOTE} Type a word you suspect to read its usages.")
choices = ranking["word"].tolist() if not ranking.empty else []
pick_col, type_col = st.columns(2)
picked = pick_col.selectbox("A word from the list", choices or ["(none)"], key="words_pick")
typed = type_col.text_input("…or type any word", key="words_typed").strip()
word = typed or (picked if choices else "")
if word:
    try:
        usages = word_usages(result.documents, result.words, word, a, b, k=5)
    except CorpusCompassError as exc:
        st.info(md(exc))
    else:
        st.caption("Passages from each corpus with the word marked (at most one per document, chosen at "
                   "random), its number of occurrences and its nearest words.")
        st.html(usages.to_html())
    n_cols = st.columns(2, gap="large")
    for col, corpus in zip(n_cols, (a, b)):
        with col:
            st.markdown(f"**{md(word)}** in **{md(corpus)}**")
            try:
                table = word_neighbours(result.word_vocab, result.word_vectors, word, corpus, k=10,
                                        min_freq=stored_min)
            except CorpusCompassError as exc:
                st.info(md(exc))
            else:
                st.dataframe(table, hide_index=True, width="stretch", column_config={
                    "cosine": st.column_config.NumberColumn(format="%.3f")})

names = [n for n in result.corpus_names if n in result.word_vectors]
st.subheader("Trajectory across corpora")
if len(names) < 3:
    st.caption("A word's trajectory needs three or more corpora (for example time slices); this analysis "
               f"has {len(names)}.")
elif word:
    order = st.multiselect("Corpora, in order", names, default=names, key="trajectory_order",
                           help="For time slices, list them from oldest to newest.")
    try:
        path = word_trajectory(result.word_vocab, result.word_vectors, word, order, k=5, min_freq=stored_min)
    except CorpusCompassError as exc:
        st.info(md(exc))
    else:
        st.caption("Cosine to the first corpus (1 = unchanged) and shift from the previous corpus; empty "
                   "where the word is too rare to have a trained vector.")
        st.dataframe(path, hide_index=True, width="stretch", column_config={
            "cosine_to_first": st.column_config.NumberColumn("cosine to first", format="%.3f"),
            "shift_from_previous": st.column_config.NumberColumn("shift from previous", format="%.3f")})
else:
    st.caption("Choose or type a word above to see its trajectory.")
