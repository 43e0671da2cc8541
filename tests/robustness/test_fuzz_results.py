"""Property-based fuzzing of analysis-result bundles whose hashes are right but whose content was
written by hand (or by an attacker): :meth:`AnalysisResult.from_bundle` refuses them with a
BundleError, or loads a valid result; it never raises anything else and never writes a file."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness_support import count_example, record_writes, tiny_result
from test_fuzz import FUZZ

from core.exceptions import CorpusCompassError
from core.results.bundle import bundle_bytes

RESULT_PARTS = tiny_result(skipped={"words": "too small"},
                           embeddings={"a": np.ones((1, 2), np.float32)})._bundle_parts(True)
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=True)
                           | st.text(max_size=6), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(["word_vectors", "embeddings", "a", "0", ""]),
                                             inner, max_size=3), max_leaves=8)


ARRAY_NAMES = st.dictionaries(st.sampled_from(["word_vectors", "embeddings", "other"]), JSON_VALUES, max_size=2)


@settings(FUZZ, max_examples=60)
@given(change=st.tuples(st.sampled_from(["result_format", "model_comparison", "skipped", "timings"]), JSON_VALUES)
       | st.tuples(st.just("array_names"), ARRAY_NAMES | JSON_VALUES), drop_table=st.sampled_from([None, "documents", "corpora", "words"]),
       table_change=st.sampled_from([None, "columns", "dtype", "empty"]))
def test_forged_analysis_result_bundle(change, drop_table, table_change) -> None:
    from core.results.result import AnalysisResult

    count_example("bundle: forged analysis result")
    tables, arrays, json_objects = RESULT_PARTS
    tables = dict(tables)
    if drop_table:
        del tables[drop_table]
    if table_change and "documents" in tables:
        frame = tables["documents"].copy()
        if table_change == "columns":
            frame = frame.rename(columns={"text": "txt"})
        elif table_change == "dtype":
            frame["depth"] = ["deep", "shallow"]
        else:
            frame = frame.iloc[0:0]
        tables["documents"] = frame
    result = dict(json_objects["result"])
    field, value = change
    result[field] = value
    data = bundle_bytes(manifest={"created": "x"}, tables=tables, arrays=arrays, json_objects={"result": result})
    with record_writes() as writes:
        try:
            loaded = AnalysisResult.from_bundle(data)
        except CorpusCompassError as exc:
            assert str(exc).strip()
        else:
            assert list(loaded.corpora["corpus"]) == ["a", "b"]
    assert writes == []
