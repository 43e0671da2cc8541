"""Plain-language readings of the numbers an analysis gives, shared by the dashboard and the report.

One place for what each number measures, its typical range and what a given value means, for the
tests (with p-values written for people and each permutation test's floor stated), the geometry
measures (hubness, spread, symmetry) and the model comparison; and the short method citations each
page and report section gives (one citation per method, the same on every page and in the report,
read from the registry of methods, :mod:`core.methods`).

Nothing here computes a statistic: every function takes the values the analysis stored and returns
text or a table of text. The ranges and cut-offs used for the words ("little", "strong") are
conventions stated in the project's methods documentation (``docs/methods.md``), not tests.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from core.methods import method_citation, method_labels

__all__ = ["CITATIONS", "TEST_LABELS", "evidence_table", "format_p", "geometry_readings",
           "model_readings", "p_floor", "symmetry_table"]

#: short citation of each method family (shown under the explanations on the pages and in the report),
#: read from the registry of methods (:mod:`core.methods`)
CITATIONS = {
    "depth": method_citation("analysis", "depth"),
    "tests": method_citation("analysis", "tests"),
    "hubness": method_citation("analysis", "hubness"),
    "spread": method_citation("analysis", "spread"),
    "whitening": method_citation("transform", "zipfian"),
    "relative": method_citation("analysis", "models"),
    "cade": method_citation("analysis", "words"),
    "umap": method_citation("analysis", "map"),
    "embeddings": method_citation("model", "default"),
    "duplicates": method_citation("text", "duplicates"),
    "distinctive": method_citation("text", "distinctive"),
}

#: label of each test of the tests table (its ``test`` column holds the ids), from :mod:`core.methods`
TEST_LABELS = method_labels("test")


def _finite(value: Any) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def format_p(p: Any, name: str = "p") -> str:
    """A p-value as people read it: "p < 0.001", "p = 0.004", "p = 0.32"; "–" when missing. ``name``
    labels it otherwise, e.g. "q" for a false-discovery-rate q-value."""
    x = _finite(p)
    if x is None:
        return "–"
    if x < 0.001:
        return f"{name} < 0.001"
    return f"{name} = {x:.3f}" if x < 0.01 else f"{name} = {x:.2f}"


def p_floor(n_permutations: Any) -> float | None:
    """The smallest p-value a permutation test with B permutations can give: 1 / (B + 1)."""
    b = _finite(n_permutations)
    if b is None or b < 1:
        return None
    return 1.0 / (b + 1.0)


def _effect(test: str, value: float | None) -> tuple[str, str]:
    """(the effect size in words with its value, how large it is) for one test row."""
    if value is None:
        return "–", "–"
    if test == "depth":
        size = ("none to speak of" if value >= 0.45 else "small" if value >= 0.35
                else "clear" if value >= 0.2 else "large")
        return f"Q = {value:.2f} (0.5 = alike, 0 = entirely outlying)", size
    if test == "classifier":
        size = ("very large" if value >= 0.9 else "large" if value >= 0.8 else "moderate" if value >= 0.7
                else "small" if value >= 0.6 else "negligible")
        return f"AUC = {value:.3f} (0.5 = cannot tell them apart, 1 = always can)", size
    if test == "energy":
        size = ("large" if value >= 0.3 else "moderate" if value >= 0.1 else "small" if value >= 0.02
                else "negligible")
        return f"H = {value:.3f} (0 = same distribution, 1 = no overlap)", size
    if test == "mmd":
        return f"MMD² = {value:.4f} (0 = same distribution; no fixed upper end)", "see the AUC and H rows"
    return f"{value:.3g}", "–"


def evidence_table(tests: pd.DataFrame) -> pd.DataFrame:
    """The tests as a table people can read: effect size first, p-values in words, each test's floor.

    Parameters
    ----------
    tests : DataFrame
        The result's ``tests`` table (``test, reference, other, pvalue, pvalue_adjusted, effect_size,
        n_permutations, ...``).

    Returns
    -------
    DataFrame
        ``test, question, effect size, size, p, p after correction, smallest possible p``: all text.
        A permutation test with B permutations cannot give a p-value below 1 / (B + 1), so its p says
        how strong the evidence is only up to that floor; compare tests by their effect sizes.
    """
    rows = []
    for row in tests.itertuples(index=False):
        test = str(row.test)
        effect, size = _effect(test, _finite(row.effect_size))
        floor = p_floor(getattr(row, "n_permutations", None))
        if test == "depth":
            question = f"are {row.other}'s documents less central to {row.reference} than its own?"
            floor_text = "no floor (normal approximation)"
        else:
            question = f"do {row.reference} and {row.other} come from one distribution?"
            floor_text = (f"{floor:.4g} ({round(1 / floor - 1):,} permutations)" if floor is not None
                          else "–")
        p = _finite(row.pvalue)
        p_text = format_p(p)
        if floor is not None and p is not None and p <= floor * (1 + 1e-9):
            p_text += " (the smallest this test can give)"
        rows.append({"test": TEST_LABELS.get(test, test), "question": question, "effect size": effect,
                     "size": size, "p": p_text, "p after correction": format_p(row.pvalue_adjusted),
                     "smallest possible p": floor_text})
    return pd.DataFrame(rows, columns=["test", "question", "effect size", "size", "p", "p after correction",
                                       "smallest possible p"])


def _level(value: float, cuts: tuple[tuple[float, str], ...], last: str) -> str:
    return next((word for bound, word in cuts if value < bound), last)


def _reading(measure: str, what: str, typical: str, value: Any, here: str, digits: int = 3) -> dict[str, str]:
    x = _finite(value)
    return {"measure": measure, "value": "–" if x is None else f"{x:.{digits}g}", "what it measures": what,
            "typical range": typical, "what this value means here": here if x is not None else "not computed"}


def geometry_readings(hubness_row: dict[str, Any] | None, spread_row: dict[str, Any] | None, *,
                      k: int, corpus: str = "all corpora") -> pd.DataFrame:
    """Readings of the hubness measures (one row of ``result.hubness``) and the spread measures (one
    row of ``result.spread``) as a table ``measure, value, what it measures, typical range, what this
    value means here``."""
    rows = []
    h = hubness_row or {}
    if hubness_row is not None:
        sk = _finite(h.get("k_skewness"))
        rows.append(_reading(
            "k-skewness", f"how lopsided the counts N_k of 'among the {k} nearest neighbours of others' are",
            "0 = symmetric; above about 1 = strong hubness; sentence embeddings often 0.5–3", sk,
            "" if sk is None else _level(sk, ((0.5, "little hubness: neighbour lists are shared fairly"),
                                              (1.0, "mild hubness"),
                                              (2.0, "strong hubness: some documents are neighbours of very many")),
                                         "very strong hubness: a few documents crowd most neighbour lists")))
        rh = _finite(h.get("robin_hood"))
        rows.append(_reading(
            "Robin Hood index", "share of neighbour slots that would have to move for every document to "
                                "appear equally often", "0 = perfectly even, 1 = one document takes all; "
                                                        "0.2–0.4 is common", rh,
            "" if rh is None else f"{rh:.0%} of the neighbour slots would have to move; "
            + _level(rh, ((0.2, "an even graph"), (0.35, "moderately uneven")), "a very uneven graph")))
        ah = _finite(h.get("antihub_occurrence"))
        rows.append(_reading(
            "antihubs", "share of documents in no other document's neighbour list", "0 to a few per cent", ah,
            "" if ah is None else f"{ah:.1%} of the documents are never anyone's neighbour"
            + (" (invisible to retrieval)" if ah >= 0.05 else "")))
        hs = _finite(h.get("hub_occurrence"))
        rows.append(_reading(
            "hub share", "share of all neighbour slots held by the hubs (documents with N_k ≥ 2k)",
            "a few per cent; above 20 % hubs dominate", hs,
            "" if hs is None else f"hubs hold {hs:.1%} of all neighbour slots"))
        acc = _finite(h.get("knn_accuracy"))
        if acc is not None:
            rows.append(_reading(
                "neighbours from the same corpus", f"how often the majority of a document's {k} neighbours "
                                                  "come from its own corpus", "chance level = share of "
                                                                              "the largest corpus; 1 = never mixed",
                acc, f"{acc:.0%} of the documents sit among their own corpus"))
    if spread_row is not None:
        s = spread_row
        iso = _finite(s.get("isoscore"))
        rows.append(_reading(
            f"IsoScore ({corpus})", "how evenly the documents use all dimensions of the space",
            "0 = all on one line, 1 = evenly in every direction; sentence embeddings usually 0.01–0.3", iso,
            "" if iso is None else _level(iso, ((0.1, ("the variance sits in a few directions (usual for "
                                                       "sentence embeddings)")),
                                                (0.5, "moderately even spread")), "an even spread")))
        eee = _finite(s.get("eee"))
        rows.append(_reading(
            f"EEE ({corpus})", "how far the eigenvalues are from equal (a few directions dominating)",
            "0 = even; no fixed upper end: compare corpora with each other", eee,
            "" if eee is None else "higher than another corpus's = fewer directions carry its variance"))
        vrm = _finite(s.get("vrm"))
        rows.append(_reading(
            f"VRM ({corpus})", "how far the spread along each principal direction is from a Gaussian's",
            "0 = Gaussian-like; compare corpora with each other", vrm,
            "" if vrm is None else "higher = more uneven along the main directions"))
        cos = _finite(s.get("average_cosine"))
        rows.append(_reading(
            f"average cosine ({corpus})", "mean cosine similarity of pairs of documents",
            "−1 to 1; sentence embeddings often 0.1–0.5; a poor measure of spread", cos,
            "" if cos is None else "listed for comparison with older work only; read IsoScore instead"))
    return pd.DataFrame(rows, columns=["measure", "value", "what it measures", "typical range",
                                       "what this value means here"])


def model_readings(comparison: dict[str, Any]) -> pd.DataFrame:
    """Readings of the model comparison (``result.model_comparison``)."""
    k = int(_finite(comparison.get("k")) or 10)
    rows = []
    rc = _finite(comparison.get("relative_cosine"))
    rows.append(_reading(
        "relative cosine", "mean cosine between a document's similarities to the anchors in each model",
        "−1 to 1; usually 0.8–1 even for quite different models, because both see the same broad topics",
        rc, "" if rc is None else _level(rc, ((0.8, "the models see the anchors quite differently"),
                                              (0.95, ("the broad structure agrees; read the kNN overlap for "
                                                      "the detail"))),
                                        "the models place documents relative to the anchors almost alike")))
    j = _finite(comparison.get("knn_jaccard"))
    shared = None if j is None else 2 * j / (1 + j)
    rows.append(_reading(
        "kNN overlap", f"Jaccard overlap of each document's {k} nearest neighbours in the two models",
        "0 to 1; 0.2–0.5 is common for two good models", j,
        "" if j is None else f"about {shared * k:.1f} of a document's {k} neighbours are the same in both "
                             "models: " + _level(j, ((0.2, "the fine structure differs a lot"),
                                                     (0.5, "partly the same neighbourhoods")),
                                                "mostly the same neighbourhoods")))
    mrr = _finite(comparison.get("mrr"))
    rows.append(_reading(
        "retrieval MRR", "finding each document's twin across the two spaces: mean of 1 / its rank",
        "0 to 1; 1 = the twin is always found first", mrr,
        "" if mrr is None else f"the twin is typically found around rank {1 / max(mrr, 1e-9):.1f}"))
    cka = _finite(comparison.get("cka"))
    rows.append(_reading(
        "linear CKA", "similarity of the two raw spaces up to rotation and scale", "0 to 1; 1 = the same",
        cka, "" if cka is None else _level(cka, ((0.5, "the spaces differ substantially"),
                                                 (0.8, "the spaces are similar")), "the spaces are nearly the same")))
    return pd.DataFrame(rows, columns=["measure", "value", "what it measures", "typical range",
                                       "what this value means here"])


def symmetry_table(symmetry: pd.DataFrame) -> pd.DataFrame:
    """The symmetry scores as before/after columns: one row per corpus and transform, with the scores
    of the space as embedded beside the scores after the transform."""
    cols = ["corpus", "transform", "centring score before", "centring score after",
            "isotropy score before", "isotropy score after"]
    if symmetry.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for corpus, part in symmetry.groupby("corpus", sort=False):
        spaces = list(part["space"])
        base = part.iloc[0]
        for _, row in part.iloc[1:].iterrows():
            rows.append({"corpus": corpus, "transform": row["space"],
                         "centring score before": base["first_moment"], "centring score after": row["first_moment"],
                         "isotropy score before": base["second_moment"],
                         "isotropy score after": row["second_moment"]})
        if len(spaces) == 1:
            rows.append({"corpus": corpus, "transform": f"{base['space']} (no transform)",
                         "centring score before": base["first_moment"], "centring score after": float("nan"),
                         "isotropy score before": base["second_moment"], "isotropy score after": float("nan")})
    return pd.DataFrame(rows, columns=cols)
