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
    # errors
    "CorpusCompassError": "core.exceptions",
    "InputError": "core.exceptions",
    "ParameterError": "core.exceptions",
    "CorpusLoadError": "core.exceptions",
    "ModelError": "core.exceptions",
    "WeightHashMismatchError": "core.exceptions",
    "CacheError": "core.exceptions",
    "InsufficientDataError": "core.exceptions",
    "BundleError": "core.exceptions",
    "CorpusCompassWarning": "core.exceptions",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
