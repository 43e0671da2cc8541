"""The registry of methods (core/methods.py) agrees with the spec, the command line, the library's own
tuples, the dashboard and the report; every label and explanation is there, labels are unique within
a kind, scholarly methods are cited with a year, and an unknown id is refused by name."""

from __future__ import annotations

import argparse
import dataclasses
import re

import pytest

from core.exceptions import ParameterError
from core.load.corpus import Corpus
from core.methods import (
    KINDS,
    METHODS,
    Method,
    choices_help,
    get_method,
    method_citation,
    method_ids,
    method_label,
    method_labels,
)
from core.pipeline.spec import ANALYSES, ENGINES, HUBNESS_REDUCTIONS, STAGES, TRANSFORMS, Analysis

YEAR = re.compile(r"\b(1[89]|20)\d\d\b")

#: (kind, Analysis field) of every choice the spec validates, and a valid companion setting
SPEC_FIELDS = {
    "analysis": "analyses",
    "transform": "transforms",
    "reduction": "hubness_reduction",
    "precision": "precision",
    "backend": "backend",
    "anchor": "anchor_method",
    "word_method": "words_method",
    "engine": "engine",
}
#: (kind, option) of every command-line option with fixed choices: {sub-command: {option: kind}}
CLI_OPTIONS = {
    "compare": {"--precision": "precision", "--backend": "backend", "--engine": "engine",
                "--anchor-method": "anchor", "--hubness-reduction": "reduction", "--words-method": "word_method"},
    "embed": {"--precision": "precision"},
}
#: kinds whose every method has a scholarly origin, and the methods of other kinds that have one
CITED_KINDS = ("analysis", "test", "reduction", "text", "model")
CITED = {("transform", "zipfian"), ("word_method", "cade"), ("word_method", "contextual"),
         ("word_method", "combined")}


def _corpora() -> tuple[Corpus, Corpus]:
    return (Corpus.from_texts(["a b c", "d e f"], name="a"), Corpus.from_texts(["g h i", "j k l"], name="b"))


def _spec(**kwargs) -> Analysis:
    return Analysis(corpora=_corpora(), **kwargs)


def _value(field: str, method_id: str):
    return (method_id,) if field in ("analyses", "transforms") else method_id


# --- the registry itself ------------------------------------------------------------------------------


def test_every_method_has_a_kind_a_label_and_an_explanation() -> None:
    for m in METHODS:
        assert isinstance(m, Method) and m.kind in KINDS, m
        assert m.id and m.label.strip() and m.explanation.strip(), m
        assert m.explanation[-1] != ".", f"{m.kind} {m.id}: an explanation is a fragment (command-line help)"
    for kind in KINDS:
        assert method_ids(kind), f"kind {kind} has no method"


def test_ids_and_labels_are_unique_within_a_kind() -> None:
    for kind in KINDS:
        methods = [m for m in METHODS if m.kind == kind]
        assert len({m.id for m in methods}) == len(methods), kind
        assert len({m.label for m in methods}) == len(methods), f"{kind}: two methods share a label"
        assert len({m.inline for m in methods}) == len(methods), f"{kind}: two methods share an inline label"


def test_methods_with_a_scholarly_origin_are_cited_with_a_year() -> None:
    for m in METHODS:
        if m.kind in CITED_KINDS or (m.kind, m.id) in CITED:
            assert YEAR.search(m.citation), f"{m.kind} {m.id}: citation without a year: {m.citation!r}"
        if m.citation:
            assert YEAR.search(m.citation), f"{m.kind} {m.id}: {m.citation!r}"
    for kind in ("precision", "backend", "engine", "stage"):  # engineering choices
        assert all(method_citation(kind, i) == "" for i in method_ids(kind)), kind


def test_energy_distance_is_szekely_and_rizzo_2013_everywhere() -> None:
    assert method_citation("test", "energy") == "Székely & Rizzo 2013"
    assert "energy distance (Székely & Rizzo 2013)" in method_citation("analysis", "tests")
    assert all("Rizzo" not in m.citation or "Székely & Rizzo 2013" in m.citation for m in METHODS)


def test_an_unknown_id_names_the_parameter_and_the_allowed_ids() -> None:
    with pytest.raises(ParameterError) as exc:
        get_method("reduction", "magic")
    assert str(exc.value) == ("hubness_reduction must be one of mp_empirical, mp_gaussian, local_scaling, nicdm, "
                              "csls, dissim_local, got 'magic'")
    with pytest.raises(ParameterError, match=r"^words_method must be one of auto, cade, contextual, combined, "
                                             r"got 'bert'$"):
        method_label("word_method", "bert")
    with pytest.raises(ParameterError, match=r"^--precision must be one of auto, fp32, bf16, int8, got 'fp16'$"):
        get_method("precision", "fp16", parameter="--precision")
    with pytest.raises(ParameterError, match="kind must be one of analysis, transform"):
        method_ids("metric")
    with pytest.raises(ParameterError, match="engine must be one of local, ray, got None"):
        get_method("engine", None)


def test_helpers_read_the_registry() -> None:
    m = get_method("reduction", "mp_gaussian")
    assert (m.label, m.inline) == ("Mutual proximity (Gaussian)", "mutual proximity (Gaussian)")
    assert get_method("reduction", "csls").inline == "CSLS"  # no inline form: the label itself
    assert method_labels("reduction", inline=True)["local_scaling"] == "local scaling"
    assert list(method_labels("test")) == ["depth", "mmd", "energy", "classifier"]
    assert choices_help("engine").startswith("local: ") and "; ray: " in choices_help("engine")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.label = "x"  # type: ignore[misc]


# --- the spec ----------------------------------------------------------------------------------------


def test_the_spec_constants_are_the_registry() -> None:
    assert ANALYSES == method_ids("analysis")
    assert TRANSFORMS == method_ids("transform")
    assert HUBNESS_REDUCTIONS == method_ids("reduction")
    assert ENGINES == method_ids("engine")
    # the pipeline's stages are the registry's, without the dashboard's own "model" stage
    assert STAGES == tuple(s for s in method_ids("stage") if s != "model")
    assert set(ANALYSES) <= set(STAGES)


@pytest.mark.parametrize("kind", sorted(SPEC_FIELDS))
def test_the_spec_accepts_exactly_the_registry_ids(kind: str) -> None:
    field = SPEC_FIELDS[kind]
    for method_id in method_ids(kind):  # every registered id is accepted ...
        extra = {"precision": "auto"} if kind == "backend" else {}
        _spec(**{field: _value(field, method_id)}, **extra)
    with pytest.raises(ParameterError) as exc:  # ... and anything else refused, naming the registry's ids
        _spec(**{field: _value(field, "no-such-method")})
    message = str(exc.value)
    assert field in message
    allowed = re.search(r"(?:must be one of|choose from) (.+?)(?: or None)?, got", message)
    allowed = allowed or re.search(r"choose from (.+)$", message)
    assert allowed is not None, message
    assert tuple(allowed.group(1).split(", ")) == method_ids(kind), message


def test_the_library_tuples_are_the_registry() -> None:
    from core.analysis.shift.methods import WORD_METHODS
    from core.embed.base import BACKENDS, PRECISIONS
    from core.transform.hubness_reduction import REDUCTIONS
    from core.transform.relative import ANCHOR_METHODS

    assert PRECISIONS == method_ids("precision")
    assert BACKENDS == method_ids("backend")
    assert WORD_METHODS == method_ids("word_method")
    assert ANCHOR_METHODS == method_ids("anchor")
    assert tuple(REDUCTIONS) == method_ids("reduction")


# --- the command line --------------------------------------------------------------------------------


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    from cli.main import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(CLI_OPTIONS))
def test_the_command_line_choices_are_the_registry_ids(command: str) -> None:
    parser = _subparsers()[command]
    options = {opt: a for a in parser._actions for opt in a.option_strings}
    for option, kind in CLI_OPTIONS[command].items():
        action = options[option]
        assert tuple(action.choices) == method_ids(kind), option
        for method_id in method_ids(kind):  # the help explains every choice
            assert f"{method_id}: " in action.help, (option, method_id)
    # no other option of the command offers a choice of methods the registry does not know
    others = {opt for opt, a in options.items() if a.choices and opt not in CLI_OPTIONS[command]}
    assert others <= {"--format"}, others


def test_the_command_line_lists_of_analyses_and_transforms_name_the_registry_ids() -> None:
    options = {opt: a for a in _subparsers()["compare"]._actions for opt in a.option_strings}
    assert ",".join(method_ids("analysis")) in options["--analyses"].help
    assert ",".join(method_ids("transform")) in options["--transforms"].help


# --- the report and the dashboard --------------------------------------------------------------------


def test_the_report_reads_its_labels_and_citations_from_the_registry() -> None:
    from core.report.readings import CITATIONS, TEST_LABELS

    assert TEST_LABELS == method_labels("test")
    registry_citations = {m.citation for m in METHODS}
    assert all(c in registry_citations for c in CITATIONS.values())
    assert CITATIONS["tests"] == method_citation("analysis", "tests")
    assert CITATIONS["whitening"] == method_citation("transform", "zipfian")


def test_every_two_sample_test_reports_a_registry_id() -> None:
    import numpy as np

    from core.analysis.twosample import classifier_test, energy_test, mmd_test

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((40, 5)), rng.standard_normal((40, 5)) + 0.5
    ids = [t(a, b, n_permutations=19, random_state=0).test_id for t in (mmd_test, energy_test, classifier_test)]
    assert ids == ["mmd", "energy", "classifier"]
    assert set(ids) <= set(method_ids("test"))
