"""Precomputed embeddings given with a corpus: a vector column of a table, or a ``.npy`` array.

A vector column holds one list of numbers per row (JSON lists, or numbers separated by commas or
spaces); a ``.npy`` array has one row per record of the source file, in file order, and is read with
``allow_pickle=False``. Both become a float32 matrix with one row per kept document; any row that
is not a list of numbers, has another dimension, or holds NaN or infinity is refused with its row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from core.exceptions import (
    CorpusLoadError,
    InputError,
)
from core.load.formats import RawTable

__all__: list[str] = []


def _parse_vector(value: Any) -> np.ndarray:
    if isinstance(value, str):
        inner = value.strip()
        if inner[:1] in ("[", "(") and inner[-1:] in ("]", ")"):
            inner = inner[1:-1]
        parts = inner.replace(",", " ").split()
        return np.array(parts, dtype=np.float64)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError("no vector")
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"a {array.ndim}-D value instead of a list of numbers")
    return array


def _vectors_of(series: pd.Series, kept: np.ndarray, raw: RawTable, column: str, display: str) -> np.ndarray:
    values = series.tolist()
    rows: list[np.ndarray] = []
    first_label = None
    dimension = None
    for i in kept:
        label = raw.row_label(int(i))
        try:
            vector = _parse_vector(values[i])
        except (ValueError, TypeError) as err:
            raise CorpusLoadError(f"{display}, {label}: the vector column {column!r} does not hold a list of numbers "
                        f"({err})", path=display, row=int(i) + 1, column=column) from None
        if vector.size == 0:
            raise CorpusLoadError(f"{display}, {label}: the vector column {column!r} is empty", path=display,
                        row=int(i) + 1, column=column)
        if dimension is None:
            dimension, first_label = vector.size, label
        elif vector.size != dimension:
            raise CorpusLoadError(f"{display}, {label}: the vector in {column!r} has {vector.size} values but "
                        f"{first_label} has {dimension}; all vectors need the same dimension", path=display,
                        row=int(i) + 1, column=column)
        if not np.all(np.isfinite(vector)):
            raise CorpusLoadError(f"{display}, {label}: the vector in {column!r} contains NaN or infinity", path=display,
                        row=int(i) + 1, column=column)
        rows.append(vector)
    matrix = np.vstack(rows).astype(np.float32)
    if not np.all(np.isfinite(matrix)):
        bad = int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])
        raise CorpusLoadError(f"{display}, {raw.row_label(int(kept[bad]))}: the vector in {column!r} overflows float32",
                    path=display, row=int(kept[bad]) + 1, column=column)
    return matrix


def _load_npy(handle: BinaryIO, label: str) -> np.ndarray:
    try:
        return np.load(handle, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise InputError(f"{label} is not a readable .npy array (pickled arrays are refused): {err}") from None


def _check_vector_array(array: np.ndarray, n_rows: int, *, what: str, source: str | None = None,
                        rows: Sequence[int] | None = None) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2:
        raise InputError(f"{what} must be 2-D (one row per document), got shape {array.shape}")
    if array.shape[0] != n_rows:
        where = f"{source} has {n_rows} rows" if source else f"there are {n_rows} texts"
        raise InputError(f"{what} has {array.shape[0]} rows but {where}; they must match one to one "
                         "(rows of the source file, before empty and duplicate rows were removed)")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise InputError(f"{what} must hold real numbers, got dtype {array.dtype}")
    selected = array if rows is None else array[np.asarray(rows, dtype=np.int64)]
    selected = np.ascontiguousarray(selected, dtype=np.float32)
    finite = np.isfinite(selected).all(axis=1)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        source_row = bad if rows is None else int(rows[bad])
        raise InputError(f"{what} has NaN or infinite values in row {source_row} (0-based)")
    return selected
