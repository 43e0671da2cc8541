"""The identity of an analysis's inputs and its comparison with what is loaded now."""

from core.load.read import load_corpus
from core.results.provenance import InputIdentity, identity_of_corpora, input_differences


def _corpus(tmp_path, name, lines):
    path = tmp_path / f"{name}.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return load_corpus(path, name=name)


def test_same_inputs_have_no_differences_and_changes_are_named(tmp_path):
    a = _corpus(tmp_path, "a", ["one doc", "two doc"])
    b = _corpus(tmp_path, "b", ["three doc", "four doc"])
    b2 = _corpus(tmp_path, "b2", ["three doc", "five doc"])
    run = identity_of_corpora([a, b], {"model": "default", "k": 10})
    assert input_differences(run, identity_of_corpora([b, a], {"model": "default", "k": 10})) == []
    diff = input_differences(run, identity_of_corpora([a, b2], {"model": "default", "k": 5}))
    assert diff == ["no longer loaded: b", "loaded since the analysis: b2",
                    "the number of neighbours was changed on the Embed page"]
    # same name, other texts: the fingerprint differs
    changed = InputIdentity((("a", run.corpora[0][1]), ("b", "0" * 64)), {})
    assert input_differences(run, changed) == ["changed since the analysis (other documents): b"]
