"""The pipeline's stage outputs: each stage returns one frozen dataclass, the result is built from them
alone, and the depths of every corpus in every other are kept, so the report does not depend on
whether the embeddings were saved."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.analysis.depth import tte_depth
from core.load.corpus import Corpus
from core.pipeline.context import RunContext
from core.pipeline.outputs import STAGE_OUTPUTS, DepthOutput, KnnOutput
from core.pipeline.run import run_analysis
from core.pipeline.spec import STAGES, Analysis
from core.report.document import render_html_report
from core.results.result import AnalysisResult

ROOT = Path(__file__).resolve().parents[2]
FAST = {"n_permutations": 99, "max_test_n": 200, "w2v_epochs": 1, "w2v_dim": 16}


def _sample(name: str, n: int) -> Corpus:
    frame = pd.read_csv(ROOT / "sample_data" / f"{name}.csv").iloc[:n].reset_index(drop=True)
    return Corpus.from_texts(frame["text"].tolist(), name=name, ids=frame["package"].tolist())


def test_every_stage_has_one_frozen_output_type() -> None:
    assert list(STAGE_OUTPUTS) == list(STAGES)
    for stage, kind in STAGE_OUTPUTS.items():
        assert dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen, stage
        field = {f.name: f for f in dataclasses.fields(RunContext)}[stage]
        assert kind.__name__ in str(field.type), (stage, field.type)


def test_record_refuses_another_stage_output() -> None:
    ctx = RunContext(spec=None, embedder=None, second_embedder=None, cache=False, progress=None,  # type: ignore[arg-type]
                     should_stop=None)
    with pytest.raises(TypeError, match="stage 'depth' returned KnnOutput, not DepthOutput"):
        ctx.record("depth", KnnOutput(graph=None))
    ctx.record("knn", None)  # a skipped stage leaves nothing
    assert ctx.knn is None and ctx.graph is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        DepthOutput(depths=None, tests={}, extremes=()).tests = {}  # type: ignore[misc]


def test_no_stage_writes_into_a_shared_dict() -> None:
    # the only writes a stage makes on the context are its skip reasons and its loaded models: every
    # value it computes is returned
    tree = ast.parse((ROOT / "core" / "pipeline" / "stages.py").read_text(encoding="utf-8"))
    writes = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else [])
        for target in targets:
            base = target.value if isinstance(target, ast.Subscript) else target
            if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id == "ctx":
                writes.append(base.attr)
    assert set(writes) <= {"skipped", "embedder", "second_embedder"}, writes


def test_cross_depths_are_kept_and_the_report_needs_no_embeddings(fake_embedder, tmp_path) -> None:
    corpora = (_sample("games", 40), _sample("science", 35), _sample("libdevel", 30))
    spec = Analysis(corpora=corpora, analyses=("depth", "tests", "map"), keep_embeddings=True, **FAST)
    result = run_analysis(spec, embedder=fake_embedder, cache=False)
    cross = result.cross_depths
    assert len(cross) == 2 * (40 + 35 + 30)  # every document in each of the two other corpora
    for ref in result.corpus_names:
        for name in result.corpus_names:
            if name == ref:
                assert not ((cross["reference"] == ref) & (cross["corpus"] == name)).any()
                continue
            part = cross[(cross["reference"] == ref) & (cross["corpus"] == name)]
            corpus = corpora[result.corpus_names.index(name)]
            assert part["doc_id"].tolist() == list(corpus.ids)
            expected = tte_depth(result.embeddings[name], result.embeddings[ref])
            np.testing.assert_allclose(part["depth"].to_numpy(), expected, rtol=0, atol=1e-12)
    with_embeddings = render_html_report(result)
    without = dataclasses.replace(result, embeddings={})
    assert render_html_report(without) == with_embeddings
    reopened = AnalysisResult.from_bundle(result.to_bundle(tmp_path / "r.zip"))
    assert not reopened.embeddings
    pd.testing.assert_frame_equal(reopened.cross_depths, cross)
    assert render_html_report(reopened) == with_embeddings


def test_eigenspectrum_holds_the_covariance_eigenvalues(fake_embedder) -> None:
    # one eigendecomposition serves the spread measures and the eigenspectrum table: its eigenvalues
    # are those of the corpus's sample covariance (numpy's, computed independently here)
    corpora = (_sample("games", 50), _sample("science", 45))
    result = run_analysis(Analysis(corpora=corpora, analyses=("spread",), keep_embeddings=True, **FAST),
                          embedder=fake_embedder, cache=False)
    for name in result.corpus_names:
        table = result.eigenspectrum[result.eigenspectrum["corpus"] == name]
        X = result.embeddings[name].astype(np.float64)
        expected = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
        np.testing.assert_allclose(table["eigenvalue"].to_numpy(), expected, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(table["explained"].to_numpy(), expected / expected.sum(), atol=1e-9)
