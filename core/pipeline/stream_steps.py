"""The worker side of :mod:`core.pipeline.stream`: reading the input files, and the map steps.

Every function here runs inside a Ray worker on one batch (a dict of numpy columns) and returns a
small batch. They are plain functions (Ray tasks, retried when a worker dies) except
:class:`EmbedWriteActor` (an actor: the model is loaded once per worker).

Why the files are read by a map step over the list of files rather than by Ray's
``read_parquet``/``read_csv``/``read_json``: those readers do not give the row number of a record
within its file. The row number is what makes the results reproducible and equal to the local
engine: the corpus's document order (files sorted by name, rows in file order) decides which
documents the seeded samples of the tests draw, and ``file:row`` is the document id when the data
have no id column. Each file is read whole by one task, so files should be of moderate size (up to a
few hundred MB each; split larger ones).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from core.exceptions import CorpusLoadError

# worker functions, used by core.pipeline.stream only
__all__ = ["FORMATS"]

#: File extensions read from a corpus folder, and their format.
FORMATS: dict[str, str] = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _read_table(path: Path, fmt: str, columns: list[str]) -> tuple[Any, list[str]]:
    """The ``columns`` of one input file as a pyarrow Table (missing ones are absent, not an error),
    and the names of all the file's columns."""
    import pyarrow as pa

    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            present = pq.read_schema(path).names
            return pq.read_table(path, columns=[c for c in columns if c in present]), present
        if fmt == "csv":
            import pyarrow.csv as pcsv

            with pcsv.open_csv(path) as reader:  # the header only
                present = reader.schema.names
            wanted = [c for c in columns if c in present] or present[:1]
            # every column as text: ids like 007 keep their zeros, and the text column is never a number
            return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
                include_columns=wanted, column_types={c: pa.string() for c in wanted})), present
        import pyarrow.json as pjson

        table = pjson.read_json(path)  # newline-delimited JSON, one record per line
        return table.select([c for c in columns if c in table.column_names]), table.column_names
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, UnicodeDecodeError) as exc:
        raise CorpusLoadError(f"{path}: cannot be read as {fmt} ({' '.join(str(exc).split())[:300]})",
                              path=str(path)) from None


def read_files_batch(batch: dict[str, np.ndarray], *, text_column: str, id_column: str | None,
                     ) -> dict[str, np.ndarray]:
    """Read the files of ``batch`` (columns ``corpus``, ``file``, ``path``, ``format``) into documents.

    Returns
    -------
    dict of numpy arrays
        ``corpus`` (int32), ``file`` (int32), ``row`` (int64: the document's number among the
        non-empty texts of its file), ``doc_id`` (str: the id column, else ``name:line`` where line
        is the record number in the file, 1-based) and ``text``. Empty and missing texts are left out.
    """
    out: dict[str, list[Any]] = {"corpus": [], "file": [], "row": [], "doc_id": [], "text": []}
    for corpus, file, path, fmt in zip(batch["corpus"], batch["file"], batch["path"], batch["format"]):
        path = Path(str(path))
        columns = [text_column] + ([id_column] if id_column else [])
        table, present = _read_table(path, str(fmt), columns)
        if text_column not in table.column_names:
            raise CorpusLoadError(f"{path}: has no column {text_column!r} (columns: "
                                  f"{', '.join(map(repr, present[:20])) or 'none'}); "
                                  "name the text column", path=str(path), column=text_column)
        if id_column and id_column not in table.column_names:
            raise CorpusLoadError(f"{path}: has no id column {id_column!r}", path=str(path), column=id_column)
        texts = table.column(text_column).to_pylist()
        bad = next((i for i, t in enumerate(texts) if t is not None and not isinstance(t, str)), None)
        if bad is not None:
            raise CorpusLoadError(f"{path}: row {bad + 1}, column {text_column!r} holds "
                                  f"{type(texts[bad]).__name__} values, not text", path=str(path),
                                  row=bad + 1, column=text_column)
        ids = table.column(id_column).to_pylist() if id_column else None
        kept = [i for i, t in enumerate(texts) if t is not None and t.strip()]
        out["corpus"] += [int(corpus)] * len(kept)
        out["file"] += [int(file)] * len(kept)
        out["row"] += list(range(len(kept)))
        out["doc_id"] += ([str(ids[i]) for i in kept] if ids is not None
                          else [f"{path.name}:{i + 1}" for i in kept])
        out["text"] += [texts[i] for i in kept]
    return {"corpus": np.asarray(out["corpus"], dtype=np.int32), "file": np.asarray(out["file"], dtype=np.int32),
            "row": np.asarray(out["row"], dtype=np.int64), "doc_id": np.asarray(out["doc_id"], dtype=object),
            "text": np.asarray(out["text"], dtype=object)}


def _matrix(column: Any, dtype: Any = np.float64) -> np.ndarray:
    """A vector column as an (n, d) array: a Parquet list column arrives as an object array of rows."""
    column = np.asarray(column)
    if column.dtype == object:
        column = np.stack(column) if column.size else np.zeros((0, 0))
    return np.asarray(column, dtype=dtype)


def _unit(vectors: np.ndarray) -> np.ndarray:
    X = _matrix(vectors)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _write_parquet(folder: str, columns: dict[str, Any]) -> None:
    """Write one Parquet part file into ``folder`` (a new name per call; written whole, then renamed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for name, values in columns.items():
        values = np.asarray(values)
        if values.ndim == 2:  # a vector per row: a fixed-size list column
            flat = pa.array(np.ascontiguousarray(values).ravel())
            arrays[name] = pa.FixedSizeListArray.from_arrays(flat, values.shape[1])
        else:
            arrays[name] = pa.array(values.tolist() if values.dtype == object else values)
    os.makedirs(folder, exist_ok=True)
    final = os.path.join(folder, f"part-{uuid.uuid4().hex}.parquet")
    pq.write_table(pa.table(arrays), final + ".tmp")
    os.replace(final + ".tmp", final)


class EmbedWriteActor:
    """Embed a batch of documents (:class:`core.pipeline.ray_embed.EmbedActor`), write the vectors as
    Parquet, and return only what the reductions need.

    Returns per batch one row per (corpus, file) present: ``corpus``, ``file``, ``count`` (documents),
    ``sum`` (d,) and ``unit_sum`` (d,), the sums of the vectors and of the unit vectors
    of those documents (float64).
    """

    def __init__(self, vectors_dir: str, **embed_kwargs: Any) -> None:
        from core.pipeline.ray_embed import EmbedActor

        self.embed = EmbedActor(**embed_kwargs)
        self.vectors_dir = vectors_dir

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = self.embed(batch)
        vectors = out["vector"]
        _write_parquet(self.vectors_dir, {"corpus": out["corpus"], "file": out["file"], "row": out["row"],
                                          "doc_id": out["doc_id"], "vector": vectors})
        U = _unit(vectors)
        keys = np.stack([out["corpus"].astype(np.int64), out["file"].astype(np.int64)], axis=1)
        groups, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        sums = np.zeros((len(groups), U.shape[1]))
        np.add.at(sums, inverse, U)
        raw = np.zeros((len(groups), U.shape[1]))
        np.add.at(raw, inverse, np.asarray(vectors, dtype=np.float64))
        return {"corpus": groups[:, 0], "file": groups[:, 1], "sum": raw,
                "count": np.bincount(inverse, minlength=len(groups)).astype(np.int64),
                "unit_sum": sums}


def _global_index(batch: dict[str, np.ndarray], offsets: dict[tuple[int, int], int]) -> np.ndarray:
    """The document's position in its corpus: the rows of earlier files, plus its row in its file."""
    base = np.fromiter((offsets[(int(c), int(f))] for c, f in zip(batch["corpus"], batch["file"])),
                       dtype=np.int64, count=len(batch["corpus"]))
    return base + np.asarray(batch["row"], dtype=np.int64)


def depth_batch(batch: dict[str, np.ndarray], *, sums: np.ndarray, counts: np.ndarray, names: list[str],
                offsets: dict[tuple[int, int], int], out_dir: str) -> dict[str, np.ndarray]:
    """TTE depth of every document of ``batch`` with respect to every corpus (closed form, see
    :mod:`core.analysis.depth`): in-sample (itself left out) for its own corpus, out-of-sample for
    the others. Writes the per-document Parquet and returns ``corpus``, ``index`` and ``depth_<j>``.

    ``sums`` (k, d) are the corpora's sums of unit vectors, ``counts`` (k,) their sizes.
    """
    corpus = np.asarray(batch["corpus"], dtype=np.int64)
    U = _unit(batch["vector"])
    dots = U @ sums.T  # (n, k)
    own = np.arange(sums.shape[0])[None, :] == corpus[:, None]
    depth = np.where(own, 1.0 + (dots - 1.0) / np.maximum(counts[None, :] - 1, 1), 1.0 + dots / counts[None, :])
    depth = np.clip(depth, 0.0, 2.0)
    index = _global_index(batch, offsets)
    columns: dict[str, Any] = {"corpus": np.asarray([names[c] for c in corpus], dtype=object),
                               "doc_id": batch["doc_id"], "index": index,
                               "depth": depth[np.arange(len(corpus)), corpus]}
    for j, name in enumerate(names):
        columns[f"depth_in:{name}"] = depth[:, j]
    _write_parquet(out_dir, columns)
    result = {"corpus": corpus, "index": index}
    for j in range(len(names)):
        result[f"depth_{j}"] = depth[:, j]
    return result


def moments_batch(batch: dict[str, np.ndarray], *, means: np.ndarray) -> dict[str, np.ndarray]:
    """Per corpus present: document count and the scatter matrix about the corpus mean (d*d, float64)."""
    corpus = np.asarray(batch["corpus"], dtype=np.int64)
    X = _matrix(batch["vector"])
    present = np.unique(corpus)
    scatter = np.empty((present.size, X.shape[1] * X.shape[1]))
    for i, c in enumerate(present):
        B = X[corpus == c] - means[c]
        scatter[i] = (B.T @ B).ravel()
    return {"corpus": present, "count": np.bincount(corpus)[present].astype(np.int64), "scatter": scatter}


def sample_batch(batch: dict[str, np.ndarray], *, wanted: dict[int, np.ndarray],
                 offsets: dict[tuple[int, int], int]) -> dict[str, np.ndarray]:
    """The rows of ``batch`` whose position in their corpus is in ``wanted[corpus]`` (sorted arrays)."""
    corpus = np.asarray(batch["corpus"], dtype=np.int64)
    index = _global_index(batch, offsets)
    keep = np.zeros(corpus.size, dtype=bool)
    for c, idx in wanted.items():
        mine = corpus == c
        keep[mine] = np.isin(index[mine], idx)
    X = _matrix(batch["vector"], np.float32)
    return {"corpus": corpus[keep], "index": index[keep], "vector": X[keep].reshape(-1, X.shape[1])}


def word_counts_batch(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Token counts of the texts of ``batch`` (:func:`core.tokens.word_frequencies`), per corpus."""
    from core.load.tokens import word_frequencies

    corpus = np.asarray(batch["corpus"], dtype=np.int64)
    rows: dict[str, list[Any]] = {"corpus": [], "word": [], "count": []}
    for c in np.unique(corpus):
        counts = word_frequencies(str(t) for t in batch["text"][corpus == c])
        rows["corpus"] += [int(c)] * len(counts)
        rows["word"] += list(counts)
        rows["count"] += list(counts.values())
    return {"corpus": np.asarray(rows["corpus"], dtype=np.int64), "word": np.asarray(rows["word"], dtype=object),
            "count": np.asarray(rows["count"], dtype=np.int64)}
