"""app.notes: warnings of the methods are collected per thread, so concurrent sessions keep their own."""

from __future__ import annotations

import threading
import warnings

from app.notes import collect
from core.exceptions import CorpusCompassWarning


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
