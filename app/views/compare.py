"""Compare page: the plain-language verdict of each pair, the depth test in both directions, the other
two-sample tests with Holm-adjusted p-values, and the most central, outlying and separating documents."""

from __future__ import annotations

import streamlit as st

from app.text import md
from app.ui import chart, doc_table, explain, method_notes, read_only_banner, require_result, skipped
from core.report.ranking_charts import significance_chart

P_FORMAT = "%.4g"
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
        "p-value is corrected for multiple testing (Holm).", "depth", "tests")
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
    st.dataframe(depth, hide_index=True, width="stretch", column_config={
        "reference": "reference corpus", "other": "compared corpus",
        "W": st.column_config.NumberColumn("W (z)", format="%.3f",
                                           help="Rank-sum z statistic: large = reference deeper than other"),
        "pvalue": st.column_config.NumberColumn("p", format=P_FORMAT,
                                                help="One-sided: the reference's own documents are more central"),
        "Q": st.column_config.NumberColumn("Q", format="%.3f", help="0.5 = alike, towards 0 = outlying"),
        "n_reference": "documents (reference)", "n_other": "documents (other)"})
    st.caption("Read a row as: are the compared corpus's documents less central to the reference corpus "
               "than the reference's own documents? A small p says yes.")

tests = result.tests
tests = tests[((tests["reference"] == a) & (tests["other"] == b)) | ((tests["reference"] == b) & (tests["other"] == a))]
st.subheader("All tests")
if tests.empty:
    st.info("No two-sample test ran for this pair.")
else:
    st.dataframe(tests.drop(columns=["random_state"]), hide_index=True, width="stretch", column_config={
        "statistic": st.column_config.NumberColumn("statistic", format="%.4g"),
        "pvalue": st.column_config.NumberColumn("p", format=P_FORMAT),
        "pvalue_adjusted": st.column_config.NumberColumn("p (Holm-adjusted)", format=P_FORMAT,
                                                         help="Corrected over all tests of the analysis"),
        "effect_size": st.column_config.NumberColumn("effect size", format="%.3f"),
        "effect_size_name": "effect size measure", "n_permutations": "permutations"})
    chart(significance_chart(tests))

st.subheader("Documents that tell the corpora apart")
extremes = result.extremes
if extremes.empty:
    st.info("No document ranking is available (the depth and classifier stages did not run).")
else:
    corpus = st.radio("Corpus", [a, b], horizontal=True, key="extremes_corpus")
    kinds = [k for k in KINDS if ((extremes["kind"] == k) & (extremes["corpus"] == corpus)).any()]
    if not kinds:
        st.info(f"No ranked documents for {md(corpus)}.")
    for tab, kind in zip(st.tabs([KINDS[k][0] for k in kinds]) if kinds else [], kinds):
        with tab:
            st.caption(f"{KINDS[kind][0]}: {KINDS[kind][1]}.")
            part = extremes[(extremes["kind"] == kind) & (extremes["corpus"] == corpus)]
            value = "depth" if kind in ("central", "outlying") else "probability of another corpus"
            doc_table(part[["rank", "doc_id", "text", "value"]], key=f"extremes_{kind}",
                      config={"value": st.column_config.NumberColumn(value, format="%.3f")})
