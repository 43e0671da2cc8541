"""The analysis spec: :class:`Analysis` (what to analyse and how), validated when it is built, and
the names of the stages, analyses, transforms and hubness reductions. The pipeline that runs it is
:mod:`core.pipeline.run`. Every allowed choice (analysis, transform, reduction, precision, runtime,
anchor method, word-shift method, engine) comes from the registry of methods, :mod:`core.methods`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from core.exceptions import ParameterError
from core.load.corpus import Corpus
from core.methods import get_method, method_ids

__all__ = ["ANALYSES", "ENGINES", "HUBNESS_REDUCTIONS", "STAGES", "TRANSFORMS", "Analysis"]

#: Analyses that can be switched on or off.
ANALYSES: tuple[str, ...] = method_ids("analysis")
#: Transforms, in the order they are applied.
TRANSFORMS: tuple[str, ...] = method_ids("transform")
#: Every stage, in the order it runs and reports progress (the registry's stages without "model",
#: the dashboard's own stage of loading the model before the pipeline runs).
STAGES: tuple[str, ...] = tuple(s for s in method_ids("stage") if s != "model")
#: Hubness reductions (the keys of ``core.transform.hubness_reduction.REDUCTIONS``).
HUBNESS_REDUCTIONS: tuple[str, ...] = method_ids("reduction")
_RESERVED_NAME = "all"
#: Where the pipeline runs: in this process, or on a Ray cluster (:mod:`core.pipeline.ray_engine`).
ENGINES: tuple[str, ...] = method_ids("engine")

Progress = Callable[[str, int, int, str], None]


def _is_int(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True, eq=False)
class Analysis:
    """What to analyse and how: the one input of :func:`run_analysis`.

    Parameters
    ----------
    corpora : tuple of Corpus
        At least two, with distinct names (see :func:`core.load.read.load_corpora`). Lists are accepted.
    model : str
        Embedding model: ``"default"`` (bundled all-MiniLM-L6-v2), a local directory or a cached hub id.
        Ignored for the main space when every corpus has precomputed ``vectors``.
    precision : {"auto", "fp32", "bf16", "int8"}
        ``"int8"``: the model quantised to int8 with OpenVINO (its measured fidelity to fp32 goes into
        the manifest and the notes).
    backend : {"auto", "torch", "onnx", "openvino"}
        How the model runs: ``"auto"`` (default: OpenVINO where installed and the CPU has native bf16,
        else torch), ``"torch"``, ``"openvino"`` or ONNX Runtime (fp32, CPU; the optional packages
        ``onnx`` and ``onnxruntime``; faster than torch fp32, slower than bf16 where the CPU has
        native bf16); see :func:`core.embed.load_embedder`. Not used for ``"fast"``.
    second_model : str, optional
        A second model for the model comparison (``"models"``).
    transforms : tuple of {"zipfian", "center", "whiten"}
        Applied to the pooled space in the order of :data:`TRANSFORMS`.
    hubness_reduction : str, optional
        One of :data:`HUBNESS_REDUCTIONS`; its before/after measures join the hubness table.
    analyses : frozenset of str
        Subset of :data:`ANALYSES` to run (default: all).
    k : int
        Neighbours for hubness (N_k) and for the model comparison's kNN overlap (10).
    n_anchors, anchor_method
        Relative-representation anchors for the model comparison (300, "uniform").
    n_permutations : int
        Permutations of each two-sample test (999: p-values in steps of 0.001).
    max_test_n : int
        Documents per corpus used by the permutation tests (seeded subsample above it; 2,000).
    alpha : float
        Significance level of the verdicts (0.05).
    map_max_points : int
        Most points drawn on the report's map (a seeded sample above it; the map itself covers all).
    umap_n_neighbors, umap_min_dist, umap_n_epochs
        UMAP settings (15, 0.1, None = 500 epochs up to 2,000 documents, 200 above).
    n_extremes : int
        Documents listed per corpus and kind of extreme (10).
    n_hubs : int
        Hubs (and sampled antihubs) listed in ``hubs`` (10 each).
    reduction_max_full_n : int
        Largest pooled size for an exact (full-matrix) hubness reduction (5,000).
    words_min_freq, words_top, words_neighbours
        Word shift: least occurrences in both corpora (20; at least 2, so that a word can occur in
        both random halves of each corpus that calibrate its noise), words per pair (100; None = every scored
        word), neighbours (5).
    words_method : str
        Word shift method, one of ``core.methods.method_ids("word_method")`` ("auto": the
        benchmark's best when the transformer model is at hand, else CADE).
    w2v_dim, w2v_window, w2v_negative, w2v_epochs, w2v_min_count
        CADE word2vec settings (100, 5, 10, None = 5 to 20 by corpus size, 5).
    seed : int
        Seeds every random choice (tests, anchors, UMAP, word2vec, samples).
    input_sha256 : tuple of str or None, optional
        SHA-256 of each corpus's input file bytes, when the caller has them (uploads). Default: hashed
        from ``corpus.report.path`` when that file exists.
    keep_embeddings : bool
        Keep the analysed vectors in ``result.embeddings`` (True).
    engine : {"local", "ray"}
        ``"local"`` (default) runs everything in this process; ``"ray"`` embeds on a Ray cluster
        (the optional ``ray`` extra) and runs the other stages here, with the same results
        (:mod:`core.pipeline.ray_engine`).
    ray_address : str, optional
        The Ray cluster to join with ``engine="ray"`` (``"ray://host:10001"``, ``"host:6379"``);
        default the environment variable ``CORPUS_COMPASS_RAY_ADDRESS``, else a local Ray on this
        machine's cores, stopped when the run ends.
    """

    corpora: tuple[Corpus, ...]
    model: str = "default"
    precision: str = "auto"
    backend: str = "auto"
    second_model: str | None = None
    transforms: tuple[str, ...] = ()
    hubness_reduction: str | None = None
    analyses: frozenset[str] = frozenset(ANALYSES)
    k: int = 10
    n_anchors: int = 300
    anchor_method: str = "uniform"
    n_permutations: int = 999
    max_test_n: int = 2000
    alpha: float = 0.05
    map_max_points: int = 5000
    umap_n_neighbors: int = 15
    umap_min_dist: float = 0.1
    umap_n_epochs: int | None = None
    n_extremes: int = 10
    n_hubs: int = 10
    reduction_max_full_n: int = 5000
    words_min_freq: int = 20
    words_top: int | None = 100
    words_neighbours: int = 5
    words_method: str = "auto"
    w2v_dim: int = 100
    w2v_window: int = 5
    w2v_negative: int = 10
    w2v_epochs: int | None = None
    w2v_min_count: int = 5
    seed: int = 0
    input_sha256: tuple[str | None, ...] | None = None
    keep_embeddings: bool = True
    engine: str = "local"
    ray_address: str | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def corpus_names(self) -> list[str]:
        return [c.name for c in self.corpora]

    def parameters(self) -> dict[str, Any]:
        """Every setting except the corpora themselves, as plain JSON values (for the manifest)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("corpora", "input_sha256"):
                continue
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = [a for a in ANALYSES if a in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def replace(self, **changes: Any) -> Analysis:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _set(spec: Analysis, name: str, value: Any) -> None:
    object.__setattr__(spec, name, value)


def _check_int(spec: Analysis, name: str, low: int, *, allow_none: bool = False) -> None:
    value = getattr(spec, name)
    if value is None and allow_none:
        return
    if not _is_int(value) or value < low:
        extra = " or None" if allow_none else ""
        raise ParameterError(f"{name} must be an integer >= {low}{extra}, got {value!r}")
    _set(spec, name, int(value))


def _choices(value: Any, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, Iterable):
        raise ParameterError(f"{name} must be a list of names from {list(allowed)}, got {value!r}")
    items = list(value)
    bad = [v for v in items if v not in allowed]
    if bad:
        raise ParameterError(f"{name}: unknown {', '.join(map(repr, bad))}; choose from {', '.join(allowed)}")
    return tuple(a for a in allowed if a in items)


def _validate(spec: Analysis) -> None:
    corpora = spec.corpora
    if isinstance(corpora, Corpus) or not isinstance(corpora, (list, tuple)):
        raise ParameterError("corpora must be a list of Corpus objects (core.load.read.load_corpora)")
    corpora = tuple(corpora)
    for i, c in enumerate(corpora):
        if not isinstance(c, Corpus):
            raise ParameterError(f"corpora[{i}] must be a Corpus, got {type(c).__name__}")
    if len(corpora) < 2:
        raise ParameterError(f"a comparison needs at least 2 corpora, got {len(corpora)}")
    names = [c.name for c in corpora]
    if len(set(names)) != len(names):
        raise ParameterError(f"corpus names must be distinct, got {names}; load them with "
                             "core.load.read.load_corpora, which makes names unique")
    if _RESERVED_NAME in names:
        raise ParameterError(f"no corpus may be called {_RESERVED_NAME!r} (it names all corpora pooled); "
                             "rename it")
    _set(spec, "corpora", corpora)
    for name in ("model",):
        if not isinstance(getattr(spec, name), str) or not getattr(spec, name).strip():
            raise ParameterError(f"{name} must be 'default', a model directory or a hub id, "
                                 f"got {getattr(spec, name)!r}")
    if spec.second_model is not None and (not isinstance(spec.second_model, str)
                                          or not spec.second_model.strip()):
        raise ParameterError(f"second_model must be a model name or None, got {spec.second_model!r}")
    get_method("precision", spec.precision, parameter="precision")
    get_method("backend", spec.backend, parameter="backend")
    if spec.backend == "onnx" and spec.precision in ("bf16", "int8"):
        raise ParameterError("backend 'onnx' runs fp32: use precision 'auto' or 'fp32' with it")
    if spec.backend == "torch" and spec.precision == "int8":
        raise ParameterError("precision 'int8' runs with OpenVINO: use backend 'auto' or 'openvino', not 'torch'")
    _set(spec, "transforms", _choices(spec.transforms, "transforms", TRANSFORMS))
    _set(spec, "analyses", frozenset(_choices(spec.analyses, "analyses", ANALYSES)))
    if spec.hubness_reduction is not None and spec.hubness_reduction not in HUBNESS_REDUCTIONS:
        raise ParameterError(f"hubness_reduction must be one of {', '.join(HUBNESS_REDUCTIONS)} or None, "
                             f"got {spec.hubness_reduction!r}")
    get_method("anchor", spec.anchor_method, parameter="anchor_method")
    for name, low in (("k", 1), ("n_anchors", 1), ("n_permutations", 1), ("max_test_n", 10),
                      ("map_max_points", 10), ("umap_n_neighbors", 2), ("n_extremes", 1), ("n_hubs", 1),
                      ("reduction_max_full_n", 10), ("words_min_freq", 2),
                      ("words_neighbours", 0), ("w2v_dim", 1), ("w2v_window", 1), ("w2v_negative", 1),
                      ("w2v_min_count", 1), ("seed", 0)):
        _check_int(spec, name, low)
    _check_int(spec, "umap_n_epochs", 1, allow_none=True)
    _check_int(spec, "w2v_epochs", 1, allow_none=True)
    _check_int(spec, "words_top", 1, allow_none=True)
    get_method("word_method", spec.words_method, parameter="words_method")
    for name, low, high in (("alpha", 0.0, 1.0), ("umap_min_dist", 0.0, 1.0)):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low <= value <= high) \
                or (name == "alpha" and value in (0.0, 1.0)):
            raise ParameterError(f"{name} must be a number in {'(0, 1)' if name == 'alpha' else '[0, 1]'}, "
                                 f"got {value!r}")
        _set(spec, name, float(value))
    get_method("engine", spec.engine, parameter="engine")
    if spec.ray_address is not None:
        if not isinstance(spec.ray_address, str) or not spec.ray_address.strip():
            raise ParameterError(f"ray_address must be a Ray cluster address such as 'ray://host:10001' "
                                 f"or None, got {spec.ray_address!r}")
        if spec.engine != "ray":
            raise ParameterError("ray_address is used only with engine='ray'; set engine='ray' or drop it")
    for name in ("keep_embeddings",):
        if not isinstance(getattr(spec, name), bool):
            raise ParameterError(f"{name} must be True or False, got {getattr(spec, name)!r}")
    if spec.input_sha256 is not None:
        hashes = tuple(spec.input_sha256)
        if len(hashes) != len(corpora) or not all(h is None or (isinstance(h, str) and len(h) == 64)
                                                  for h in hashes):
            raise ParameterError("input_sha256 must hold one 64-hex-digit SHA-256 (or None) per corpus")
        _set(spec, "input_sha256", hashes)
    with_vectors = [c.vectors is not None for c in corpora]
    if any(with_vectors) and not all(with_vectors):
        missing = [c.name for c, v in zip(corpora, with_vectors) if not v]
        raise ParameterError(f"precomputed vectors are given for some corpora but not for {missing}; "
                             "give vectors for every corpus or for none")
    if all(with_vectors):
        dims = {c.vectors.shape[1] for c in corpora}
        if len(dims) != 1:
            raise ParameterError(f"the precomputed vectors have different dimensions {sorted(dims)}; "
                                 "all corpora must be embedded by the same model")
