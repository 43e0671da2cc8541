"""The identity of an analysis's inputs, and how it differs from what is loaded now.

Every :class:`~core.results.AnalysisResult` records its corpora (name and content fingerprint,
:func:`core.load.overview.corpus_fingerprint`: a SHA-256 of the ids and texts) and its parameters (the
manifest). :func:`input_differences` compares that record with the corpora and settings a user has
now, and says in plain words what changed, so that a page showing the result can warn that it is not
the result of what is loaded (no stale result presented as current).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["InputIdentity", "identity_of_corpora", "identity_of_result", "input_differences"]

# parameters a user sets, in the words the dashboard uses for them
SETTING_LABELS = {
    "model": "model", "precision": "precision", "backend": "runtime", "second_model": "second model",
    "transforms": "transforms", "hubness_reduction": "hubness reduction", "analyses": "analyses",
    "k": "number of neighbours", "n_permutations": "permutations per test",
    "words_min_freq": "word shift frequency filter", "seed": "random seed",
}


@dataclass(frozen=True)
class InputIdentity:
    """Corpora (name, fingerprint) in order, and the settings (parameter -> value) of an analysis."""

    corpora: tuple[tuple[str, str], ...]
    settings: Mapping[str, Any]


def identity_of_corpora(corpora: Sequence[Any], settings: Mapping[str, Any] | None = None) -> InputIdentity:
    """The identity of loaded :class:`~core.load.corpus.Corpus` objects (and optional settings)."""
    from core.load.overview import corpus_fingerprint

    return InputIdentity(tuple((c.name, corpus_fingerprint(c)) for c in corpora), dict(settings or {}))


def identity_of_result(result: Any) -> InputIdentity:
    """The identity recorded in an analysis result (its corpora table and its manifest's parameters)."""
    table = result.corpora
    pairs = tuple((str(n), str(f)) for n, f in zip(table["corpus"], table["fingerprint"]))
    return InputIdentity(pairs, dict((result.manifest or {}).get("parameters", {}) or {}))


def _norm(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted(str(v) for v in value))
    return value


def input_differences(result: InputIdentity, current: InputIdentity) -> list[str]:
    """What differs between the inputs of a result and the current ones, in plain sentences.

    Empty when the result is the analysis of exactly the current corpora (same names, same
    content, same order is not required) and, for every setting both sides record, the same value.
    """
    out: list[str] = []
    have = dict(result.corpora)
    now = dict(current.corpora)
    removed = [n for n in have if n not in now]
    added = [n for n in now if n not in have]
    changed = [n for n in have if n in now and have[n] != now[n]]
    if removed:
        out.append("no longer loaded: " + ", ".join(removed))
    if added:
        out.append("loaded since the analysis: " + ", ".join(added))
    if changed:
        out.append("changed since the analysis (other documents): " + ", ".join(changed))
    for key, label in SETTING_LABELS.items():
        if (key in result.settings and key in current.settings
                and _norm(result.settings[key]) != _norm(current.settings[key])):
            out.append(f"the {label} was changed on the Embed page")
    return out
