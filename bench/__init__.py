"""Corpus Compass benchmarks.

Each module ``bench/bench_<topic>.py`` defines ``run(quick: bool = False) -> list[dict]``. Every row is
one measurement with the keys ``case`` (what is measured), ``n``, ``seconds``, ``baseline``
(what it is compared against), ``baseline_seconds``, ``ratio`` (baseline_seconds / seconds, so >1 is
faster than the baseline) and ``note`` (fidelity figures such as min cosine, recall or error); missing
keys are left blank. Speed goals are always ratios against a baseline measured in the same run, never
absolute times, because the machines are shared and noisy.

``python -m bench [topic ...] [--quick]`` runs the named topics (all by default), stores each topic's
rows in ``bench/results/<topic>.json`` and regenerates ``docs/BENCHMARKS.md`` from every stored topic.
"""
