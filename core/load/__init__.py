"""Loading: corpus files in, immutable :class:`~core.load.corpus.Corpus` objects out (the first stage).

Public names are re-exported here; inside ``core`` modules import from the defining module.
"""

from __future__ import annotations

from core.load.corpus import Corpus, LoadReport
from core.load.encoding import decode_text, normalise_encoding
from core.load.formats import (
    ACCEPTED_EXTENSIONS,
    FORMATS,
    MAX_ZIP_MEMBERS,
    RawTable,
    format_from_filename,
    format_size,
    read_table,
    zip_entry_count,
)
from core.load.overview import (
    available_columns,
    corpora_overview,
    corpus_fingerprint,
    length_frame,
    zipf_frame,
)
from core.load.read import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    load_corpora,
    load_corpus,
)
from core.load.samples import (
    SAMPLE_DIR_ENV,
    SampleCorpus,
    list_samples,
    sample_dir,
    sample_path,
)
from core.load.stats import CorpusStats, fit_zipf
from core.load.tokens import tokenize, word_frequencies

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_UNCOMPRESSED_BYTES",
    "FORMATS",
    "MAX_ZIP_MEMBERS",
    "SAMPLE_DIR_ENV",
    "Corpus",
    "CorpusStats",
    "LoadReport",
    "RawTable",
    "SampleCorpus",
    "available_columns",
    "corpora_overview",
    "corpus_fingerprint",
    "decode_text",
    "fit_zipf",
    "format_from_filename",
    "format_size",
    "length_frame",
    "list_samples",
    "load_corpora",
    "load_corpus",
    "normalise_encoding",
    "read_table",
    "sample_dir",
    "sample_path",
    "tokenize",
    "word_frequencies",
    "zip_entry_count",
    "zipf_frame",
]
