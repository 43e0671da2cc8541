"""The HTML report of an analysis: sections assembled from an :class:`~core.results.AnalysisResult`.

The same report comes out of ``corpus-compass compare`` (``DIR/report.html``) and the dashboard's
export. It is built only from the result (the depths of each corpus's documents in the other corpora
are kept in ``result.cross_depths``, so a result saved with or without its embeddings gives the same
report), with the blocks of :mod:`core.report.html`, which escapes every piece of user text; nothing
here writes HTML.

Sections: overview (corpora, model, stages that did not run), verdicts, statistical tests, map (UMAP,
sampled to ``map_max_points`` with the sample size stated; canvas renderer above 1,500 points), depth
(histograms and the most central, outlying and separating documents; 5 of each), hubness,
spread and symmetry, word shift, model comparison, run times, and the reproducibility manifest.
Every section opens with a sentence or two on what its numbers mean and where the method comes from.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from core.exceptions import InputError, ParameterError
from core.methods import method_citation, method_label, method_labels
from core.report.html import (
    ChartBlock,
    KeyValueBlock,
    Paragraph,
    ReportSection,
    TableBlock,
    UsagesBlock,
    Verdict,
    render_report,
    write_report,
)
from core.report.text_sections import mark_near_duplicates, near_duplicates_of, text_section
from core.results.result import AnalysisResult

__all__ = ["build_report_sections", "render_html_report", "write_html_report"]

_CANVAS_ABOVE = 1500
_SHOW = 5  # rows per list of documents in the report (the result and bundle keep them all)
_STAGE_TITLES = method_labels("stage", inline=True)  # "depth test", "neighbour graph", ...


def _spec(chart: Any) -> dict[str, Any]:
    """The chart's Vega-Lite dict, data inline, without Altair's JSON-schema validation.

    Validation walks every inline data row (for a 5,000-point map it took most of the report's
    time); the chart builders of :mod:`core.report.charts` are validated by their own tests, and
    the result goes through :func:`core.report.charts.chart_to_spec` when the report is rendered.
    """
    import altair as alt

    with alt.data_transformers.enable("default", max_rows=None):
        return chart.to_dict(validate=False)


def _skipped_note(result: AnalysisResult, *stages: str) -> list[Any]:
    out = []
    for stage in stages:
        reason = result.skipped.get(stage)
        if reason:
            out.append(Verdict(f"This part did not run: {reason}", heading="Not computed", tone="warning"))
    return out


def _map_sample(documents: pd.DataFrame, max_points: int, seed: int) -> pd.DataFrame:
    shown = documents.dropna(subset=["umap_x", "umap_y"])
    if len(shown) > max_points:
        shown = shown.sample(n=max_points, random_state=seed).sort_index()
    return shown


# --------------------------------------------------------------------------- sections


def _overview(result: AnalysisResult) -> ReportSection:
    corpora = result.corpora[["corpus", "n_documents", "source", "text_column", "n_empty_removed",
                              "n_duplicates_removed"]].rename(columns={
        "n_documents": "documents", "text_column": "text column", "n_empty_removed": "empty rows removed",
        "n_duplicates_removed": "exact duplicates removed", "source": "file"})
    corpora["file"] = [Path(str(f)).name for f in corpora["file"]]
    model = result.manifest.get("model") or {}
    params = result.manifest.get("parameters") or {}
    blocks: list[Any] = [TableBlock(corpora, caption="The corpora compared")]
    blocks.append(KeyValueBlock({
        "model": model.get("name"), "precision": model.get("precision"), "dimensions": model.get("dimension"),
        "weights SHA-256": model.get("weight_sha256"),
        "transforms": ", ".join(params.get("transforms") or []) or "none",
        "seed": params.get("seed"),
    }, caption="Embedding model and settings"))
    # "no transform chosen" is a setting, shown above, not a part that failed to run
    missing = {stage: reason for stage, reason in result.skipped.items() if stage != "transform"}
    if missing:
        skipped = pd.DataFrame({"part": [_STAGE_TITLES.get(s, s) for s in missing],
                                "why it did not run": list(missing.values())})
        blocks.append(TableBlock(skipped, caption="Parts of the analysis that did not run", max_chars=400))
    if result.notes:
        blocks.append(TableBlock(pd.DataFrame({"note": result.notes}), max_chars=600,
                                 caption="Notes from the methods (fallbacks, approximations, small corpora)"))
    return ReportSection(
        "Overview",
        "What was compared, with which model. Each document was turned into a vector by the embedding "
        "model; every analysis below works on those vectors (after the transforms listed).",
        blocks)


def _verdicts(result: AnalysisResult) -> ReportSection:
    blocks: list[Any] = []
    for row in result.verdicts.itertuples(index=False):
        tone = "similar" if row.headline.startswith("No evidence") else "difference"
        blocks.append(Verdict(row.text, heading=row.headline, tone=tone))
    if not blocks:
        blocks = _skipped_note(result, "depth", "tests") or [Paragraph("No test ran, so there is no verdict.")]
    return ReportSection(
        "Verdict",
        "The answer in plain language for each pair of corpora: is there evidence that they differ, how "
        "large the difference is, and which corpus lies on the fringe of which. Evidence comes from "
        "p-values corrected for multiple testing; the size of the difference from an effect size, never "
        "from a p-value.",
        blocks)


def _tests(result: AnalysisResult, alpha: float) -> ReportSection:
    blocks: list[Any] = _skipped_note(result, "depth", "tests")
    tests = result.tests
    if len(tests):
        from core.report.readings import evidence_table

        blocks.append(TableBlock(evidence_table(tests), max_chars=200,
                                 caption="One row per test and direction: effect size first (how large the "
                                         "difference is), then the p-value (how sure the test is)"))
        # the depth rows' notes restate the intro; the others say when a test used a subsample
        notes = tests[(tests["note"].fillna("").str.len() > 0) & (tests["test"] != "depth")]
        perm = tests["n_permutations"].dropna()
        if len(perm):
            blocks.append(Paragraph(f"Permutation tests used {int(perm.max()):,} permutations each "
                                    "(p-values cannot go below 1 / (permutations + 1))."))
        if len(notes):
            blocks.append(TableBlock(notes[["test", "reference", "other", "note"]], caption="Notes",
                                     max_chars=300))
        blocks.append(Paragraph("Tests are compared by their effect sizes, not their p-values: the depth "
                                "test's p-value has no floor, while a permutation test's cannot go below "
                                "1 / (permutations + 1) however large the difference."))
    return ReportSection(
        "Statistical tests",
        f"{method_label('test', 'depth')} ({method_citation('test', 'depth')}), run in both directions: "
        "is the 'other' corpus less central than the reference corpus's own documents? Q near 0.5 means "
        f"no, towards 0 means it lies on the fringe. MMD ({method_citation('test', 'mmd')}), energy "
        f"distance ({method_citation('test', 'energy')}) and a cross-validated classifier "
        f"({method_citation('test', 'classifier')}; AUC 0.5 = indistinguishable) test whether the corpora "
        "come from one distribution, with permutation p-values. 'p (Holm)' is corrected over every row of "
        "the table (Holm 1979).",
        blocks)


def _depth_frame(result: AnalysisResult) -> pd.DataFrame:
    """Long table ``reference, corpus, depth`` for the histograms: each corpus's own depths, and the
    depths of its documents in every other corpus kept by the run (``cross_depths``; a result saved
    before they were kept has only its own)."""
    names = result.corpus_names
    docs = result.documents.dropna(subset=["depth"])
    cross = result.cross_depths
    parts = []
    for ref in names:
        for name in names:
            if name == ref:
                depth = docs.loc[docs["corpus"] == name, "depth"].to_numpy()
            else:
                depth = cross.loc[(cross["reference"] == ref) & (cross["corpus"] == name), "depth"].to_numpy()
            if depth.size:
                parts.append(pd.DataFrame({"reference": ref, "corpus": name, "depth": depth}))
    if not parts:
        return pd.DataFrame({"reference": pd.Series([], dtype="str"), "corpus": pd.Series([], dtype="str"),
                             "depth": pd.Series([], dtype="float64")})
    return pd.concat(parts, ignore_index=True)


def _depth(result: AnalysisResult, groups: dict) -> ReportSection:
    blocks: list[Any] = _skipped_note(result, "depth")
    names = result.corpus_names
    if result.documents["depth"].notna().any():
        from core.report.charts import depth_histogram

        frame = _depth_frame(result)
        blocks.append(ChartBlock(_spec(depth_histogram(frame, corpus_order=names)),
                                 caption="Depth of every document with respect to each corpus. Documents of "
                                         "the reference corpus itself are measured leaving themselves out."))
    labels = {"central": "most central (typical of their corpus)",
              "outlying": "most outlying (unusual for their corpus)",
              "separating": "most separating (the classifier is surest they belong to their own corpus)",
              "crossover": "look most like another corpus (highest classifier probability of another corpus)"}
    extremes = result.extremes
    for name in names:
        for kind in ("central", "outlying", "separating", "crossover"):
            rows = extremes[(extremes["corpus"] == name) & (extremes["kind"] == kind)].head(_SHOW)
            if not len(rows):
                continue
            value = "depth" if kind in ("central", "outlying") else "P(other corpus)"
            table = mark_near_duplicates(rows[["rank", "doc_id", "text", "value"]], groups, corpus=name)
            if kind in ("separating", "crossover"):  # probabilities, read as people read them
                table = table.assign(value=["< 0.001" if v < 0.001 else f"{v:.3f}" for v in table["value"]])
            table = table.rename(columns={"value": value, "doc_id": "document id"})
            blocks.append(TableBlock(table, caption=f"{name}: {labels[kind]}", max_chars=220))
    return ReportSection(
        "Central, outlying and separating documents",
        "Depth ranks documents by how central they are to a corpus: 2 minus the mean cosine distance to "
        "the corpus's documents (TTE depth, Seegmiller & Preum 2023); larger is more central. "
        "Separating documents are those a cross-validated classifier assigns to their own corpus most "
        "confidently: they show what the difference is made of.",
        blocks)


def _map(result: AnalysisResult, max_points: int, seed: int) -> ReportSection:
    blocks: list[Any] = _skipped_note(result, "map")
    docs = result.documents
    if docs["umap_x"].notna().any():
        from core.report.charts import map_chart

        shown = _map_sample(docs, max_points, seed)
        mappable = docs.dropna(subset=["umap_x", "umap_y"])
        kwargs = {"color": "corpus", "tooltip_columns": ["doc_id", "depth", "k_occurrence"],
                  "n_total": len(mappable), "corpus_order": result.corpus_names, "width": 720, "height": 520}
        if len(shown) < len(mappable):  # size budget: every document in a density grid, a sample as points
            from core.report.map_density import map_with_density

            chart = map_with_density(mappable, shown, **kwargs)
        else:
            chart = map_chart(shown, selectable=False, **kwargs)
        renderer = "canvas" if len(shown) > _CANVAS_ABOVE else "svg"
        note = (f"All {len(mappable):,} documents are counted in the grey cells (darker: more documents); "
                f"a random sample of {len(shown):,} is drawn as points (at most {max_points:,}, so the "
                "report stays small); documents.csv has the coordinates of all of them."
                if len(shown) < len(mappable) else "Every document is drawn.")
        blocks.append(ChartBlock(_spec(chart), caption=f"Hover over a point to read its text. {note}",
                                 renderer=renderer))
    return ReportSection(
        "Map of the documents",
        "One UMAP map of all corpora together (McInnes et al. 2018), so positions are comparable across "
        "corpora: nearby points are documents the model considers similar. Distances between far-apart "
        "clusters are not meaningful in UMAP; the tests above are the evidence, the map is for browsing.",
        blocks)


def _hubness(result: AnalysisResult, groups: dict) -> ReportSection:
    blocks: list[Any] = _skipped_note(result, "hubness")
    if len(result.hubness):
        table = result.hubness
        if table["knn_accuracy"].isna().all():
            table = table.drop(columns=["knn_accuracy"])
        if table["note"].fillna("").eq("").all():
            table = table.drop(columns=["note"])
        table = table.rename(columns={"scope": "corpora", "method": "hubness reduction",
                                      "k_skewness": "k-skewness", "robin_hood": "Robin Hood",
                                      "antihub_occurrence": "antihubs", "hub_occurrence": "hub share",
                                      "knn_accuracy": "neighbours from the same corpus", "approximate":
                                      "approximate neighbours"})
        blocks.append(TableBlock(table, caption="Hubness per scope ('all' = corpora pooled) and method "
                                                "('none' = the space as it is)", max_chars=200))
        docs = result.documents.dropna(subset=["k_occurrence"])
        if len(docs):
            from core.report.charts import k_occurrence_histogram

            k = int(result.hubness["k"].iloc[0])
            blocks.append(ChartBlock(_spec(k_occurrence_histogram(docs, group="corpus", k=k)),
                                     caption="How often each document is among the k nearest neighbours of "
                                             "others, in the pooled space; the dashed line marks k."))
    if len(result.hubs):
        hubs = pd.concat([result.hubs[result.hubs["kind"] == kind].head(_SHOW) for kind in ("hub", "antihub")])
        hubs = mark_near_duplicates(hubs, groups).rename(columns={
            "doc_id": "document id", "k_occurrence": "N_k (times a neighbour)"})
        blocks.append(TableBlock(hubs, caption="Hubs (in very many neighbour lists) and a sample of "
                                                      "antihubs (in none)", max_chars=200))
    return ReportSection(
        "Hubness",
        "In high dimensions a few documents (hubs) appear in very many nearest-neighbour lists and many "
        "(antihubs) in none, which distorts retrieval and neighbourhood views (Radovanović et al. 2010). "
        "k-skewness near 0 and a low Robin Hood index mean little hubness.",
        blocks)


def _spread(result: AnalysisResult) -> ReportSection:
    blocks: list[Any] = _skipped_note(result, "spread")
    if len(result.spread):
        blocks.append(TableBlock(result.spread.rename(columns={"isoscore": "IsoScore", "eee": "EEE",
                                                               "vrm": "VRM", "average_cosine": "average cosine"}),
                                 caption="Spread of each corpus (IsoScore: 1 = isotropic; EEE and VRM: 0 = "
                                         "evenly spread)"))
    if len(result.eigenspectrum):
        from core.report.charts import eigenspectrum_chart

        blocks.append(ChartBlock(_spec(eigenspectrum_chart(result.eigenspectrum, value="eigenvalue",
                                                           corpus_order=result.corpus_names)),
                                 caption="Share of variance per principal component; a flat line is "
                                         "isotropic, a steep drop means a few directions dominate."))
    if len(result.symmetry):
        blocks.append(TableBlock(result.symmetry.rename(columns={"first_moment": "1st-moment symmetry",
                                                                 "second_moment": "2nd-moment symmetry"}),
                                 caption="Symmetry of the space before and after each transform (1 = "
                                         "perfectly symmetric; Yokoi et al. 2024)"))
    return ReportSection(
        "Spread and symmetry",
        "How evenly the documents use the dimensions of the space: IsoScore (Rudman et al. 2022), EEE and "
        "VRM (Marbut et al. 2023), and the average cosine for comparison with older work (a poor measure "
        "of spread: a cloud far from the origin scores high however it is spread).",
        blocks)


def _words(result: AnalysisResult, duplicates: Any) -> ReportSection:
    from core.report.readings import format_p
    from core.results.queries import PARTIAL_CHANGE_NOTE

    blocks: list[Any] = _skipped_note(result, "words")
    words = result.words
    if len(words):
        from core.report.ranking_charts import shift_bar_chart
        from core.results.queries import (
            beyond_noise,
            function_word_note,
            shift_duplicate_warnings,
            shift_scale_note,
            shift_statements,
            word_usages,
        )

        statements = {(s["corpus_a"], s["corpus_b"]): s for s in shift_statements(words)}
        for (a, b), rows in words.groupby(["corpus_a", "corpus_b"], sort=False):
            line = statements.get((a, b))
            if line is not None:
                blocks.append(Verdict(line["statement"], tone="difference" if line["n_significant"] else "similar"))
            for warning in shift_duplicate_warnings(duplicates, result.documents, (a, b), dashboard=False):
                blocks.append(Verdict(warning, heading="Near-duplicates", tone="warning"))
            beyond = rows[rows["significant"].astype(bool)]
            shown = beyond if len(beyond) else rows
            if note := function_word_note(shown.head(20), dashboard=False):
                blocks.append(Verdict(note, heading="Function words"))
            chart = shift_bar_chart(shown, top=20, title=(f"Words shifted beyond noise: {a} vs {b}" if len(beyond)
                                                          else f"Largest shifts, none beyond noise: {a} vs {b}"))
            blocks.append(ChartBlock(_spec(chart),
                                     caption="Shift = 1 − cosine between the word's vectors in the two "
                                             "corpora. Grey: the noise, the shift the same word (averaged with "
                                             "words of its frequency) shows between two halves of one "
                                             "corpus; coloured: the shift beyond it, by which "
                                             "the words are ranked. Hover for frequencies and neighbours."
                                             + (" " + scale if (scale := shift_scale_note(words, a, b)) else "")))
            # q as people read it ("q < 0.001"), not in scientific notation
            rows = rows.assign(beyond_noise=beyond_noise(rows), q_value=[format_p(q, "q") for q in rows["q_value"]])
            columns = ["word", "shift", "noise", "beyond_noise", "q_value", "shift_cade", "shift_contextual",
                       "freq_a", "freq_b", "neighbours_a", "neighbours_b"]
            columns = [c for c in columns if not (c.startswith("shift_") and rows[c].isna().all())]
            table = rows[columns].rename(columns={
                "noise": "noise at this frequency", "beyond_noise": "shift − noise", "q_value": "q",
                "shift_cade": "shift (word2vec)", "shift_contextual": "shift (model's token vectors)", "freq_a": f"count in {a}",
                "freq_b": f"count in {b}", "neighbours_a": f"neighbours in {a}",
                "neighbours_b": f"neighbours in {b}"})
            blocks.append(TableBlock(table.head(30), caption=f"Word shifts, {a} vs {b}: shifted beyond noise "
                                                             "first (q ≤ 0.05)", max_chars=200))
            for word in shown["word"].head(3):
                try:
                    usages = word_usages(result.documents, words, word, a, b, k=3)
                except (ParameterError, InputError):
                    continue
                blocks.append(UsagesBlock(usages, caption=f"Usages of “{word}”: passages from each corpus "
                                                          "(at most one per document, chosen at random)."))
    for key, reason in result.skipped.items():
        if key.startswith("words: "):
            blocks.append(Paragraph(f"{key[len('words: '):]}: {reason}"))
    return ReportSection(
        "Word shift",
        "Words ranked by how differently the corpora use them, beyond what sampling alone produces. Each "
        "corpus is split at random into halves several times; a word's shift between the corpora is "
        "compared with its own shift between two halves of one corpus, and only words whose shift "
        "exceeds it after a false-discovery-rate control (q ≤ 0.05) are called shifted (Dubossarsky et "
        "al. 2017 show why: frequency and sampling noise look like change). Words are ranked by shift "
        "minus noise, the noise being the word's own figure between halves averaged half and half with "
        "that of words of similar frequency. Word vectors: word2vec trained per corpus against one shared, frozen context matrix "
        "(CADE, Bianchi et al. 2020), averaged over several trainings; the model's token vectors, where "
        f"shown, average the embedding model's vector of each occurrence. {PARTIAL_CHANGE_NOTE} Usages "
        "show the word in context.",
        blocks)


def _models(result: AnalysisResult) -> ReportSection:
    blocks: list[Any] = _skipped_note(result, "models")
    if result.model_comparison:
        blocks.append(KeyValueBlock(result.model_comparison, caption="How similarly the two models arrange "
                                                                     "the documents"))
        blocks.append(TableBlock(result.model_documents.head(20),
                                 caption="Documents the two models disagree on most (lowest neighbour "
                                         "overlap first)", max_chars=200))
    return ReportSection(
        "Model comparison",
        "Two models compared through relative representations: each document described by its cosines "
        "to the same anchor documents in each model (Moschella et al., ICLR 2023), plus the overlap of "
        "nearest neighbours, retrieval MRR and linear CKA (Kornblith et al. 2019).",
        blocks)


def _timings(result: AnalysisResult) -> ReportSection:
    frame = pd.DataFrame({"stage": [_STAGE_TITLES.get(s, s) for s in result.timings],
                          "seconds": [round(float(t), 2) for t in result.timings.values()]})
    return ReportSection("Run time", "Seconds spent in each stage of this run.", [TableBlock(frame)])


def build_report_sections(result: AnalysisResult, *, map_max_points: int | None = None,
                          seed: int | None = None) -> list[ReportSection]:
    """The report's sections, in order (without the manifest, which :func:`render_report` adds).

    Parameters
    ----------
    result : AnalysisResult
    map_max_points : int, optional
        Most points drawn on the map; default the analysis's ``map_max_points`` (5,000).
    seed : int, optional
        Seed of the map sample; default the analysis's seed.
    """
    if not isinstance(result, AnalysisResult):
        raise ParameterError(f"result must be an AnalysisResult, got {type(result).__name__}")
    params = result.manifest.get("parameters") or {}
    max_points = int(map_max_points if map_max_points is not None else params.get("map_max_points", 5000))
    if max_points < 1:
        raise ParameterError(f"map_max_points must be a positive integer, got {map_max_points!r}")
    seed = int(seed if seed is not None else params.get("seed", 0))
    alpha = float(params.get("alpha", 0.05))
    duplicates = near_duplicates_of(result)
    groups = duplicates.cluster_of()
    sections = [_overview(result), _verdicts(result), _tests(result, alpha), text_section(result, duplicates),
                _map(result, max_points, seed), _depth(result, groups), _hubness(result, groups),
                _spread(result), _words(result, duplicates)]
    reason = result.skipped.get("models", "")
    if result.model_comparison or (reason and not reason.startswith(("not requested", "no second model"))):
        sections.append(_models(result))
    if result.timings:
        sections.append(_timings(result))
    return sections


def _title(result: AnalysisResult) -> tuple[str, str]:
    names = result.corpus_names
    n = int(result.corpora["n_documents"].sum()) if len(result.corpora) else 0
    return "Corpus Compass report", f"{' vs '.join(names)}: {n:,} documents"


def render_html_report(result: AnalysisResult, *, title: str | None = None, map_max_points: int | None = None,
                       static_fallback: bool = False) -> str:
    """The report as one self-contained HTML string (see :func:`core.report.html.render_report`)."""
    default_title, subtitle = _title(result)
    sections = build_report_sections(result, map_max_points=map_max_points)
    return render_report(sections, title=title or default_title, subtitle=subtitle,
                         manifest=result.manifest, static_fallback=static_fallback,
                         generated=_generated(result))


def write_html_report(result: AnalysisResult, path: str | os.PathLike, *, title: str | None = None,
                      map_max_points: int | None = None, static_fallback: bool = False) -> Path:
    """Write :func:`render_html_report` to ``path`` atomically; return the path."""
    default_title, subtitle = _title(result)
    sections = build_report_sections(result, map_max_points=map_max_points)
    return write_report(path, sections, title=title or default_title, subtitle=subtitle,
                        manifest=result.manifest, static_fallback=static_fallback,
                        generated=_generated(result))


def _generated(result: AnalysisResult) -> str | None:
    created = result.manifest.get("created")
    return str(created).replace("T", " ").replace("Z", " UTC") if created else None

