"""Compare page: the plain-language verdict of each pair, the depth test in both directions, the other
two-sample tests with Holm-adjusted p-values, and the most central, outlying and separating documents."""

from __future__ import annotations

import streamlit as st

from app import cache, state
from app.text import md
from app.ui import doc_table, explain, method_notes, read_only_banner, require_result, skipped
from core.report.readings import CITATIONS, evidence_table, format_p

KINDS = {
    "central": ("Most central", "the documents most typical of their corpus (highest depth)"),
    "outlying": ("Most outlying", "the least typical documents of their corpus (lowest depth)"),
    "separating": ("Most separating", ("documents the classifier is surest belong to their own corpus: "
                                      "they carry the difference")),
    "crossover": ("Look like another corpus", "documents the classifier would put in another corpus"),
}

st.title("Compare corpora")
explain("**Depth** measures how central a document is to a corpus (0 to 2, larger = more typical). The "
        "depth test asks whether one corpus's documents sit on the fringe of the other; it runs in both "
        "directions. **Q** is 0.5 when the other corpus looks like the reference and falls towards 0 when "
        "it is outlying. MMD, energy distance and a classifier test look for any difference; every "
        "p-value is corrected for multiple testing (Holm). How *large* a difference is comes from the "
        "effect sizes; a p-value only says how sure the test is, and a permutation test cannot give a "
        "p-value below 1 / (permutations + 1).", "depth", "tests")
read_only_banner()
result = require_result()
method_notes(result)
skipped(result, "depth", "tests")

pairs = result.pair_names()
if not pairs:
    st.info("This analysis has fewer than two corpora, so there is nothing to compare.")
    st.stop()
label = {p: f"{p[0]} vs {p[1]}" for p in pairs}
pair = pairs[0] if len(pairs) == 1 else st.selectbox("Pair of corpora", pairs, format_func=label.get,
                                                      key="compare_pair")
a, b = pair

verdicts = result.verdicts
row = verdicts[((verdicts["corpus_a"] == a) & (verdicts["corpus_b"] == b))
               | ((verdicts["corpus_a"] == b) & (verdicts["corpus_b"] == a))]
with st.container(border=True):
    st.subheader("Verdict")
    if row.empty:
        st.info("No verdict for this pair: the tests it is based on did not run.")
    else:
        st.markdown(f"**{md(row['headline'].iloc[0])}**")
        st.markdown(md(row["text"].iloc[0]))

depth = result.depth_tests
depth = depth[((depth["reference"] == a) & (depth["other"] == b)) | ((depth["reference"] == b) & (depth["other"] == a))]
st.subheader("Depth test, both directions")
if depth.empty:
    st.info("The depth test did not run for this pair.")
else:
    shown = depth.assign(p=[format_p(p) for p in depth["pvalue"]]).drop(columns=["pvalue"])
    st.dataframe(shown[["reference", "other", "Q", "W", "p", "n_reference", "n_other"]], hide_index=True,
                 width="stretch", column_config={
        "reference": "reference corpus", "other": "compared corpus",
        "W": st.column_config.NumberColumn("rank-sum z", format="%.1f",
                                           help="Rank-sum z statistic: large = reference deeper than other"),
        "p": st.column_config.TextColumn("p", help="One-sided: the reference's own documents are more central"),
        "Q": st.column_config.NumberColumn("Q (effect size)", format="%.3f",
                                           help="0.5 = alike, towards 0 = outlying"),
        "n_reference": "documents (reference)", "n_other": "documents (other)"})
    st.caption("Read a row as: are the compared corpus's documents less central to the reference corpus "
               "than the reference's own documents? A small p says yes.")

tests = result.tests
tests = tests[((tests["reference"] == a) & (tests["other"] == b)) | ((tests["reference"] == b) & (tests["other"] == a))]
st.subheader("All tests")
if tests.empty:
    st.info("No two-sample test ran for this pair.")
else:
    # a static table: every word of it readable at 1280 px, nothing cut off
    st.table(evidence_table(tests).rename(columns={"question": "what it asks",
                                                   "effect size": "effect size (how large)"}), hide_index=True)
    st.caption("Compare tests by their effect sizes, not by their p-values: the depth test's p-value has no "
               "floor, while a permutation test's p stops at 1 / (permutations + 1), however large the "
               "difference.")
    notes = tests[(tests["note"].fillna("").str.len() > 0) & (tests["test"] != "depth")]
    for note in dict.fromkeys(notes["note"]):
        st.caption(md(note))

st.subheader("Documents that tell the corpora apart")
extremes = result.extremes
if extremes.empty:
    st.info("No document ranking is available (the depth and classifier stages did not run).")
else:
    corpus = st.radio("Corpus", [a, b], horizontal=True, key="extremes_corpus")
    groups = cache.result_duplicates(result, state.result_token() or "shared").cluster_of()

    def _group(row) -> str:
        found = groups.get((str(row["corpus"]), str(row["doc_id"])))
        return f"yes: group {found[0]} ({found[1]} documents)" if found else ""

    kinds = [k for k in KINDS if ((extremes["kind"] == k) & (extremes["corpus"] == corpus)).any()]
    if not kinds:
        st.info(f"No ranked documents for {md(corpus)}.")
    for tab, kind in zip(st.tabs([KINDS[k][0] for k in kinds]) if kinds else [], kinds):
        with tab:
            st.caption(f"{KINDS[kind][0]}: {KINDS[kind][1]}.")
            part = extremes[(extremes["kind"] == kind) & (extremes["corpus"] == corpus)]
            value = "depth" if kind in ("central", "outlying") else "probability of another corpus"
            part = part.assign(boilerplate=[_group(r) for _, r in part.iterrows()])
            n_marked = int((part["boilerplate"] != "").sum())
            if n_marked:
                st.warning(f"{n_marked} of these {len(part)} documents are near-duplicates (boilerplate "
                           "repeated with small changes, see the Data page): they say little about the "
                           "corpus as a whole.", icon=":material/content_copy:")
            doc_table(part[["rank", "doc_id", "text", "value", "boilerplate"]], key=f"extremes_{kind}",
                      config={"value": st.column_config.NumberColumn(value, format="%.3f"),
                              "boilerplate": st.column_config.TextColumn("near-duplicate group")})

st.subheader("Distinctive words")
st.caption("The words each corpus of the pair uses more than the other, by the z-score of a weighted "
           "log-odds ratio (z above 2 is unlikely by chance). Method: " + CITATIONS["distinctive"] + ".")
words = cache.result_distinctive(result, state.result_token() or "shared", (a, b))
if words.empty:
    st.info("No distinctive words: the documents of this pair have too few words.")
else:
    for col, name in zip(st.columns(2), (a, b)):
        with col:
            st.markdown(f"**{md(name)}**")
            part = words[words["corpus"] == name].head(15)
            st.dataframe(part[["rank", "word", "z", "count", "count_others"]], hide_index=True, width="stretch",
                         column_config={"z": st.column_config.NumberColumn("z-score", format="%.1f"),
                                        "count": st.column_config.NumberColumn("count here"),
                                        "count_others": st.column_config.NumberColumn("count in the other")})
