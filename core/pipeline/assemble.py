"""The final assembly of a run: the tables of :class:`~core.results.result.AnalysisResult` from the
values the stages (:mod:`core.pipeline.stages`) left in the :class:`~core.pipeline.context.RunContext`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.pipeline.context import RunContext
from core.pipeline.stages import _TEST_IDS, _doc_rows, _offsets, _pairs
from core.results.result import make_table

__all__: list[str] = []


def _test_rows(ctx: RunContext) -> list[dict[str, Any]]:
    rows = []
    depth = ctx.extras.get("depth", {})
    tests = ctx.extras.get("tests", {})
    for pair in _pairs(ctx.names):
        if pair in depth:
            for r in depth[pair].results:
                rows.append({"test": "depth", "reference": r.reference_name, "other": r.sample_name,
                             "statistic": r.statistic, "pvalue": r.pvalue, "effect_size": r.quality_index,
                             "effect_size_name": "Liu–Singh Q (0.5 = no difference, 0 = outlying)",
                             "note": f"Wilcoxon rank-sum z of depths w.r.t. {r.reference_name!r}, "
                                     f"alternative: {r.sample_name!r} less central"})
        for t in tests.get(pair, []):
            note = ""
            if t.subsampled:
                note = (f"seeded subsample: {t.n_used_a:,} of {t.n_a:,} and {t.n_used_b:,} of {t.n_b:,} "
                        f"documents (at most {t.max_n:,} per corpus are used in a test)")
            rows.append({"test": _TEST_IDS.get(t.test, t.test), "reference": t.name_a, "other": t.name_b,
                         "statistic": t.statistic, "pvalue": t.pvalue, "effect_size": t.effect_size,
                         "effect_size_name": t.effect_size_name, "n_permutations": t.n_permutations,
                         "random_state": t.random_state, "note": note})
    if rows:
        from core.analysis.multitest import adjust_pvalues

        adjusted = adjust_pvalues([r["pvalue"] for r in rows], method="holm")
        for r, q in zip(rows, adjusted):
            r["pvalue_adjusted"] = float(q)
    return rows


def _verdict_rows(ctx: RunContext, n_tests: int) -> list[dict[str, Any]]:
    from core.analysis.verdict import summarize_comparison

    depth = ctx.extras.get("depth", {})
    tests = ctx.extras.get("tests", {})
    rows = []
    for a, b in _pairs(ctx.names):
        if (a, b) not in depth and (a, b) not in tests:
            continue
        s = summarize_comparison(depth.get((a, b)), tests.get((a, b), ()), alpha=ctx.spec.alpha, names=(a, b))
        if s.evidence:
            headline = f"'{a}' and '{b}' differ ({s.strength} difference)"
        else:
            headline = f"No evidence that '{a}' and '{b}' differ"
        text = s.text
        if len(ctx.names) > 2:
            text += (f" (This verdict corrects over the {len(s.tests)} tests of this pair; the tests table "
                     f"corrects over all {n_tests} tests of the analysis, which is stricter.)")
        rows.append({"corpus_a": a, "corpus_b": b, "headline": headline, "text": text})
    return rows


def _extreme_rows(ctx: RunContext) -> list[dict[str, Any]]:
    spec = ctx.spec
    rows = []
    for name, kind, idx, values in ctx.extras.get("depth_extremes", []):
        ids, texts = _doc_rows(ctx, name, idx)
        rows += [{"corpus": name, "kind": kind, "rank": r, "doc_id": i, "text": t, "value": float(v)}
                 for r, (i, t, v) in enumerate(zip(ids, texts, values), start=1)]
    for name in ctx.names:
        prob = ctx.extras.get("classifier_prob", {}).get(name)
        if prob is None:
            continue
        k = min(spec.n_extremes, prob.size)
        for kind, order in (("separating", np.argsort(prob, kind="stable")[:k]),
                            ("crossover", np.argsort(-prob, kind="stable")[:k])):
            ids, texts = _doc_rows(ctx, name, order)
            rows += [{"corpus": name, "kind": kind, "rank": r, "doc_id": i, "text": t, "value": float(prob[j])}
                     for r, (i, t, j) in enumerate(zip(ids, texts, order), start=1)]
    return rows


def finalise(ctx: RunContext) -> dict[str, Any]:
    """The keyword arguments of :class:`~core.results.AnalysisResult` (tables and dicts) from ``ctx``."""
    documents = ctx.tables["documents"]
    starts = _offsets(ctx)
    for name in ctx.names:
        sl = starts[name]
        rows = np.arange(sl.start, sl.stop)
        if name in ctx.extras.get("depths", {}):
            documents.loc[rows, "depth"] = ctx.extras["depths"][name]
        if name in ctx.extras.get("classifier_prob", {}):
            documents.loc[rows, "classifier_prob"] = ctx.extras["classifier_prob"][name]
    if "k_occurrence" in ctx.extras:
        documents["k_occurrence"] = ctx.extras["k_occurrence"].astype(np.float64)
    if "map" in ctx.extras:
        documents["umap_x"] = ctx.extras["map"][:, 0].astype(np.float64)
        documents["umap_y"] = ctx.extras["map"][:, 1].astype(np.float64)
    tests = _test_rows(ctx)
    depth_rows = [{"reference": r.reference_name, "other": r.sample_name, "W": r.statistic, "pvalue": r.pvalue,
                   "Q": r.quality_index, "n_reference": r.n_reference, "n_other": r.n_sample}
                  for pair in _pairs(ctx.names) if pair in ctx.extras.get("depth", {})
                  for r in ctx.extras["depth"][pair].results]
    out: dict[str, Any] = {
        "corpora": make_table("corpora", ctx.tables["corpora"]),
        "documents": make_table("documents", documents),
        "depth_tests": make_table("depth_tests", depth_rows),
        "tests": make_table("tests", tests),
        "verdicts": make_table("verdicts", _verdict_rows(ctx, len(tests))),
        "extremes": make_table("extremes", _extreme_rows(ctx)),
    }
    for name in ("hubness", "hubs", "spread", "eigenspectrum", "symmetry", "words", "word_vocab",
                 "model_documents"):
        out[name] = make_table(name, ctx.tables.get(name, []))
    out["word_vectors"] = ctx.extras.get("word_vectors", {})
    out["model_comparison"] = ctx.tables.get("model_comparison", {})
    return out
