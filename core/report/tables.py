"""CSV export that spreadsheet programs open safely and correctly.

Two problems with a plain ``DataFrame.to_csv`` when the file is opened in Excel, LibreOffice or Google
Sheets, and what this module does about them:

- **Formula injection** (OWASP, "CSV Injection"): a cell whose text starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return is read as a formula, which can run commands (DDE) or send data
  to a remote server. Document texts and corpus names are user data, so every *string* cell and every
  column name starting with one of those characters gets a leading single quote ``'``, which the
  spreadsheet shows as text. Numbers stay numbers: a negative *number* (``-3.0`` in a float column)
  is not a string, is written as ``-3.0`` and is read back as a number; only the *text* ``"-3"``
  becomes ``'-3``. The quote is visible to programs that read the CSV (``pandas.read_csv`` returns
  ``"'=1+1"``), the price OWASP accepts for safety.
- **Encoding**: without a byte-order mark, Excel reads UTF-8 as the local 8-bit code page and
  non-Latin text becomes mojibake. Files are written as UTF-8 *with* BOM (``utf-8-sig``); pandas
  reads them back with ``encoding="utf-8-sig"`` (plain ``"utf-8"`` keeps the BOM in the first
  column name).

Line endings are ``\\n``. Every text field (and the header) is quoted, numbers are not
(``csv.QUOTE_NONNUMERIC``). Quoting only "as needed" (``QUOTE_MINIMAL``) is not safe here: with
``\\n`` line endings Python's csv writer leaves a field containing a bare carriage return
unquoted, and spreadsheet programs and pandas then split the row there. Missing values are written
as ``""``; spreadsheets show an empty cell and pandas reads NaN.
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any, BinaryIO, TextIO

import pandas as pd

from core.exceptions import InputError
from core.fileio import atomic_write

__all__ = ["FORMULA_PREFIXES", "neutralize_cell", "neutralize_frame", "safe_csv"]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV Injection).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    """Prefix ``'`` to a string that a spreadsheet would execute; return anything else unchanged.

    Parameters
    ----------
    value : object
        A cell value. Only ``str`` is ever changed; numbers, ``None`` and NaN pass through.

    Examples
    --------
    >>> neutralize_cell("=1+1")
    "'=1+1"
    >>> neutralize_cell(-3.0)
    -3.0
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with :func:`neutralize_cell` applied to every text cell and column name.

    Text columns are those of dtype object, string or category; numeric, boolean and datetime
    columns are left as they are (they cannot hold formulas).
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    out = df.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)
                or isinstance(col.dtype, pd.CategoricalDtype)):
            out.isetitem(i, col.astype(object).map(neutralize_cell))
    out.columns = [neutralize_cell(str(c)) for c in out.columns]
    if pd.api.types.is_object_dtype(out.index) or pd.api.types.is_string_dtype(out.index):
        out.index = out.index.map(neutralize_cell)
    out.index.names = [neutralize_cell(n) for n in out.index.names]
    return out


def safe_csv(df: pd.DataFrame, path_or_buffer: str | os.PathLike | BinaryIO | TextIO | None = None,
             *, index: bool = False) -> bytes | None:
    """Write ``df`` as a spreadsheet-safe CSV (formulas neutralised, UTF-8 with BOM, ``\\n`` lines,
    text fields quoted).

    Parameters
    ----------
    df : DataFrame
        The table. Text cells and column names are neutralised (see the module docstring).
    path_or_buffer : path, binary or text file object, or None
        ``None`` returns the bytes. A path is written atomically (a temporary sibling file, then
        ``os.replace``), so a reader never sees half a file. A binary buffer receives the bytes, a
        text buffer the decoded text with a leading U+FEFF.
    index : bool
        Write the index as the first column (default: no).

    Returns
    -------
    bytes or None
        The encoded CSV when ``path_or_buffer`` is None, else None.
    """
    text = neutralize_frame(df).to_csv(index=index, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    data = text.encode("utf-8-sig")
    if path_or_buffer is None:
        return data
    if isinstance(path_or_buffer, (str, os.PathLike)):
        atomic_write(path_or_buffer, data)
        return None
    if isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write("\ufeff" + text)
    else:
        path_or_buffer.write(data)
    return None
