"""Input checks shared by the analysis modules (and open to any other ``core`` module).

Every public function validates its inputs here, once, at the top, so that a bad input fails with one
message that names the parameter, what was wrong and what to do, instead of surfacing later as a NaN
or a shape error deep inside numpy.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from core.exceptions import InputError, InsufficientDataError, ParameterError

# the library's own argument checks: imported by its modules, not part of the public catalogue
__all__: list[str] = []

_MAX_LISTED = 5


def _listed(indices: Iterable[int]) -> str:
    idx = [int(i) for i in indices]
    shown = ", ".join(str(i) for i in idx[:_MAX_LISTED])
    return shown + (f" and {len(idx) - _MAX_LISTED} more" if len(idx) > _MAX_LISTED else "")


def as_embedding_matrix(X: Any, *, name: str = "X", min_rows: int = 1, min_cols: int = 1,
                        allow_zero_rows: bool = False) -> np.ndarray:
    """Return ``X`` as a C-contiguous float64 array of shape (n, d) after checking it.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Embeddings, one row per document.
    name : str
        Parameter name used in error messages.
    min_rows, min_cols : int
        Smallest acceptable n and d. Too few rows raise :class:`InsufficientDataError`.
    allow_zero_rows : bool
        Whether an all-zero row is acceptable. Cosine-based methods need a direction for every
        document, so most callers leave this False.

    Raises
    ------
    InputError
        Not numeric, not 2-D, NaN or infinite entries, or zero rows (when not allowed).
    InsufficientDataError
        Fewer than ``min_rows`` rows or fewer than ``min_cols`` columns.
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise InputError(f"{name} must be a 2-D numeric array of embeddings (n_documents, n_dims); "
                         f"got {type(X).__name__}.")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise InputError(f"{name} could not be read as a 2-D numeric array: {exc}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InputError(f"{name} must be numeric; got dtype {arr.dtype}. Embed the texts first.")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise InputError(f"{name} must be real-valued; got dtype {arr.dtype}.")
    if arr.ndim != 2:
        raise InputError(f"{name} must be 2-D (n_documents, n_dims); got shape {arr.shape}. "
                         "For a single document use X.reshape(1, -1).")
    n, d = arr.shape
    if n < min_rows:
        raise InsufficientDataError(f"{name} has {n} document(s); at least {min_rows} are needed.")
    if d < min_cols:
        raise InsufficientDataError(f"{name} has {d} dimension(s); at least {min_cols} are needed.")
    out = np.ascontiguousarray(arr, dtype=np.float64)
    finite = np.isfinite(out).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise InputError(f"{name} contains NaN or infinite values in row(s) {_listed(bad)}; "
                         "remove or re-embed those documents.")
    if not allow_zero_rows:
        zero = ~out.any(axis=1)
        if zero.any():
            bad = np.flatnonzero(zero)
            raise InputError(f"{name} has all-zero row(s) {_listed(bad)}: a zero vector has no direction, "
                             "so its cosine similarity is undefined. Remove those documents (often empty "
                             "texts) or re-embed them.")
    return out


def check_same_dimension(A: np.ndarray, B: np.ndarray, names: tuple[str, str] = ("A", "B")) -> None:
    """Raise :class:`InputError` unless ``A`` and ``B`` have the same number of columns."""
    if A.shape[1] != B.shape[1]:
        raise InputError(f"{names[0]} has {A.shape[1]} dimensions but {names[1]} has {B.shape[1]}; "
                         "both corpora must be embedded with the same model.")


def check_int(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = None,
              allow_none: bool = False) -> int | None:
    """Return ``value`` as an int after checking its type and range."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        kind = "an integer or None" if allow_none else "an integer"
        raise ParameterError(f"{name} must be {kind}; got {value!r}.")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name} must be >= {minimum}; got {value}.")
    if maximum is not None and value > maximum:
        raise ParameterError(f"{name} must be <= {maximum}; got {value}.")
    return value


def check_float(value: Any, name: str, *, minimum: float | None = None, maximum: float | None = None,
                strict_minimum: bool = False, strict_maximum: bool = False,
                allow_none: bool = False) -> float | None:
    """Return ``value`` as a finite float after checking its type and range."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ParameterError(f"{name} must be a finite number; got {value!r}.")
    value = float(value)
    if minimum is not None and (value <= minimum if strict_minimum else value < minimum):
        raise ParameterError(f"{name} must be {'>' if strict_minimum else '>='} {minimum}; got {value}.")
    if maximum is not None and (value >= maximum if strict_maximum else value > maximum):
        raise ParameterError(f"{name} must be {'<' if strict_maximum else '<='} {maximum}; got {value}.")
    return value


def check_choice(value: Any, name: str, allowed: Iterable[str]) -> str:
    """Raise :class:`ParameterError` unless ``value`` is one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ParameterError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}.")
    return value


def check_name(value: Any, name: str) -> str:
    """A corpus name: a non-empty string (used in tables and in plain-language summaries)."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{name} must be a non-empty string; got {value!r}.")
    return value


def check_random_state(random_state: Any) -> np.random.Generator:
    """Turn ``random_state`` (None, an int >= 0 or a Generator) into a numpy Generator."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral) or random_state < 0:
        raise ParameterError("random_state must be None, a non-negative integer or a numpy Generator; "
                             f"got {random_state!r}.")
    return np.random.default_rng(int(random_state))


def seed_of(random_state: Any) -> int | None:
    """The integer seed to record in a result (None when a Generator or None was given)."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return None
