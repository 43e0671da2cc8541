"""Which embedding models a hosted server may load: an operator's allow-list.

On a computer of one's own, any sentence-transformers folder or cached hub name may be loaded (nothing
in it is executed: see :mod:`core.embed`). On a shared server, the model field would otherwise let
anyone probe which folders exist (the messages differ). The operator closes that by listing the models
the server accepts in the environment variable ``CORPUS_COMPASS_MODELS`` (comma-separated: names such as
``sentence-transformers/all-mpnet-base-v2`` and folders such as ``/srv/models/e5``). When it is set,
only ``"default"``, ``"fast"`` and the listed models load; anything else is refused with one message that
lists the accepted models and says nothing about the file system. When it is unset, every model is
accepted, as before.

Matching: a name must be listed exactly (case-sensitive, surrounding spaces ignored); a folder written
as an absolute, ``~``- or ``./``-relative path also matches a listed folder that resolves to the same
absolute path (``~`` expanded, symbolic links followed), so ``/srv/models/e5/`` and
``/srv/models/./e5`` are the same entry. ``org/model`` is read as a hub name, never as a folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from core.exceptions import ParameterError

__all__ = ["MODELS_ENV", "allowed_models", "check_model_allowed"]

MODELS_ENV = "CORPUS_COMPASS_MODELS"
#: always accepted: the bundled model and its static distillation ship with the package
ALWAYS_ALLOWED = ("default", "fast")


def allowed_models(environ: Mapping[str, str] | None = None) -> tuple[str, ...] | None:
    """The operator's allow-list from ``CORPUS_COMPASS_MODELS``, or None when every model is accepted.

    An empty or blank variable counts as unset; empty items (``a,,b``) are dropped.
    """
    raw = (os.environ if environ is None else environ).get(MODELS_ENV, "")
    items = tuple(dict.fromkeys(item.strip() for item in raw.split(",") if item.strip()))
    return items or None


def _looks_like_path(name: str) -> bool:
    # "org/model" is a hub name; only absolute, home-relative or dot-relative names are folders here
    return name.startswith(("/", "~", "./", "../")) or name in (".", "..")


def _same_path(a: str, b: str) -> bool:
    try:
        return Path(a).expanduser().resolve(strict=False) == Path(b).expanduser().resolve(strict=False)
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte: not a match
        return False


def check_model_allowed(model: str, allowed: Sequence[str] | None) -> None:
    """Raise :class:`~core.exceptions.ParameterError` unless ``model`` may be loaded under ``allowed``.

    Parameters
    ----------
    model : str
        What the user asked for: ``"default"``, ``"fast"``, a hub name or a folder.
    allowed : sequence of str or None
        The operator's list (:func:`allowed_models`); None accepts every model.
    """
    if not isinstance(model, str):
        raise ParameterError(f"model must be a string; got {type(model).__name__}")
    name = model.strip()
    if allowed is None or name.lower() in ALWAYS_ALLOWED:
        return
    for entry in allowed:
        if name == entry or (_looks_like_path(entry) and _looks_like_path(name) and _same_path(name, entry)):
            return
    accepted = ", ".join([*ALWAYS_ALLOWED, *allowed])
    raise ParameterError(f"this server accepts only these models: {accepted} (a list set by whoever runs "
                         "it, in CORPUS_COMPASS_MODELS); choose one of them")
