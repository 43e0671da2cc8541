"""The manifest of a run: input hashes, parameters, seeds, models and library versions."""

from __future__ import annotations

import datetime as _dt
import platform
from pathlib import Path
from typing import Any

from core.fileio import file_sha256
from core.pipeline.spec import Analysis

__all__ = ["library_versions", "model_info"]


def input_hashes(spec: Analysis) -> list[str | None]:
    if spec.input_sha256 is not None:
        return list(spec.input_sha256)
    out: list[str | None] = []
    for corpus in spec.corpora:
        path = corpus.report.path
        out.append(file_sha256(path) if path and Path(path).is_file() else None)
    return out


_PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "pyarrow", "faiss-cpu", "umap-learn", "numba",
             "torch", "transformers", "sentence-transformers", "altair", "vl-convert-python", "ray")


def library_versions() -> dict[str, str | None]:
    """Installed versions of Python and the libraries whose numbers the results depend on."""
    from importlib import metadata

    out: dict[str, str | None] = {"python": platform.python_version(), "platform": platform.platform()}
    for package in _PACKAGES:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def model_info(embedder: Any, *, vectors: bool = False, dimension: int | None = None) -> dict[str, Any]:
    """The manifest's description of the model (or of precomputed vectors)."""
    if vectors:
        return {"name": "precomputed vectors", "identity": None, "weight_sha256": None, "precision": None,
                "dimension": dimension}
    return {"name": str(getattr(embedder, "name", "")), "identity": str(getattr(embedder, "identity", "")),
            "weight_sha256": getattr(embedder, "weight_sha256", None),
            "precision": getattr(embedder, "precision", None), "dimension": int(embedder.dimension),
            **({"fidelity": dict(embedder.fidelity)} if getattr(embedder, "fidelity", None) else {})}


def _manifest(spec: Analysis, hashes: list[str | None], models: dict[str, Any],
              engine: dict[str, Any] | None = None) -> dict[str, Any]:
    import core

    inputs = []
    for corpus, sha in zip(spec.corpora, hashes):
        r = corpus.report
        inputs.append({"name": corpus.name, "file": r.filename, "sha256": sha, "format": r.format,
                       "rows": r.n_rows_read, "documents": len(corpus), "text_column": r.text_column,
                       "metadata_columns": [str(c) for c in corpus.metadata.columns],
                       "n_empty_removed": r.n_empty_removed,
                       "n_duplicates_removed": r.n_duplicates_removed})
    seed = spec.seed
    created = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
        "corpus_compass_version": getattr(core, "__version__", None),
        "created": created,
        "inputs": inputs,
        "parameters": spec.parameters(),
        "seeds": {"seed": seed, "two_sample_tests": seed, "classifier_attribution": seed, "umap": seed,
                  "word2vec": seed, "anchors": seed, "samples": seed},
        "model": models.get("model"),
        "second_model": models.get("second_model"),
        "versions": library_versions(),
        "engine": engine or {"name": "local", "cluster": None, "stages": None},
    }
