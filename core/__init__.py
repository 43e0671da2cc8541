"""Corpus Compass: compare text corpora and embedding spaces.

The public catalogue. Names are imported lazily, so ``from core import load_corpus`` does not pay for
torch, faiss or umap until a function that needs them is used.

Data flows one way, one subpackage per stage (docs/ARCHITECTURE.md): ``load`` → ``embed`` →
``transform`` (with ``knn``) → ``analysis`` → ``results`` → ``pipeline`` → ``report``; the command
line (``cli/``) and the dashboard (``app/``) sit on top.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # core.fileio
    "atomic_path": "core.fileio",
    "atomic_write": "core.fileio",
    "file_sha256": "core.fileio",
    # core.exceptions
    "AnalysisCancelled": "core.exceptions",
    "AnalysisDeletedError": "core.exceptions",
    "AnalysisExpiredError": "core.exceptions",
    "AnalysisNotFoundError": "core.exceptions",
    "BundleError": "core.exceptions",
    "CacheError": "core.exceptions",
    "ClusterError": "core.exceptions",
    "CorpusCompassError": "core.exceptions",
    "CorpusCompassWarning": "core.exceptions",
    "CorpusLoadError": "core.exceptions",
    "InputError": "core.exceptions",
    "InsufficientDataError": "core.exceptions",
    "ModelError": "core.exceptions",
    "ParameterError": "core.exceptions",
    "StoreFullError": "core.exceptions",
    "WeightHashMismatchError": "core.exceptions",
    # core.methods (the registry of methods, labels and citations)
    "Method": "core.methods",
    "choices_help": "core.methods",
    "get_method": "core.methods",
    "method_citation": "core.methods",
    "method_ids": "core.methods",
    "method_label": "core.methods",
    "method_labels": "core.methods",
    # core.load
    "Corpus": "core.load.corpus",
    "CorpusStats": "core.load.stats",
    "LoadReport": "core.load.corpus",
    "fit_zipf": "core.load.stats",
    "load_corpora": "core.load.read",
    "load_corpus": "core.load.read",
    # core.load.tokens
    "tokenize": "core.load.tokens",
    "word_frequencies": "core.load.tokens",
    # core.load.formats
    "RawTable": "core.load.formats",
    "decode_text": "core.load.encoding",
    "format_from_filename": "core.load.formats",
    "format_size": "core.load.formats",
    "normalise_encoding": "core.load.encoding",
    "read_table": "core.load.formats",
    "zip_entry_count": "core.load.formats",
    # core.load.samples
    "SampleCorpus": "core.load.samples",
    "list_samples": "core.load.samples",
    "sample_dir": "core.load.samples",
    "sample_path": "core.load.samples",
    # core.load.overview
    "available_columns": "core.load.overview",
    "corpora_overview": "core.load.overview",
    "corpus_fingerprint": "core.load.overview",
    "length_frame": "core.load.overview",
    "zipf_frame": "core.load.overview",
    # core.embed
    "Embedder": "core.embed.base",
    "SentenceTransformerEmbedder": "core.embed.torch_backend",
    "cpu_supports_bf16": "core.embed.base",
    "default_model_dir": "core.embed.safety",
    "load_embedder": "core.embed.factory",
    "resolve_precision": "core.embed.base",
    # core.embed.onnx_backend, core.embed.static
    "OnnxEmbedder": "core.embed.onnx_backend",
    "UnsupportedExportError": "core.embed.onnx_backend",
    "ensure_onnx_graph": "core.embed.onnx_backend",
    "graph_dir": "core.embed.onnx_backend",
    "graph_module": "core.embed.onnx_backend",
    "load_exportable": "core.embed.onnx_backend",
    "load_onnx_embedder": "core.embed.onnx_backend",
    # core.embed.openvino_backend
    "OpenVinoEmbedder": "core.embed.openvino_backend",
    "calibration_texts": "core.embed.openvino_backend",
    "fidelity_texts": "core.embed.openvino_backend",
    "load_openvino_embedder": "core.embed.openvino_backend",
    "openvino_available": "core.embed.openvino_backend",
    "StaticEmbedder": "core.embed.static",
    "distill_token_table": "core.embed.static",
    "load_static_embedder": "core.embed.static",
    "load_torch_embedder": "core.embed.torch_backend",
    # core.embed.policy
    "allowed_models": "core.embed.policy",
    "check_model_allowed": "core.embed.policy",
    # core.embed.cache
    "EmbeddingCache": "core.embed.cache",
    "default_cache_dir": "core.embed.cache",
    "embed_texts": "core.embed.cache",
    # core.pipeline.progress
    "ProgressInfo": "core.pipeline.progress",
    "ProgressMeter": "core.pipeline.progress",
    "format_seconds": "core.pipeline.progress",
    # core.knn
    "KnnGraph": "core.knn",
    "check_embeddings": "core.knn",
    "knn_from_distance_matrix": "core.knn",
    "knn_graph": "core.knn",
    # core.transform.estimator
    "NotFittedError": "core.transform.estimator",
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
    # core.analysis.hubness
    "HubnessResult": "core.analysis.hubness",
    "hubness_report": "core.analysis.hubness",
    "k_occurrence": "core.analysis.hubness",
    "loo_knn_accuracy": "core.analysis.hubness",
    # core.transform.hubness_reduction
    "DisSimLocal": "core.transform.hubness_reduction",
    "HubnessReductionResult": "core.analysis.hubness",
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
    "reduce_hubness": "core.analysis.hubness",
    # core.analysis.depth
    "BidirectionalDepthResult": "core.analysis.depth",
    "DepthExtremes": "core.analysis.depth",
    "DepthTestResult": "core.analysis.depth",
    "depth_extremes": "core.analysis.depth",
    "depth_rank_sum_test": "core.analysis.depth",
    "depth_rank_sum_test_both_ways": "core.analysis.depth",
    "liu_singh_q": "core.analysis.depth",
    "tte_depth": "core.analysis.depth",
    "CorpusDepths": "core.analysis.depth",
    "corpus_depths": "core.analysis.depth",
    # core.analysis.twosample
    "ClassifierAttribution": "core.analysis.attribution",
    "TwoSampleResult": "core.analysis.twosample",
    "classifier_attribution": "core.analysis.attribution",
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
    # core.analysis.shift: calibrated word shift (ensemble, contextual, calibration, usages)
    "CadeHalves": "core.analysis.shift.ensemble",
    "Calibration": "core.analysis.shift.calibrate",
    "HalfDistances": "core.analysis.shift.calibrate",
    "ShiftScores": "core.analysis.shift.scores",
    "Usage": "core.analysis.shift.usages",
    "UsageSums": "core.analysis.shift.contextual",
    "WordShiftResult": "core.analysis.shift.methods",
    "WordUsages": "core.analysis.shift.usages",
    "calibrate": "core.analysis.shift.calibrate",
    "combine": "core.analysis.shift.scores",
    "contextual_scores": "core.analysis.shift.contextual",
    "ensemble_epochs": "core.analysis.shift.ensemble",
    "find_usages": "core.analysis.shift.usages",
    "measure_pairings": "core.analysis.shift.contextual",
    "pair_scores": "core.analysis.shift.ensemble",
    "pair_statements": "core.analysis.shift.methods",
    "pairings": "core.analysis.shift.calibrate",
    "rbf_features": "core.analysis.shift.contextual",
    "resolve_method": "core.analysis.shift.methods",
    "shift_words": "core.analysis.shift.methods",
    "split_halves": "core.analysis.shift.ensemble",
    "train_halves": "core.analysis.shift.ensemble",
    "truncated_model": "core.analysis.shift.contextual",
    "usage_sums": "core.analysis.shift.contextual",
    "word_spans": "core.analysis.shift.contextual",
    # core.analysis.projection
    "Projection": "core.analysis.projection",
    "project_corpora": "core.analysis.projection",
    "trustworthiness": "core.analysis.projection",
    "umap_projection": "core.analysis.projection",
    # core.analysis.duplicates
    "NearDuplicates": "core.analysis.duplicates",
    "near_duplicates": "core.analysis.duplicates",
    "shingles": "core.analysis.duplicates",
    "without_documents": "core.analysis.duplicates",
    # core.analysis.distinctive
    "distinctive_words": "core.analysis.distinctive",
    "log_odds_table": "core.analysis.distinctive",
    "word_counts": "core.analysis.distinctive",
    # core.results.provenance
    "InputIdentity": "core.results.provenance",
    "identity_of_corpora": "core.results.provenance",
    "identity_of_result": "core.results.provenance",
    "input_differences": "core.results.provenance",
    # core.report.readings, text_charts, text_sections
    "evidence_table": "core.report.readings",
    "format_p": "core.report.readings",
    "geometry_readings": "core.report.readings",
    "model_readings": "core.report.readings",
    "p_floor": "core.report.readings",
    "symmetry_table": "core.report.readings",
    "length_histogram": "core.report.text_charts",
    "distinctive_table": "core.report.text_sections",
    "mark_near_duplicates": "core.report.text_sections",
    "near_duplicates_of": "core.report.text_sections",
    "text_section": "core.report.text_sections",
    # core.results.result
    "AnalysisResult": "core.results.result",
    "empty_table": "core.results.result",
    "json_value": "core.results.result",
    "make_table": "core.results.result",
    # core.pipeline
    "Analysis": "core.pipeline.spec",
    "library_versions": "core.pipeline.manifest",
    "model_info": "core.pipeline.manifest",
    "run_analysis": "core.pipeline.run",
    "ClusterInfo": "core.pipeline.ray_cluster",
    "ray_session": "core.pipeline.ray_cluster",
    "EmbedActor": "core.pipeline.ray_embed",
    "embed_texts_ray": "core.pipeline.ray_embed",
    "StreamResult": "core.pipeline.stream",
    "stream_compare": "core.pipeline.stream",
    # core.results.queries
    "display_sample": "core.results.queries",
    "k_occurrence_summary": "core.results.queries",
    "shift_ranking": "core.results.queries",
    "shift_statements": "core.results.queries",
    "beyond_noise": "core.results.queries",
    "shift_duplicate_warnings": "core.results.queries",
    "shift_scale_note": "core.results.queries",
    "function_words": "core.results.queries",
    "function_word_note": "core.results.queries",
    "word_usages": "core.results.queries",
    "word_neighbours": "core.results.queries",
    "word_trajectory": "core.results.queries",
    # core.results.store
    "AnalysisStore": "core.results.store",
    "default_store_dir": "core.results.store",
    "is_valid_id": "core.results.store",
    "link_path": "core.results.store",
    "new_id": "core.results.store",
    # core.results.store_meta
    "StoredAnalysis": "core.results.store_meta",
    "parse_size": "core.results.store_meta",
    # core.report.tables
    "neutralize_cell": "core.report.tables",
    "neutralize_frame": "core.report.tables",
    "safe_csv": "core.report.tables",
    # core.report.charts
    "chart_to_png": "core.report.export",
    "chart_to_spec": "core.report.export",
    "chart_to_svg": "core.report.export",
    "corpus_colors": "core.report.charts",
    "depth_histogram": "core.report.charts",
    "eigenspectrum_chart": "core.report.charts",
    "k_occurrence_histogram": "core.report.charts",
    "map_chart": "core.report.charts",
    "rows_in_region": "core.report.charts",
    "shift_bar_chart": "core.report.ranking_charts",
    "significance_chart": "core.report.ranking_charts",
    "truncate_text": "core.report.charts",
    # core.report.map_webgl, core.report.map_density
    "map_figure": "core.report.map_webgl",
    "rows_in_selection": "core.report.map_webgl",
    "selection_bounds": "core.report.map_webgl",
    "density_grid": "core.report.map_density",
    "map_with_density": "core.report.map_density",
    "zipf_chart": "core.report.charts",
    # core.report.html
    "ChartBlock": "core.report.html",
    "KeyValueBlock": "core.report.html",
    "Paragraph": "core.report.html",
    "ReportSection": "core.report.html",
    "TableBlock": "core.report.html",
    "UsagesBlock": "core.report.html",
    "Verdict": "core.report.html",
    "format_value": "core.report.html",
    "json_for_script": "core.report.html",
    "render_report": "core.report.html",
    "vega_javascript": "core.report.html",
    "write_report": "core.report.html",
    # core.results.bundle
    "Bundle": "core.results.bundle",
    "bundle_bytes": "core.results.bundle",
    "read_bundle": "core.results.bundle",
    "write_bundle": "core.results.bundle",
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
