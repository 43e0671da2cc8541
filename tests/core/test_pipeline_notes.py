"""core.pipeline.notes: warnings of the methods are collected per thread, so concurrent runs keep
their own, and run_analysis keeps them in the result."""

from __future__ import annotations

import threading
import warnings

from core.exceptions import CorpusCompassWarning
from core.pipeline.notes import collect


def test_each_thread_collects_only_its_own_warnings() -> None:
    results: dict[str, list[str]] = {}
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        with collect() as notes:
            barrier.wait()
            for i in range(3):
                warnings.warn(f"{name} {i}", CorpusCompassWarning, stacklevel=1)
            barrier.wait()
        results[name] = notes

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"a": ["a 0", "a 1", "a 2"], "b": ["b 0", "b 1", "b 2"]}


def test_the_same_warning_is_collected_on_every_run_and_others_pass_through(recwarn) -> None:
    for _ in range(2):
        with collect() as notes:
            warnings.warn("small corpora", CorpusCompassWarning, stacklevel=1)
            warnings.warn("not ours", UserWarning, stacklevel=1)
        assert notes == ["small corpora"]
    # outside a collecting block, and for other categories, warnings go where they always went
    warnings.warn("after", CorpusCompassWarning, stacklevel=1)
    assert [str(w.message) for w in recwarn] == ["not ours", "not ours", "after"]


def test_run_analysis_keeps_the_methods_warnings_as_notes(fake_embedder) -> None:
    # word2vec on two tiny corpora warns that the corpora are small; the warning is a note of the
    # result, once, and does not escape as a warning
    import pandas as pd

    from core.load.corpus import Corpus
    from core.pipeline.run import run_analysis
    from core.pipeline.spec import Analysis

    samples = __import__("pathlib").Path(__file__).resolve().parents[2] / "sample_data"
    a = Corpus.from_texts(pd.read_csv(samples / "games.csv")["text"].tolist()[:300], name="a")
    b = Corpus.from_texts(pd.read_csv(samples / "science.csv")["text"].tolist()[:250], name="b")
    spec = Analysis(corpora=(a, b), analyses=("words",), words_method="cade", w2v_epochs=1, w2v_dim=8)
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        result = run_analysis(spec, embedder=fake_embedder, cache=False)
    ours = [str(w.message) for w in escaped if issubclass(w.category, CorpusCompassWarning)]
    assert ours == []
    assert "words" not in result.skipped
    small = [n for n in result.notes if n.startswith("small corpora for word2vec:")]
    assert len(small) == 1 and "'a' (" in small[0] and "'b' (" in small[0], result.notes
