"""Word-level semantic shift across corpora: CADE (compass-aligned word2vec) and a Procrustes baseline.

``train_cade`` trains the compass and one aligned slice per corpus; ``word_shift``, ``neighbours`` and
``trajectory`` read the slices; ``procrustes_shift`` is the independent-models baseline. See each
module's docstring for the method and the choices made.
"""

from core.analysis.shift.cade import (
    MIN_CORPUS_TOKENS,
    MIN_CORPUS_WORDS,
    SMALL_CORPUS_TOKENS,
    CadeModel,
    Compass,
    auto_epochs,
    tokenize_corpus,
    train_cade,
    train_compass,
    train_slice,
)
from core.analysis.shift.procrustes import procrustes_rotation, procrustes_shift
from core.analysis.shift.ranking import (
    WORDS_CSV_COLUMNS,
    Neighbours,
    ShiftTable,
    Trajectory,
    neighbours,
    trajectory,
    word_shift,
)
from core.analysis.shift.w2v import EpochRecord, Vocabulary, build_vocabulary, train_word2vec

__all__ = [
    "MIN_CORPUS_TOKENS",
    "MIN_CORPUS_WORDS",
    "SMALL_CORPUS_TOKENS",
    "WORDS_CSV_COLUMNS",
    "CadeModel",
    "Compass",
    "EpochRecord",
    "Neighbours",
    "ShiftTable",
    "Trajectory",
    "Vocabulary",
    "auto_epochs",
    "build_vocabulary",
    "neighbours",
    "procrustes_rotation",
    "procrustes_shift",
    "tokenize_corpus",
    "train_cade",
    "train_compass",
    "train_slice",
    "train_word2vec",
    "trajectory",
    "word_shift",
]
