"""Corpus Compass: compare text corpora and embedding spaces.

The public catalogue. Names are imported lazily, so ``from core import load_corpus`` does not pay for
torch, faiss or umap until a function that needs them is used.

Data flows one way: load (``corpus``) → embed (``embed``, ``cache``) → transform (``transform``) →
analyse (``analysis``, ``projection``) → report (``pipeline``, ``report``).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # core.exceptions
    "AnalysisCancelled": "core.exceptions",
    "AnalysisNotFoundError": "core.exceptions",
    "BundleError": "core.exceptions",
    "CacheError": "core.exceptions",
    "CorpusCompassError": "core.exceptions",
    "CorpusCompassWarning": "core.exceptions",
    "CorpusLoadError": "core.exceptions",
    "InputError": "core.exceptions",
    "InsufficientDataError": "core.exceptions",
    "ModelError": "core.exceptions",
    "ParameterError": "core.exceptions",
    "WeightHashMismatchError": "core.exceptions",
    # core.corpus
    "Corpus": "core.corpus",
    "CorpusStats": "core.corpus",
    "LoadReport": "core.corpus",
    "fit_zipf": "core.corpus",
    "load_corpora": "core.corpus",
    "load_corpus": "core.corpus",
    # core.tokens
    "tokenize": "core.tokens",
    "word_frequencies": "core.tokens",
    # core.formats
    "RawTable": "core.formats",
    "decode_text": "core.formats",
    "format_from_filename": "core.formats",
    "format_size": "core.formats",
    "normalise_encoding": "core.formats",
    "read_table": "core.formats",
    "zip_entry_count": "core.formats",
    # core.samples
    "SampleCorpus": "core.samples",
    "list_samples": "core.samples",
    "sample_dir": "core.samples",
    "sample_path": "core.samples",
    # core.overview
    "available_columns": "core.overview",
    "corpora_overview": "core.overview",
    "corpus_fingerprint": "core.overview",
    "length_frame": "core.overview",
    "zipf_frame": "core.overview",
    # core.embed
    "Embedder": "core.embed",
    "SentenceTransformerEmbedder": "core.embed",
    "cpu_supports_bf16": "core.embed",
    "default_model_dir": "core.embed",
    "file_sha256": "core.embed",
    "load_embedder": "core.embed",
    "resolve_precision": "core.embed",
    # core.embed_onnx, core.embed_static
    "OnnxEmbedder": "core.embed_onnx",
    "load_onnx_embedder": "core.embed_onnx",
    "StaticEmbedder": "core.embed_static",
    "distill_token_table": "core.embed_static",
    "load_static_embedder": "core.embed_static",
    # core.model_policy
    "allowed_models": "core.model_policy",
    "check_model_allowed": "core.model_policy",
    # core.cache
    "EmbeddingCache": "core.cache",
    "default_cache_dir": "core.cache",
    "embed_texts": "core.cache",
    # core.progress
    "ProgressInfo": "core.progress",
    "ProgressMeter": "core.progress",
    "format_seconds": "core.progress",
    # core.knn
    "KnnGraph": "core.knn",
    "check_embeddings": "core.knn",
    "knn_from_distance_matrix": "core.knn",
    "knn_graph": "core.knn",
    # core.transform.whitening
    "Centering": "core.transform.whitening",
    "PCAWhitening": "core.transform.whitening",
    "SymmetryComparison": "core.transform.whitening",
    "SymmetryScores": "core.transform.whitening",
    "ZipfianWhitening": "core.transform.whitening",
    "center": "core.transform.whitening",
    "pca_whitening": "core.transform.whitening",
    "symmetry_comparison": "core.transform.whitening",
    "symmetry_comparison_from_model": "core.transform.whitening",
    "symmetry_scores": "core.transform.whitening",
    "zipfian_sentence_vectors": "core.transform.whitening",
    "zipfian_sentence_vectors_from_model": "core.transform.whitening",
    "zipfian_whitening": "core.transform.whitening",
    # core.transform.relative
    "RelativeProjection": "core.transform.relative",
    "check_anchor_indices": "core.transform.relative",
    "relative_representation": "core.transform.relative",
    "select_anchors": "core.transform.relative",
    # core.transform.hubness
    "HubnessResult": "core.transform.hubness",
    "hubness_report": "core.transform.hubness",
    "k_occurrence": "core.transform.hubness",
    "loo_knn_accuracy": "core.transform.hubness",
    # core.transform.hubness_reduction
    "DisSimLocal": "core.transform.hubness_reduction",
    "HubnessReductionResult": "core.transform.hubness_reduction",
    "CSLS": "core.transform.hubness_reduction",
    "LocalScaling": "core.transform.hubness_reduction",
    "NICDM": "core.transform.hubness_reduction",
    "MutualProximity": "core.transform.hubness_reduction",
    "csls": "core.transform.hubness_reduction",
    "dissim_local": "core.transform.hubness_reduction",
    "local_scaling": "core.transform.hubness_reduction",
    "make_reducer": "core.transform.hubness_reduction",
    "mutual_proximity": "core.transform.hubness_reduction",
    "nicdm": "core.transform.hubness_reduction",
    "reduce_hubness": "core.transform.hubness_reduction",
    # core.analysis.depth
    "BidirectionalDepthResult": "core.analysis.depth",
    "DepthExtremes": "core.analysis.depth",
    "DepthTestResult": "core.analysis.depth",
    "depth_extremes": "core.analysis.depth",
    "depth_rank_sum_test": "core.analysis.depth",
    "depth_rank_sum_test_both_ways": "core.analysis.depth",
    "liu_singh_q": "core.analysis.depth",
    "tte_depth": "core.analysis.depth",
    # core.analysis.twosample
    "ClassifierAttribution": "core.analysis.twosample",
    "TwoSampleResult": "core.analysis.twosample",
    "classifier_attribution": "core.analysis.twosample",
    "classifier_test": "core.analysis.twosample",
    "energy_test": "core.analysis.twosample",
    "mmd_test": "core.analysis.twosample",
    "permutation_pvalue": "core.analysis.twosample",
    "two_sample_tests": "core.analysis.twosample",
    # core.analysis.multitest
    "adjust_pvalues": "core.analysis.multitest",
    # core.analysis.spread
    "Eigenspectrum": "core.analysis.spread",
    "SpreadReport": "core.analysis.spread",
    "average_cosine": "core.analysis.spread",
    "covariance_eigenvalues": "core.analysis.spread",
    "eee": "core.analysis.spread",
    "eigenspectrum": "core.analysis.spread",
    "isoscore": "core.analysis.spread",
    "spread_report": "core.analysis.spread",
    "vrm": "core.analysis.spread",
    # core.analysis.verdict
    "ComparisonSummary": "core.analysis.verdict",
    "effect_size_word": "core.analysis.verdict",
    "summarize_comparison": "core.analysis.verdict",
    # core.analysis.models
    "ModelComparison": "core.analysis.models",
    "compare_spaces": "core.analysis.models",
    "linear_cka": "core.analysis.models",
    # core.analysis.shift
    "CadeModel": "core.analysis.shift",
    "Compass": "core.analysis.shift",
    "EpochRecord": "core.analysis.shift",
    "Neighbours": "core.analysis.shift",
    "ShiftTable": "core.analysis.shift",
    "Trajectory": "core.analysis.shift",
    "Vocabulary": "core.analysis.shift",
    "auto_epochs": "core.analysis.shift",
    "build_vocabulary": "core.analysis.shift",
    "neighbours": "core.analysis.shift",
    "procrustes_rotation": "core.analysis.shift",
    "procrustes_shift": "core.analysis.shift",
    "tokenize_corpus": "core.analysis.shift",
    "train_cade": "core.analysis.shift",
    "train_compass": "core.analysis.shift",
    "train_slice": "core.analysis.shift",
    "train_word2vec": "core.analysis.shift",
    "trajectory": "core.analysis.shift",
    "word_shift": "core.analysis.shift",
    # core.projection
    "Projection": "core.projection",
    "project_corpora": "core.projection",
    "trustworthiness": "core.projection",
    "umap_projection": "core.projection",
    # core.results
    "AnalysisResult": "core.results",
    "empty_table": "core.results",
    "json_value": "core.results",
    "make_table": "core.results",
    # core.pipeline
    "Analysis": "core.pipeline",
    "library_versions": "core.pipeline",
    "model_info": "core.pipeline",
    "run_analysis": "core.pipeline",
    # core.views
    "display_sample": "core.views",
    "k_occurrence_summary": "core.views",
    "shift_ranking": "core.views",
    "word_neighbours": "core.views",
    "word_trajectory": "core.views",
    # core.store
    "AnalysisStore": "core.store",
    "default_store_dir": "core.store",
    "is_valid_id": "core.store",
    "new_id": "core.store",
    # core.report.tables
    "neutralize_cell": "core.report.tables",
    "neutralize_frame": "core.report.tables",
    "safe_csv": "core.report.tables",
    # core.report.charts
    "chart_to_png": "core.report.charts",
    "chart_to_spec": "core.report.charts",
    "chart_to_svg": "core.report.charts",
    "corpus_colors": "core.report.charts",
    "depth_histogram": "core.report.charts",
    "eigenspectrum_chart": "core.report.charts",
    "k_occurrence_histogram": "core.report.charts",
    "map_chart": "core.report.charts",
    "rows_in_region": "core.report.charts",
    "shift_bar_chart": "core.report.charts",
    "significance_chart": "core.report.charts",
    "truncate_text": "core.report.charts",
    "zipf_chart": "core.report.charts",
    # core.report.html
    "ChartBlock": "core.report.html",
    "KeyValueBlock": "core.report.html",
    "Paragraph": "core.report.html",
    "ReportSection": "core.report.html",
    "TableBlock": "core.report.html",
    "Verdict": "core.report.html",
    "format_value": "core.report.html",
    "json_for_script": "core.report.html",
    "render_report": "core.report.html",
    "vega_javascript": "core.report.html",
    "write_report": "core.report.html",
    # core.report.bundle
    "Bundle": "core.report.bundle",
    "bundle_bytes": "core.report.bundle",
    "read_bundle": "core.report.bundle",
    "write_bundle": "core.report.bundle",
    # core.report.contract
    "contract_tables": "core.report.contract",
    "write_contract": "core.report.contract",
    "write_summary": "core.report.contract",
    # core.report.document
    "build_report_sections": "core.report.document",
    "render_html_report": "core.report.document",
    "write_html_report": "core.report.document",
}

__all__ = sorted(_EXPORTS) + ["__version__"]  # noqa: PLE0605 (built from the catalogue above)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
