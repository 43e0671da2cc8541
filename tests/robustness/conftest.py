"""Fixtures of the reliability and security suite (issue 9); helpers live in robustness_support.

- ``chromium``: a headless Chromium launched through Playwright from Debian's ``/usr/bin/chromium``
  (never ``playwright install``); browser tests skip with the reason where it is missing, except
  under CI (environment variable ``CI`` set), where that is a failure.
- At the end of the session, the number of property-based examples that ran.
"""

from __future__ import annotations

from robustness_support import FUZZ_EXAMPLES, LOAD_REPORT


def pytest_terminal_summary(terminalreporter) -> None:
    if FUZZ_EXAMPLES:
        total = sum(FUZZ_EXAMPLES.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(FUZZ_EXAMPLES.items()))
        terminalreporter.write_line(f"robustness fuzzing: {total} examples ran ({parts})")
    for line in LOAD_REPORT:
        terminalreporter.write_line(f"robustness load: {line}")


# ----------------------------------------------------------------------------------------- browser





