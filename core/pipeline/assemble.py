"""The final assembly of a run: the tables of :class:`~core.results.result.AnalysisResult` from the
typed outputs (:mod:`core.pipeline.outputs`) the stages (:mod:`core.pipeline.stages`) returned.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.pipeline.context import RunContext
from core.pipeline.stages import _doc_rows, _offsets, _pairs
from core.results.result import make_table

__all__: list[str] = []


def _test_rows(ctx: RunContext) -> list[dict[str, Any]]:
    rows = []
    depth = ctx.depth.tests if ctx.depth is not None else {}
    tests = ctx.tests.results if ctx.tests is not None else {}
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
            rows.append({"test": t.test_id, "reference": t.name_a, "other": t.name_b,
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

    depth = ctx.depth.tests if ctx.depth is not None else {}
    tests = ctx.tests.results if ctx.tests is not None else {}
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
    for name, kind, idx, values in (ctx.depth.extremes if ctx.depth is not None else ()):
        ids, texts = _doc_rows(ctx, name, idx)
        rows += [{"corpus": name, "kind": kind, "rank": r, "doc_id": i, "text": t, "value": float(v)}
                 for r, (i, t, v) in enumerate(zip(ids, texts, values), start=1)]
    for name in ctx.names:
        prob = ctx.tests.classifier_prob.get(name) if ctx.tests is not None else None
        if prob is None:
            continue
        k = min(spec.n_extremes, prob.size)
        for kind, order in (("separating", np.argsort(prob, kind="stable")[:k]),
                            ("crossover", np.argsort(-prob, kind="stable")[:k])):
            ids, texts = _doc_rows(ctx, name, order)
            rows += [{"corpus": name, "kind": kind, "rank": r, "doc_id": i, "text": t, "value": float(prob[j])}
                     for r, (i, t, j) in enumerate(zip(ids, texts, order), start=1)]
    return rows


def _cross_depth_rows(ctx: RunContext) -> Any:
    """The ``cross_depths`` table: the depth of every document in every *other* corpus."""
    import pandas as pd

    if ctx.depth is None:
        return []
    parts = []
    for ref in ctx.names:
        for name in ctx.names:
            if name != ref:
                corpus = ctx.spec.corpora[ctx.names.index(name)]
                parts.append(pd.DataFrame({"reference": ref, "corpus": name, "doc_id": list(corpus.ids),
                                           "depth": ctx.depth.depths.cross[(ref, name)]}))
    return pd.concat(parts, ignore_index=True) if parts else []


def finalise(ctx: RunContext) -> dict[str, Any]:
    """The keyword arguments of :class:`~core.results.AnalysisResult` (tables and dicts) from ``ctx``."""
    assert ctx.load is not None, "the load stage always runs first"
    documents = ctx.load.documents.copy()
    starts = _offsets(ctx)
    for name in ctx.names:
        sl = starts[name]
        rows = np.arange(sl.start, sl.stop)
        if ctx.depth is not None:
            documents.loc[rows, "depth"] = ctx.depth.in_sample(name)
        if ctx.tests is not None and name in ctx.tests.classifier_prob:
            documents.loc[rows, "classifier_prob"] = ctx.tests.classifier_prob[name]
    if ctx.hubness is not None:
        documents["k_occurrence"] = ctx.hubness.k_occurrence.astype(np.float64)
    if ctx.map is not None:
        documents["umap_x"] = ctx.map.coords[:, 0].astype(np.float64)
        documents["umap_y"] = ctx.map.coords[:, 1].astype(np.float64)
    tests = _test_rows(ctx)
    depth_tests = ctx.depth.tests if ctx.depth is not None else {}
    depth_rows = [{"reference": r.reference_name, "other": r.sample_name, "W": r.statistic, "pvalue": r.pvalue,
                   "Q": r.quality_index, "n_reference": r.n_reference, "n_other": r.n_sample}
                  for pair in _pairs(ctx.names) if pair in depth_tests for r in depth_tests[pair].results]
    hubness, spread, words, models = ctx.hubness, ctx.spread, ctx.words, ctx.models
    return {
        "corpora": make_table("corpora", ctx.load.corpora),
        "documents": make_table("documents", documents),
        "depth_tests": make_table("depth_tests", depth_rows),
        "cross_depths": make_table("cross_depths", _cross_depth_rows(ctx)),
        "tests": make_table("tests", tests),
        "verdicts": make_table("verdicts", _verdict_rows(ctx, len(tests))),
        "extremes": make_table("extremes", _extreme_rows(ctx)),
        "hubness": make_table("hubness", list(hubness.rows) if hubness else []),
        "hubs": make_table("hubs", list(hubness.hubs) if hubness else []),
        "spread": make_table("spread", list(spread.spread) if spread else []),
        "eigenspectrum": make_table("eigenspectrum", spread.eigenspectrum if spread else []),
        "symmetry": make_table("symmetry", list(spread.symmetry) if spread else []),
        "words": make_table("words", words.rows if words else []),
        "word_vocab": make_table("word_vocab", words.vocabulary if words and words.vocabulary is not None
                                 else []),
        "word_vectors": dict(words.word_vectors) if words else {},
        "model_comparison": dict(models.comparison) if models else {},
        "model_documents": make_table("model_documents", models.documents if models else []),
    }
