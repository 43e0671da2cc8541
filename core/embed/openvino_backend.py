"""OpenVINO backend: the default transformer in bf16 (where the CPU has AMX/AVX-512 bf16) or int8.

``load_embedder(model, backend="openvino")`` (or :func:`load_openvino_embedder`) loads the model as
the torch backend does (same discovery, pinned-hash check, no remote code, no pickles), converts its
Transformer and Pooling modules to OpenVINO's graph format locally with OpenVINO's PyTorch front end
(``ov.convert_model``; cached and self-checked), and compiles that graph with OpenVINO's CPU plugin.
Nothing is downloaded.

Why OpenVINO, measured on the 2-core Xeon this was built on (flags ``amx_bf16``, ``amx_int8``,
``avx512_vnni``; ``bench/bench_embed.py``, ratios from one interleaved run against plain
``SentenceTransformer.encode`` in fp32, see docs/BENCHMARKS.md):

- **bf16** (``INFERENCE_PRECISION_HINT=bf16``): OpenVINO runs the matrix products on the AMX tiles;
  3.9–4.7x the documents/s of the fp32 baseline on short real texts and 3.6–4.1x on long ones (two
  runs, the first with another process on the cores), at a minimum cosine to it of 0.99997; torch's
  bf16 autocast reached 3.0–3.5x and 2.8–3.1x in the same runs.
  ``precision="auto"`` uses it where OpenVINO is installed and the CPU computes bf16 natively.
- **The graph is converted from torch, not from the ONNX export.** The front end keeps each layer's
  attention as one ``ScaledDotProductAttention`` operation, which the CPU plugin runs fused; in the
  ONNX graph the mask arithmetic (IsNaN, Select, Add and Softmax as separate steps) took about 40 % of
  the time on long texts. Profiled on 16 texts of 256 tokens: 146 ms from the ONNX graph, 122 ms
  converted from torch (bf16).
- **int8**: static post-training quantisation with NNCF (``nncf.quantize`` with
  ``model_type=TRANSFORMER``: SmoothQuant, per-channel int8 weights, activation ranges calibrated on
  real text, fast bias correction; ``preset=PERFORMANCE``: symmetric activations, so the AMX int8
  products need no zero-point correction), calibrated on documents of the bundled sample corpora;
  the feed-forward output projections of the first two layers stay in bf16 (``_KEEP_FLOAT``).
  4.0–5.0x the fp32 baseline on short texts and 4.0–4.4x on long ones in the same two runs, at a
  minimum cosine of 0.997 on both (mean 0.998). The mixed preset (asymmetric activations) was 6–7 % slower at a minimum cosine of 0.993;
  every projection quantised, 0.991. Still not chosen automatically: its fidelity is below the 0.999
  that the default keeps, and with AMX bf16 the two are about as fast. It is meant for CPUs with VNNI
  but without native bf16, and for users who want the last few per cent. ONNX Runtime's own static QDQ quantisation was
  measured too and rejected: minimum cosine 0.90 (activation ranges of the attention products) at
  1.6x ONNX Runtime fp32; dynamic quantisation reached 0.990 at 1.5x.
- **Each text is tokenised once** (:meth:`OpenVinoEmbedder._prepare`): the token lengths that form
  the batches and the batches themselves come from one tokenizer call, padded here (about 10 % of
  the time on long texts went to the second tokenisation).

Choices, documented here:

- **Calibration and fidelity.** Calibration uses every tenth document of each bundled sample corpus
  (32 per corpus, ``sample_data/``); fidelity is then measured on *other* documents of the same
  corpora (every tenth, offset by five) and on long texts made by joining five of them (beyond the
  model's 256-token window): the minimum and mean cosine between the int8 vector and the torch fp32
  vector of each document. The figures are stored beside the quantised model and carried by the
  embedder (:attr:`OpenVinoEmbedder.fidelity`), and so in a result's manifest and notes. A quantised
  model whose minimum cosine falls below 0.99 is refused.
- **Where the graphs are kept.** ``<graph dir>/openvino/<digest>-fp32.xml`` and ``.bin`` (the
  converted model, compiled for fp32 and bf16; the digest hashes the torch embedder's identity and the
  torch, transformers and OpenVINO versions) and ``<digest>.xml``/``.bin`` (int8; the digest also
  hashes the NNCF version and the calibration texts), see :func:`core.embed.onnx_backend.graph_dir`.
  Each has a sidecar ``.json`` holding both files' SHA-256 (and, for int8, the fidelity). Written to
  a temporary folder and renamed (atomic); files that do not match their sidecar are made again.
  Converting takes a few seconds, quantising about 15 s, once.
- **Self-check.** Every load embeds the ONNX backend's probe texts (one word to beyond
  ``max_seq_length``, mixed batches) and compares them with the torch fp32 model: a minimum cosine
  below 0.999 (fp32, bf16) or 0.99 (int8) refuses the model.
- **Identity.** The torch fp32 identity with the precision replaced and ``;runtime=openvino;graph=pytorch``
  appended (int8: also the calibration digest and the OpenVINO and NNCF versions), so vectors from
  different runtimes or precisions never share cache entries.
- **Threads.** OpenVINO's default (one stream, as many threads as physical cores). One inference
  request per :meth:`OpenVinoEmbedder.encode` call, so one embedder can serve several threads.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.embed.base import _encode_batched, cpu_supports_bf16
from core.embed.onnx_backend import _PROBES, UnsupportedExportError, graph_dir, graph_module, load_exportable
from core.exceptions import ModelError, ParameterError
from core.fileio import file_sha256

__all__ = ["OV_PRECISIONS", "OpenVinoEmbedder", "calibration_texts", "fidelity_texts", "load_openvino_embedder",
           "openvino_available"]

OV_PRECISIONS = ("fp32", "bf16", "int8")
_MIN_COSINE = {"fp32": 0.9999, "bf16": 0.999, "int8": 0.99}
_PER_CORPUS = 32
_SAMPLES = ("games", "science", "libdevel")
_LONG_JOIN = 5
_LONG_TEXTS = 16
_VERSION = 2
#: the feed-forward output projections of the first two layers stay in floating point (bf16): their
#: inputs (after GELU) carry the outliers that int8 ranges clip. Chosen by keeping each layer's
#: projection in turn on the held-out fidelity texts (:func:`fidelity_texts`): minimum cosine 0.991
#: with every projection quantised, 0.994–0.995 keeping layer 0 or 1 alone, 0.993 keeping any later
#: one, 0.997 keeping layers 0 and 1 (2 of the graph's 36 projections)
_KEEP_FLOAT = [r".*layer\.[01]\.output\.dense/.*"]


def openvino_available() -> bool:
    """Whether the optional package of this backend (``openvino``) can be imported."""
    import importlib.util

    return importlib.util.find_spec("openvino") is not None


def _require(module: str, purpose: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModelError(f"backend 'openvino' needs the package {module!r} {purpose}: pip install {module} "
                         "(or use backend='torch')") from exc


def _sample_rows(offset: int) -> list[list[str]]:
    from core.load.samples import sample_dir

    folder = sample_dir()
    groups = []
    for name in _SAMPLES:
        path = folder / f"{name}.csv"
        try:
            with open(path, newline="", encoding="utf-8") as fh:
                rows = [row.get("text", "") for row in csv.DictReader(fh)]
        except OSError as exc:
            raise ModelError(f"precision 'int8' calibrates on the bundled sample corpora, but {path} cannot be "
                             f"read ({exc}); use precision 'auto' or run from a source checkout") from exc
        rows = [r for r in rows if r.strip()]
        groups.append(rows[offset::10])
    return groups


def calibration_texts() -> list[str]:
    """The texts int8 activation ranges are calibrated on: every tenth document of each bundled
    sample corpus (games, science, libdevel), 32 per corpus, in turn."""
    return [t for group in zip(*[g[:_PER_CORPUS] for g in _sample_rows(0)]) for t in group]


def fidelity_texts() -> list[str]:
    """Held-out texts for the int8 fidelity figures: every tenth document offset by five (32 per
    corpus), plus 16 long texts each joining five consecutive ones of those (beyond 256 tokens)."""
    groups = _sample_rows(5)
    short = [t for group in zip(*[g[:_PER_CORPUS] for g in groups]) for t in group]
    pool = [t for g in groups for t in g[_PER_CORPUS:]]
    long = [" ".join(pool[i * _LONG_JOIN:(i + 1) * _LONG_JOIN]) for i in range(_LONG_TEXTS)]
    return short + long


class OpenVinoEmbedder:
    """An :class:`~core.embed.base.Embedder` running a sentence-transformers model with OpenVINO.

    Attributes
    ----------
    name, identity, dimension, precision
        See :class:`core.embed.base.Embedder`; ``precision`` is ``"fp32"``, ``"bf16"`` or ``"int8"``.
    base : core.embed.torch_backend.SentenceTransformerEmbedder
        The torch fp32 embedder the graph was exported from (tokenizer, token embeddings, self-check).
    fidelity : dict or None
        int8 only: ``{"min_cosine", "mean_cosine", "documents"}`` against torch fp32 on held-out real
        texts (:func:`fidelity_texts`), measured when the model was quantised.
    model_path : pathlib.Path
        The graph OpenVINO compiled (the cached ONNX file, or the quantised ``.xml``).
    """

    def __init__(self, base: Any, compiled: Any, model_path: Path, input_names: list[str], precision: str,
                 identity_suffix: str, fidelity: dict | None = None) -> None:
        self.base = base
        self.compiled = compiled
        self.model_path = model_path
        self.input_names = list(input_names)
        self.name = base.name
        self.dimension = base.dimension
        self.precision = precision
        self.batch_size = base.batch_size
        self.max_batch_tokens = base.max_batch_tokens
        self.max_seq_length = base.max_seq_length
        self.weight_sha256 = base.weight_sha256
        self.path = base.path
        self.device = "cpu"
        self.fidelity = fidelity
        self.identity = base.identity.replace(";precision=fp32", f";precision={precision}") + identity_suffix

    def __repr__(self) -> str:
        return f"OpenVinoEmbedder(name={self.name!r}, dimension={self.dimension}, precision={self.precision!r})"

    @property
    def tokenizer(self) -> Any:
        return self.base.tokenizer

    def token_embeddings(self) -> np.ndarray:
        """The transformer's input word-embedding matrix (V, d_model), float32 (a copy)."""
        return self.base.token_embeddings()

    def _prepare(self, items: list[str]) -> tuple[list[int], Callable[[list[int]], np.ndarray]]:
        """Tokenise ``items`` once; their token lengths, and a function embedding the texts at given
        indices (padded here, to the right with the tokenizer's pad id, as ``padding=True`` would)."""
        enc = self.tokenizer(items, truncation=True, max_length=self.max_seq_length)
        columns = {name: enc[name] for name in self.input_names}
        lengths = [len(ids) for ids in columns["input_ids"]]
        pad_id = self.tokenizer.pad_token_id or 0
        request = self.compiled.create_infer_request()

        def run_at(idx: list[int]) -> np.ndarray:
            width = max(lengths[i] for i in idx)
            feeds = {}
            for name, rows in columns.items():
                array = np.full((len(idx), width), pad_id if name == "input_ids" else 0, dtype=np.int64)
                for r, i in enumerate(idx):
                    array[r, :lengths[i]] = rows[i]
                feeds[name] = array
            out = request.infer(feeds)
            return np.array(next(iter(out.values())), dtype=np.float32)

        return lengths, run_at

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed ``texts`` into an (n, d) float32 array of unit rows, in input order.

        Batching is the torch backend's (by token length, at most ``batch_size`` texts and
        ``max_batch_tokens`` padded tokens), with each text tokenised once; ``progress(done, n)``
        after every batch.
        """
        return _encode_batched(self, texts, batch_size, None, " under OpenVINO; try the torch backend", progress,
                               prepare=self._prepare)

    def cosines_to_fp32(self, texts: Sequence[str]) -> np.ndarray:
        """Cosine between this embedder's vector and the torch fp32 model's vector of each text, shape (n,)."""
        import torch

        with torch.inference_mode():
            ref = self.base.model.encode(list(texts), batch_size=32, convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False)
        return np.sum(self.encode(texts) * ref, axis=1)

    def self_check(self) -> float:
        """Smallest cosine to the torch fp32 model over the probe texts, in batches of mixed lengths."""
        import torch

        probes = list(_PROBES)
        with torch.inference_mode():
            ref = self.base.model.encode(probes, batch_size=len(probes), convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False)
        _, run_at = self._prepare(probes)
        every = list(range(len(probes)))
        mine = np.vstack([run_at(every), run_at(every[:1]), run_at(every[3:])])
        mine /= np.linalg.norm(mine, axis=1, keepdims=True)
        return float(np.min(np.sum(mine * np.vstack([ref, ref[:1], ref[3:]]), axis=1)))


def _feeds(tokenizer: Any, texts: list[str], input_names: list[str], max_len: int | None) -> dict:
    batch = tokenizer(texts, padding=True, truncation=True, max_length=max_len, return_tensors="np")
    return {name: np.asarray(batch[name], dtype=np.int64) for name in input_names}


def _convert(base: Any, input_names: list[str], target: Path) -> None:
    """Convert the torch model to OpenVINO's graph format with OpenVINO's PyTorch front end (fp32).

    Converted from torch directly, not from the ONNX export: the front end keeps attention as one
    ``ScaledDotProductAttention`` operation, which the CPU plugin runs fused, where the ONNX graph's
    mask arithmetic (IsNaN, Select, Add, Softmax as separate steps) took about 40 % of the time on
    long texts; bf16 ran 1.2x faster on the same texts.
    """
    import torch

    ov = _require("openvino", "to run the model")
    example = base.tokenizer(list(_PROBES[:3]), padding=True, truncation=True, max_length=base.max_seq_length,
                             return_tensors="pt")
    import transformers

    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # core prints nothing; the trace logs config notices
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # TracerWarnings about Python branches; the self-check decides
            model = ov.convert_model(graph_module(base, input_names),
                                     example_input=tuple(example[name] for name in input_names),
                                     input=[(ov.PartialShape([-1, -1]), ov.Type.i64)] * len(input_names))
    finally:
        transformers.logging.set_verbosity(verbosity)
    for port, name in zip(model.inputs, input_names):
        port.get_tensor().set_names({name})
    ov.save_model(model, str(target), compress_to_fp16=False)


def _quantise(source: Path, base: Any, input_names: list[str], target: Path) -> None:
    """Static int8 quantisation of the fp32 graph with NNCF, calibrated on :func:`calibration_texts`."""
    ov = _require("openvino", "to run the model")
    nncf = _require("nncf", "to quantise the model to int8")
    texts = calibration_texts()
    batches = [_feeds(base.tokenizer, texts[i:i + 16], input_names, base.max_seq_length)
               for i in range(0, len(texts), 16)]
    model = ov.Core().read_model(str(source))
    import logging

    logger = logging.getLogger("nncf")
    level = logger.level
    logger.setLevel(logging.ERROR)  # core prints nothing; NNCF logs its steps and draws progress bars
    try:
        with warnings.catch_warnings(), open(os.devnull, "w") as devnull, \
                contextlib.redirect_stdout(devnull), contextlib.redirect_stderr(devnull):
            warnings.simplefilter("ignore")
            quantised = nncf.quantize(model, nncf.Dataset(batches), model_type=nncf.ModelType.TRANSFORMER,
                                      preset=nncf.QuantizationPreset.PERFORMANCE, subset_size=len(batches),
                                      ignored_scope=nncf.IgnoredScope(patterns=_KEEP_FLOAT, validate=False))
    finally:
        logger.setLevel(level)
    ov.save_model(quantised, str(target), compress_to_fp16=False)


def _store(path: Path, make: Callable[[Path], dict]) -> dict:
    """Make the graph ``path`` (``.xml`` and ``.bin``) unless a valid one is there, atomically: ``make``
    writes ``model.xml`` into a temporary folder and returns extra sidecar fields."""
    meta = _valid(path)
    if meta is not None:
        return meta
    import shutil

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create {path.parent} for the OpenVINO graph: {exc}; pass cache_dir or set "
                         "CORPUS_COMPASS_CACHE_DIR to a writable directory") from exc
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=".graph-"))
    try:
        extra = make(tmp / "model.xml")
        meta = {"xml_sha256": file_sha256(tmp / "model.xml"), "bin_sha256": file_sha256(tmp / "model.bin"), **extra}
        os.replace(tmp / "model.bin", path.with_suffix(".bin"))
        os.replace(tmp / "model.xml", path)
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp / "meta.json", path.with_suffix(".json"))
        return meta
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fp32_path(base: Any, cache_dir: Path) -> Path:
    import openvino as ov
    import torch
    import transformers

    key = (f"{base.identity}|torch={torch.__version__}|transformers={transformers.__version__}"
           f"|openvino={ov.__version__}|frontend=pytorch|v={_VERSION}")
    return cache_dir / "openvino" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}-fp32.xml"


def _int8_paths(base: Any, cache_dir: Path) -> Path:
    import nncf

    # quantised from the converted fp32 graph: its digest (identity, torch, transformers, OpenVINO) is part of this one
    source = _fp32_path(base, cache_dir).stem
    calib = hashlib.sha256("\0".join(calibration_texts()).encode("utf-8")).hexdigest()[:16]
    key = f"{source}|nncf={nncf.__version__}|calib={calib}|v={_VERSION}"
    return cache_dir / "openvino" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.xml"


def _valid(xml: Path) -> dict | None:
    try:
        meta = json.loads(xml.with_suffix(".json").read_text(encoding="utf-8"))
        if meta.get("xml_sha256") == file_sha256(xml) and meta.get("bin_sha256") == file_sha256(xml.with_suffix(".bin")):
            return meta
    except (OSError, ValueError, AttributeError):
        pass
    return None


def _compile(ov: Any, path: Path, precision: str) -> Any:
    core = ov.Core()
    hint = "bf16" if precision == "bf16" or (precision == "int8" and cpu_supports_bf16()) else "f32"
    return core.compile_model(str(path), "CPU", {"INFERENCE_PRECISION_HINT": hint})


def load_openvino_embedder(model: str = "default", *, precision: str = "bf16",
                           cache_dir: str | os.PathLike | None = None, batch_size: int | None = None,
                           max_batch_tokens: int | None = None,
                           expected_sha256: str | None = None) -> OpenVinoEmbedder:
    """Load ``model`` (as :func:`core.embed.factory.load_embedder` does) and run it with OpenVINO.

    Parameters
    ----------
    model : str
        ``"default"``, a model directory or a cached hub id.
    precision : {"fp32", "bf16", "int8"}
        bf16 needs a CPU with native bf16 to be fast (it is emulated elsewhere); int8 is quantised
        once (about a minute or two of CPU) and cached.
    cache_dir : path, optional
        Where the exported graphs are kept; default :func:`core.embed.cache.default_cache_dir`.
    batch_size, max_batch_tokens : int, optional
        As in :func:`core.embed.factory.load_embedder`.
    expected_sha256 : str, optional
        Pin of a non-default model's weights, checked before loading.

    Returns
    -------
    OpenVinoEmbedder

    Raises
    ------
    ModelError
        A missing package, an architecture the export does not support, or a graph failing its
        self-check (or, for int8, its fidelity floor).
    """
    if precision not in OV_PRECISIONS:
        raise ParameterError(f"precision must be one of {list(OV_PRECISIONS)} with backend 'openvino', "
                             f"got {precision!r}")
    ov = _require("openvino", "to run the model")
    base, input_names = load_exportable(model, batch_size=batch_size, max_batch_tokens=max_batch_tokens,
                                        expected_sha256=expected_sha256)
    cache_dir = Path(graph_dir() if cache_dir is None else cache_dir).expanduser()
    fp32_path = _fp32_path(base, cache_dir)

    def convert(target: Path) -> dict:
        _convert(base, input_names, target)
        return {"identity": base.identity}

    try:
        _store(fp32_path, convert)
    except ModelError:
        raise
    except Exception as exc:  # the front end raises many types; all mean "this model does not convert"
        raise UnsupportedExportError(f"model {model!r} could not be converted for OpenVINO ({type(exc).__name__}: "
                                     f"{exc}); use backend='torch'") from exc
    suffix, fidelity, path = ";runtime=openvino;graph=pytorch", None, fp32_path
    if precision == "int8":
        _require("nncf", "to quantise the model to int8")
        import nncf

        path = _int8_paths(base, cache_dir)

        def make(target: Path) -> dict:
            _quantise(fp32_path, base, input_names, target)
            embedder = OpenVinoEmbedder(base, _compile(ov, target, "int8"), target, input_names, "int8", "")
            cos = embedder.cosines_to_fp32(fidelity_texts())
            return {"identity": base.identity, "fidelity": {"min_cosine": float(cos.min()),
                                                            "mean_cosine": float(cos.mean()),
                                                            "documents": int(cos.size)}}

        try:
            meta = _store(path, make)
        except ModelError:
            raise
        except Exception as exc:  # openvino/nncf raise many types; all mean "cannot quantise"
            raise ModelError(f"model {model!r} could not be quantised to int8 ({type(exc).__name__}: "
                             f"{exc}); use precision 'auto'") from exc
        fidelity = meta["fidelity"]
        calib = path.stem[:16]
        suffix = f";runtime=openvino-{ov.__version__};nncf={nncf.__version__};calibration={calib}"
    try:
        compiled = _compile(ov, path, precision)
    except Exception as exc:  # an unreadable file: made again next time
        with contextlib.suppress(OSError):
            path.with_suffix(".json").unlink()
        raise ModelError(f"OpenVINO could not compile {path} ({exc}); it will be made again on the next "
                         "load") from exc
    embedder = OpenVinoEmbedder(base, compiled, path, input_names, precision, suffix, fidelity)
    cosine = embedder.self_check()
    floor = _MIN_COSINE[precision]
    if fidelity is not None and fidelity["min_cosine"] < floor:
        cosine = min(cosine, fidelity["min_cosine"])
    if not cosine >= floor:
        raise UnsupportedExportError(f"the OpenVINO {precision} model of {model!r} disagrees with the torch fp32 model "
                         f"(cosine {cosine:.5f} < {floor}); use the torch backend")
    return embedder
