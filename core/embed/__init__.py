"""Embedding: the :class:`~core.embed.base.Embedder` protocol, its torch, ONNX Runtime and static
backends, model vetting, the embedding cache and the operator's model allow-list.

Public names are re-exported here; inside ``core`` modules import from the defining module.
"""

from __future__ import annotations

from core.embed.base import (
    ALLOW_DOWNLOAD_ENV,
    BACKENDS,
    DEFAULT_MODEL_ID,
    DEFAULT_MODEL_SHA256,
    FAST_MODEL,
    PRECISIONS,
    Embedder,
    cpu_supports_bf16,
    resolve_precision,
)
from core.embed.cache import (
    CACHE_DIR_ENV,
    CACHE_FILENAME,
    EmbeddingCache,
    default_cache_dir,
    embed_texts,
)
from core.embed.factory import load_embedder
from core.embed.onnx_backend import (
    GRAPH_DIR_ENV,
    OnnxEmbedder,
    UnsupportedExportError,
    ensure_onnx_graph,
    graph_dir,
    load_onnx_embedder,
)
from core.embed.openvino_backend import (
    OV_PRECISIONS,
    OpenVinoEmbedder,
    calibration_texts,
    fidelity_texts,
    load_openvino_embedder,
    openvino_available,
)
from core.embed.policy import (
    MODELS_ENV,
    allowed_models,
    check_model_allowed,
)
from core.embed.safety import default_model_dir
from core.embed.static import (
    SIF_A,
    StaticEmbedder,
    distill_token_table,
    load_static_embedder,
)
from core.embed.torch_backend import SentenceTransformerEmbedder, load_torch_embedder

__all__ = [
    "ALLOW_DOWNLOAD_ENV",
    "BACKENDS",
    "CACHE_DIR_ENV",
    "CACHE_FILENAME",
    "DEFAULT_MODEL_ID",
    "DEFAULT_MODEL_SHA256",
    "FAST_MODEL",
    "GRAPH_DIR_ENV",
    "MODELS_ENV",
    "OV_PRECISIONS",
    "PRECISIONS",
    "SIF_A",
    "Embedder",
    "EmbeddingCache",
    "OnnxEmbedder",
    "OpenVinoEmbedder",
    "SentenceTransformerEmbedder",
    "StaticEmbedder",
    "UnsupportedExportError",
    "allowed_models",
    "calibration_texts",
    "check_model_allowed",
    "cpu_supports_bf16",
    "default_cache_dir",
    "default_model_dir",
    "distill_token_table",
    "embed_texts",
    "ensure_onnx_graph",
    "fidelity_texts",
    "graph_dir",
    "load_embedder",
    "load_onnx_embedder",
    "load_openvino_embedder",
    "load_static_embedder",
    "load_torch_embedder",
    "openvino_available",
    "resolve_precision",
]
