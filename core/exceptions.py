"""Every exception and warning that ``core`` raises, in one place.

All messages are written for the person who has to fix the problem: they name the file, row, column,
parameter or model concerned and, where possible, say what to do instead.
"""

from __future__ import annotations

__all__ = [
    "AnalysisCancelled",
    "BundleError",
    "CacheError",
    "ClusterError",
    "CorpusCompassError",
    "CorpusCompassWarning",
    "CorpusLoadError",
    "InputError",
    "InsufficientDataError",
    "ModelError",
    "ParameterError",
    "WeightHashMismatchError",
]


class CorpusCompassError(Exception):
    """Base class of every error raised on purpose by Corpus Compass."""


class InputError(CorpusCompassError, ValueError):
    """Data given to a function cannot be used (wrong shape, NaN, zero vectors, ...)."""


class ParameterError(InputError):
    """A parameter has a value outside the allowed ones; the message names both."""


class CorpusLoadError(InputError):
    """A corpus file cannot be read. ``path``, ``row`` and ``column`` say where, when known."""

    def __init__(self, message: str, *, path: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.row = row
        self.column = column


class ModelError(CorpusCompassError):
    """An embedding model cannot be found, loaded or trusted."""


class WeightHashMismatchError(ModelError):
    """A model's weight file does not have the SHA-256 it is pinned to."""


class CacheError(CorpusCompassError):
    """The embedding cache cannot be read or written."""


class InsufficientDataError(InputError):
    """Too little data for a method to mean anything; the message states the threshold and the count."""


class BundleError(InputError):
    """An analysis bundle is malformed, tampered with or from an unknown format version."""


class ClusterError(CorpusCompassError):
    """Ray cannot be started or joined, or a Ray worker failed for a reason outside Corpus Compass."""


class CorpusCompassWarning(UserWarning):
    """Something was done that the user should know about (a fallback, an approximation)."""


class AnalysisCancelled(CorpusCompassError):
    """The user asked a running analysis to stop; nothing partial is kept as a result."""


class AnalysisNotFoundError(InputError):
    """No saved analysis has the requested id (the share store's answer to an unknown link)."""


__all__.append("AnalysisNotFoundError")


class AnalysisExpiredError(AnalysisNotFoundError):
    """A saved analysis reached the end of the time it was shared for. ``expired`` is when (UTC)."""

    def __init__(self, message: str, *, expired: object = None) -> None:
        super().__init__(message)
        self.expired = expired


class AnalysisDeletedError(AnalysisNotFoundError):
    """A saved analysis was deleted from the share store. ``deleted`` is when (UTC)."""

    def __init__(self, message: str, *, deleted: object = None) -> None:
        super().__init__(message)
        self.deleted = deleted


class StoreFullError(CorpusCompassError):
    """Saving would take the share store past its size limit; ``used``, ``limit`` and ``needed`` in bytes."""

    def __init__(self, message: str, *, used: int = 0, limit: int = 0, needed: int = 0) -> None:
        super().__init__(message)
        self.used, self.limit, self.needed = used, limit, needed


__all__ += ["AnalysisDeletedError", "AnalysisExpiredError", "StoreFullError"]
