"""The analysis result: one flat, serialisable container read by the CLI, the report and the dashboard.

:class:`AnalysisResult` holds plain pandas DataFrames, dicts and numpy arrays (never a live model), so
it saves to an analysis bundle and loads back identically, and a shared read-only view needs no
recomputation. The attributes and every table's columns are the contract of ``docs/RESULTS.md``.

Choices the contract leaves open, made here:

- Column dtypes are fixed (:data:`TABLE_SCHEMAS`) and every table is conformed to them on
  construction, so a result built by the pipeline, by hand or from a bundle compares equal: text
  columns use pandas' ``str`` dtype, measurements ``float64`` (NaN where a stage was skipped, which is
  why ``documents.k_occurrence`` is a float), counts ``int64``. ``tests.n_permutations`` and
  ``tests.random_state`` are nullable ``Int64``: they are missing (``<NA>``) for a test that has no
  permutations or no randomness (the depth rank-sum test is asymptotic and deterministic).
- Tables get a fresh ``RangeIndex``; the row order is the order the pipeline gives them.
- Corpus names may hold any character, but bundle member names may not, so the per-corpus arrays
  (``word_vectors``, ``embeddings``) are stored as ``arrays/<field>/<i>.npy`` with the names listed, in
  order, in the JSON member ``result``.
- :meth:`AnalysisResult.summary` is strict JSON: NaN and missing values become ``null``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from core.exceptions import BundleError, ParameterError

__all__ = [
    "RESULT_FORMAT_VERSION",
    "SUMMARY_FORMAT",
    "TABLE_SCHEMAS",
    "AnalysisResult",
    "empty_table",
    "json_value",
    "make_table",
]

RESULT_FORMAT_VERSION = 1
#: tables added after format version 1 was first written: a bundle without them still opens (empty)
_ADDED_TABLES = frozenset({"cross_depths"})
SUMMARY_FORMAT = "corpus-compass-summary"

_S, _F, _I, _NI, _B = "str", "float64", "int64", "Int64", "bool"

#: table name -> ((column, dtype), ...) in the contract's order (docs/RESULTS.md).
TABLE_SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "corpora": (("corpus", _S), ("n_documents", _I), ("source", _S), ("sha256", _S),
                ("fingerprint", _S), ("text_column", _S), ("n_empty_removed", _I),
                ("n_duplicates_removed", _I)),
    "documents": (("corpus", _S), ("doc_id", _S), ("text", _S), ("depth", _F), ("umap_x", _F),
                  ("umap_y", _F), ("k_occurrence", _F), ("classifier_prob", _F)),
    "depth_tests": (("reference", _S), ("other", _S), ("W", _F), ("pvalue", _F), ("Q", _F),
                    ("n_reference", _I), ("n_other", _I)),
    "cross_depths": (("reference", _S), ("corpus", _S), ("doc_id", _S), ("depth", _F)),
    "tests": (("test", _S), ("reference", _S), ("other", _S), ("statistic", _F), ("pvalue", _F),
              ("pvalue_adjusted", _F), ("effect_size", _F), ("effect_size_name", _S),
              ("n_permutations", _NI), ("random_state", _NI), ("note", _S)),
    "verdicts": (("corpus_a", _S), ("corpus_b", _S), ("headline", _S), ("text", _S)),
    "extremes": (("corpus", _S), ("kind", _S), ("rank", _I), ("doc_id", _S), ("text", _S),
                 ("value", _F)),
    "hubness": (("scope", _S), ("method", _S), ("k", _I), ("k_skewness", _F), ("robin_hood", _F),
                ("antihub_occurrence", _F), ("hub_occurrence", _F), ("knn_accuracy", _F),
                ("approximate", _B), ("note", _S)),
    "hubs": (("corpus", _S), ("doc_id", _S), ("text", _S), ("k_occurrence", _I), ("kind", _S)),
    "spread": (("corpus", _S), ("isoscore", _F), ("eee", _F), ("vrm", _F), ("average_cosine", _F)),
    "eigenspectrum": (("corpus", _S), ("component", _I), ("eigenvalue", _F), ("explained", _F),
                      ("cumulative", _F)),
    "symmetry": (("corpus", _S), ("space", _S), ("first_moment", _F), ("second_moment", _F)),
    "words": (("word", _S), ("corpus_a", _S), ("corpus_b", _S), ("shift", _F), ("freq_a", _I),
              ("freq_b", _I), ("neighbours_a", _S), ("neighbours_b", _S), ("method", _S),
              ("shift_cade", _F), ("shift_contextual", _F), ("noise", _F), ("z", _F), ("p_value", _F),
              ("q_value", _F), ("significant", _B)),
    "word_vocab": (("word", _S),),
    "model_documents": (("corpus", _S), ("doc_id", _S), ("text", _S), ("relative_cosine", _F),
                        ("knn_jaccard", _F)),
}

# tables whose schema is a prefix followed by free columns
_OPEN_TABLES = {"documents", "word_vocab"}
_FREQ_PREFIX = "freq:"
_ARRAY_FIELDS = ("word_vectors", "embeddings")
_DICT_FIELDS = ("model_comparison", "skipped", "timings", "manifest")


def _upgrade_words(words: Any) -> Any:
    """A ``words`` table saved before the calibrated word shift (columns ``cosine`` and
    ``procrustes_shift``) in today's columns: its shift is CADE's, with no noise estimate, so the new
    columns are empty and no word is marked significant. Other tables are returned unchanged."""
    if not isinstance(words, pd.DataFrame) or "cosine" not in words.columns or "significant" in words.columns:
        return words
    old = words.drop(columns=[c for c in ("cosine", "procrustes_shift") if c in words.columns])
    return old.assign(method="cade", shift_cade=old["shift"], shift_contextual=np.nan, noise=np.nan, z=np.nan,
                      p_value=np.nan, q_value=np.nan, significant=False)


def _word_shift_statements(words: pd.DataFrame) -> list[dict]:
    from core.analysis.shift.methods import pair_statements

    return pair_statements(words)


def _coerce(series: pd.Series, dtype: str, where: str) -> pd.Series:
    try:
        if dtype == _S:
            # keep missing values missing (astype("str") would keep NaN, but None -> NaN first)
            return series.astype(object).where(series.notna(), None).astype(_S)
        if dtype == _B:
            if series.isna().any():
                raise ValueError("missing values in a boolean column")
            return series.astype(_B)
        if dtype == _I:
            if series.isna().any():
                raise ValueError("missing values in an integer column")
            return series.astype(_I)
        return series.astype(dtype)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{where} cannot be stored as {dtype}: {exc}") from exc


def _conform(name: str, frame: Any) -> pd.DataFrame:
    """Return ``frame`` with the schema's columns in order, the schema's dtypes and a RangeIndex."""
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"AnalysisResult.{name} must be a pandas DataFrame, got {type(frame).__name__}")
    schema = TABLE_SCHEMAS[name]
    fixed = [c for c, _ in schema]
    columns = list(frame.columns)
    if len(set(columns)) != len(columns):
        raise ParameterError(f"AnalysisResult.{name} has duplicate column names: {columns}")
    if name in _OPEN_TABLES:
        if columns[: len(fixed)] != fixed:
            raise ParameterError(f"AnalysisResult.{name} must start with the columns {fixed} in this "
                                 f"order, got {columns}")
        extra = columns[len(fixed):]
        if name == "word_vocab" and any(not str(c).startswith(_FREQ_PREFIX) for c in extra):
            raise ParameterError("AnalysisResult.word_vocab columns after 'word' must be named "
                                 f"'freq:<corpus>', got {extra}")
        if not all(isinstance(c, str) for c in extra):
            raise ParameterError(f"AnalysisResult.{name} column names must be strings, got {extra}")
    elif columns != fixed:
        raise ParameterError(f"AnalysisResult.{name} must have exactly the columns {fixed} in this "
                             f"order, got {columns}")
    out = frame.reset_index(drop=True).copy()
    for column, dtype in schema:
        out[column] = _coerce(out[column], dtype, f"AnalysisResult.{name}.{column}")
    if name == "word_vocab":
        for column in columns[1:]:
            out[column] = _coerce(out[column], _I, f"AnalysisResult.word_vocab.{column}")
    return out


def empty_table(name: str, *, extra_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """An empty table with the contract's columns and dtypes (what a skipped stage leaves).

    Parameters
    ----------
    name : str
        One of :data:`TABLE_SCHEMAS`.
    extra_columns : tuple of str
        Extra columns of an open table (``documents`` metadata, ``word_vocab`` frequencies); they are
        created as ``str`` (documents) or ``int64`` (word_vocab).
    """
    if name not in TABLE_SCHEMAS:
        raise ParameterError(f"name must be one of {sorted(TABLE_SCHEMAS)}, got {name!r}")
    cols = {c: pd.Series([], dtype=t) for c, t in TABLE_SCHEMAS[name]}
    for c in extra_columns:
        cols[c] = pd.Series([], dtype=_I if name == "word_vocab" else _S)
    return pd.DataFrame(cols)


def make_table(name: str, rows: list[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Build a table of the contract from a list of row dicts (or a DataFrame) and conform it.

    Missing keys of a row become missing values; keys outside the schema are refused (except for the
    open tables, whose extra columns are kept in first-seen order).
    """
    if name not in TABLE_SCHEMAS:
        raise ParameterError(f"name must be one of {sorted(TABLE_SCHEMAS)}, got {name!r}")
    if isinstance(rows, pd.DataFrame):
        frame = rows
    else:
        if not rows:
            return empty_table(name)
        fixed = [c for c, _ in TABLE_SCHEMAS[name]]
        extra: list[str] = []
        for row in rows:
            for key in row:
                if key not in fixed and key not in extra:
                    extra.append(key)
        if extra and name not in _OPEN_TABLES:
            raise ParameterError(f"rows for table {name!r} have unknown columns {extra}; "
                                 f"allowed: {fixed}")
        frame = pd.DataFrame([[row.get(c) for c in fixed + extra] for row in rows],
                             columns=fixed + extra)
    return _conform(name, frame)


def json_value(value: Any) -> Any:
    """Plain JSON values (what summary() and the manifest files hold): numpy scalars to Python, NaN/inf/NA to None, tuples to lists."""
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_value(v) for v in value.tolist()]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, Path):
        return str(value)
    return value if isinstance(value, str) else str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [json_value(dict(zip(frame.columns, row))) for row in frame.itertuples(index=False, name=None)]


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """Everything one run of the pipeline produced (see ``docs/RESULTS.md`` for each attribute).

    Every table is a DataFrame with exactly the contract's columns (``documents`` may add metadata
    columns, ``word_vocab`` adds one ``freq:<corpus>`` column per corpus), conformed to the dtypes
    of :data:`TABLE_SCHEMAS` on construction. A stage that did not run leaves its tables empty and
    records why in ``skipped``.

    Attributes
    ----------
    corpora, documents, depth_tests, cross_depths, tests, verdicts, extremes, hubness, hubs, spread,
    eigenspectrum, symmetry, words, word_vocab, model_documents : DataFrame
    word_vectors : dict of str to ndarray
        Corpus name → (V, dim) float32 CADE slice vectors, rows aligned with ``word_vocab``.
    model_comparison : dict
        ``{}`` or {model_a, model_b, n_anchors, anchor_method, k, relative_cosine, knn_jaccard, mrr, cka}.
    embeddings : dict of str to ndarray
        Corpus name → (n, d) float32 embeddings (the space analysed); may be empty.
    skipped : dict of str to str
        Stage → the reason it did not run.
    timings : dict of str to float
        Stage → seconds.
    manifest : dict
        Inputs, parameters, seeds, model, library versions, creation time.
    """

    corpora: pd.DataFrame = field(default_factory=partial(empty_table, "corpora"))
    documents: pd.DataFrame = field(default_factory=partial(empty_table, "documents"))
    depth_tests: pd.DataFrame = field(default_factory=partial(empty_table, "depth_tests"))
    cross_depths: pd.DataFrame = field(default_factory=partial(empty_table, "cross_depths"))
    tests: pd.DataFrame = field(default_factory=partial(empty_table, "tests"))
    verdicts: pd.DataFrame = field(default_factory=partial(empty_table, "verdicts"))
    extremes: pd.DataFrame = field(default_factory=partial(empty_table, "extremes"))
    hubness: pd.DataFrame = field(default_factory=partial(empty_table, "hubness"))
    hubs: pd.DataFrame = field(default_factory=partial(empty_table, "hubs"))
    spread: pd.DataFrame = field(default_factory=partial(empty_table, "spread"))
    eigenspectrum: pd.DataFrame = field(default_factory=partial(empty_table, "eigenspectrum"))
    symmetry: pd.DataFrame = field(default_factory=partial(empty_table, "symmetry"))
    words: pd.DataFrame = field(default_factory=partial(empty_table, "words"))
    word_vocab: pd.DataFrame = field(default_factory=partial(empty_table, "word_vocab"))
    word_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    model_comparison: dict[str, Any] = field(default_factory=dict)
    model_documents: pd.DataFrame = field(default_factory=partial(empty_table, "model_documents"))
    embeddings: dict[str, np.ndarray] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in TABLE_SCHEMAS:
            object.__setattr__(self, name, _conform(name, getattr(self, name)))
        for name in _ARRAY_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise ParameterError(f"AnalysisResult.{name} must be a dict of corpus name to array, "
                                     f"got {type(value).__name__}")
            arrays: dict[str, np.ndarray] = {}
            for key, arr in value.items():
                if not isinstance(key, str) or not isinstance(arr, np.ndarray) or arr.ndim != 2:
                    raise ParameterError(f"AnalysisResult.{name}[{key!r}] must be a 2-d numpy array "
                                         "under a string key")
                arrays[key] = arr
            object.__setattr__(self, name, arrays)
        for name in _DICT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise ParameterError(f"AnalysisResult.{name} must be a dict, got {type(value).__name__}")
            object.__setattr__(self, name, dict(value))
        for key, vectors in self.word_vectors.items():
            if vectors.shape[0] != len(self.word_vocab):
                raise ParameterError(f"AnalysisResult.word_vectors[{key!r}] has {vectors.shape[0]} rows "
                                     f"but word_vocab has {len(self.word_vocab)} words")

    # ------------------------------------------------------------------ navigation

    @property
    def corpus_names(self) -> list[str]:
        """Corpus names in input order."""
        return self.corpora["corpus"].tolist()

    @property
    def notes(self) -> list[str]:
        """Warnings the methods gave while computing this result (a fallback, an approximation, a
        small corpus), kept in ``manifest["notes"]`` so that the report, the bundle and a shared view
        show them too. Empty when there were none."""
        value = self.manifest.get("notes")
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else []

    def with_notes(self, notes: Iterable[str]) -> AnalysisResult:
        """A copy with ``notes`` added to :attr:`notes` (whitespace normalised, duplicates dropped,
        order kept)."""
        merged = list(dict.fromkeys([*self.notes, *(" ".join(str(n).split()) for n in notes)]))
        merged = [n for n in merged if n]
        return replace(self, manifest={**self.manifest, "notes": merged})

    def with_timings(self, timings: dict[str, float]) -> AnalysisResult:
        """A copy with ``timings`` (stage name to seconds) placed before the pipeline's own stages,
        e.g. the time the caller spent loading the model."""
        return replace(self, timings={**{k: float(v) for k, v in timings.items()},
                                      **{k: v for k, v in self.timings.items() if k not in timings}})

    def pair_names(self) -> list[tuple[str, str]]:
        """Unordered pairs of corpus names ``(a, b)`` with ``a`` before ``b`` in input order."""
        names = self.corpus_names
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]

    def ordered_pairs(self) -> list[tuple[str, str]]:
        """Ordered pairs ``(reference, other)``: both directions of every pair, in input order."""
        names = self.corpus_names
        return [(a, b) for a in names for b in names if a != b]

    def documents_of(self, corpus: str) -> pd.DataFrame:
        """The rows of ``documents`` for one corpus (fresh index)."""
        if corpus not in self.corpus_names:
            raise ParameterError(f"corpus must be one of {self.corpus_names}, got {corpus!r}")
        return self.documents[self.documents["corpus"] == corpus].reset_index(drop=True)

    def table(self, name: str) -> pd.DataFrame:
        """A table by name (one of :data:`TABLE_SCHEMAS`)."""
        if name not in TABLE_SCHEMAS:
            raise ParameterError(f"name must be one of {sorted(TABLE_SCHEMAS)}, got {name!r}")
        return getattr(self, name)

    def equals(self, other: AnalysisResult) -> bool:
        """True when every table, array and dict is identical (NaN equal to NaN)."""
        if not isinstance(other, AnalysisResult):
            return False
        for name in TABLE_SCHEMAS:
            a, b = getattr(self, name), getattr(other, name)
            if list(a.columns) != list(b.columns) or list(a.dtypes) != list(b.dtypes) or not a.equals(b):
                return False
        for name in _ARRAY_FIELDS:
            a, b = getattr(self, name), getattr(other, name)
            if list(a) != list(b):
                return False
            for key in a:
                if a[key].dtype != b[key].dtype or not np.array_equal(a[key], b[key], equal_nan=True):
                    return False
        return all(json_value(getattr(self, n)) == json_value(getattr(other, n)) for n in _DICT_FIELDS)

    # ------------------------------------------------------------------ summary

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` of the output contract (strict JSON values: NaN becomes null).

        Keys: ``format``, ``version``, ``corpora`` [{name, n_documents}], ``model`` {name,
        weight_sha256, precision, identity, dimension}, ``depth_tests`` (one per ordered pair:
        {reference, other, W, pvalue, Q, n_reference, n_other, pvalue_adjusted}), ``tests`` (the other
        tests, one row each), ``verdicts``, ``hubness`` and ``spread`` (rows per corpus and pooled),
        ``symmetry``, ``model_comparison``, ``n_word_shifts``, ``word_shift`` (per pair: how many words shifted beyond
        noise, in a plain sentence), ``skipped``, ``notes`` (the methods'
        warnings), ``timings``, ``created``, ``corpus_compass_version``.
        """
        model = self.manifest.get("model", {}) if isinstance(self.manifest.get("model"), Mapping) else {}
        depth = self.depth_tests.copy()
        adjusted = {(r, o): p for t, r, o, p in zip(self.tests["test"], self.tests["reference"],
                                                     self.tests["other"], self.tests["pvalue_adjusted"])
                    if t == "depth"}
        depth["pvalue_adjusted"] = [adjusted.get((r, o), np.nan)
                                    for r, o in zip(depth["reference"], depth["other"])]
        out = {
            "format": SUMMARY_FORMAT,
            "version": RESULT_FORMAT_VERSION,
            "corpora": [{"name": n, "n_documents": int(c)}
                        for n, c in zip(self.corpora["corpus"], self.corpora["n_documents"])],
            "model": {"name": model.get("name"), "weight_sha256": model.get("weight_sha256"),
                      "precision": model.get("precision"), "identity": model.get("identity"),
                      "dimension": model.get("dimension")},
            "depth_tests": _records(depth),
            "tests": _records(self.tests[self.tests["test"] != "depth"]),
            "verdicts": _records(self.verdicts),
            "hubness": _records(self.hubness),
            "spread": _records(self.spread),
            "symmetry": _records(self.symmetry),
            "model_comparison": self.model_comparison,
            "n_word_shifts": len(self.words),
            "word_shift": _word_shift_statements(self.words),
            "skipped": self.skipped,
            "notes": self.notes,
            "timings": self.timings,
            "created": self.manifest.get("created"),
            "corpus_compass_version": self.manifest.get("corpus_compass_version"),
        }
        return json_value(out)

    # ------------------------------------------------------------------ bundles

    def _bundle_parts(self, include_embeddings: bool) -> tuple[dict, dict, dict]:
        tables = {name: getattr(self, name) for name in TABLE_SCHEMAS}
        arrays: dict[str, np.ndarray] = {}
        names: dict[str, list[str]] = {}
        for fname in _ARRAY_FIELDS:
            if fname == "embeddings" and not include_embeddings:
                names[fname] = []
                continue
            mapping = getattr(self, fname)
            names[fname] = list(mapping)
            for i, key in enumerate(mapping):
                arrays[f"{fname}/{i}"] = np.ascontiguousarray(mapping[key])
        result = {"result_format": RESULT_FORMAT_VERSION,
                  "model_comparison": self.model_comparison, "skipped": self.skipped,
                  "timings": self.timings, "array_names": names}
        return tables, arrays, {"result": result}

    def to_bundle(self, target: str | os.PathLike, *, include_embeddings: bool = False,
                  overwrite: bool = False) -> Path:
        """Save to an analysis bundle (a directory, or a .zip when ``target`` ends in ``.zip``).

        Parameters
        ----------
        target : path
        include_embeddings : bool
            Also store ``embeddings`` (can be large). Default: leave them out.
        overwrite : bool
            Replace an existing bundle at ``target``.

        Returns
        -------
        Path
        """
        from core.results.bundle import write_bundle

        tables, arrays, json_objects = self._bundle_parts(bool(include_embeddings))
        return write_bundle(target, manifest=self.manifest, tables=tables, arrays=arrays,
                            json_objects=json_objects, overwrite=overwrite,
                            created=self.manifest.get("created"))

    def to_bundle_bytes(self, *, include_embeddings: bool = False) -> bytes:
        """The bundle as .zip bytes (a download button); same content as ``to_bundle('x.zip')``."""
        from core.results.bundle import bundle_bytes

        tables, arrays, json_objects = self._bundle_parts(bool(include_embeddings))
        return bundle_bytes(manifest=self.manifest, tables=tables, arrays=arrays,
                            json_objects=json_objects, created=self.manifest.get("created"))

    @classmethod
    def from_bundle(cls, source: str | os.PathLike | bytes | BinaryIO) -> AnalysisResult:
        """Load a result saved by :meth:`to_bundle` (a directory, a .zip path, .zip bytes or a file).

        Raises
        ------
        BundleError
            Not a bundle of an analysis result, an unsupported version, or damaged content.
        """
        from core.results.bundle import read_bundle

        bundle = read_bundle(source)
        result = bundle.json_objects.get("result")
        if not isinstance(result, dict) or "result_format" not in result:
            raise BundleError("this bundle does not hold an analysis result (no 'result' object); "
                              "it may have been written by another tool")
        if result["result_format"] != RESULT_FORMAT_VERSION:
            raise BundleError(f"analysis result format {result['result_format']!r} is not supported "
                              f"(this Corpus Compass reads version {RESULT_FORMAT_VERSION})")
        missing = [n for n in TABLE_SCHEMAS if n not in bundle.tables and n not in _ADDED_TABLES]
        if missing:
            raise BundleError(f"the bundle lacks the result tables {missing}")
        kwargs: dict[str, Any] = {name: bundle.tables[name] for name in TABLE_SCHEMAS if name in bundle.tables}
        kwargs["words"] = _upgrade_words(kwargs["words"])
        names = result.get("array_names", {})
        for fname in _ARRAY_FIELDS:
            listed = names.get(fname, []) if isinstance(names, dict) else []
            if not isinstance(listed, list):  # a hand-edited bundle: never iterate over just anything
                raise BundleError(f"the bundle's array_names[{fname!r}] is not a list of corpus names")
            arrays = {}
            for i, key in enumerate(listed):
                member = f"{fname}/{i}"
                if member not in bundle.arrays:
                    raise BundleError(f"the bundle lists {fname} for {key!r} but has no array {member!r}")
                arrays[str(key)] = bundle.arrays[member]
            kwargs[fname] = arrays
        for fname in ("model_comparison", "skipped", "timings"):
            value = result.get(fname, {})
            if not isinstance(value, dict):
                raise BundleError(f"the bundle's {fname} is not a JSON object")
            kwargs[fname] = value
        kwargs["manifest"] = dict(bundle.manifest)
        try:
            return cls(**kwargs)
        except ParameterError as exc:
            raise BundleError(f"the bundle's tables do not match the result contract: {exc}") from exc


