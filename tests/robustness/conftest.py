"""Fixtures of the reliability and security suite (issue 9); helpers live in robustness_support.

- ``chromium``: a headless Chromium launched through Playwright from Debian's ``/usr/bin/chromium``
  (never ``playwright install``); browser tests skip with the reason where it is missing, except
  under CI (environment variable ``CI`` set), where that is a failure.
- At the end of the session, the number of property-based examples that ran.
"""

from __future__ import annotations

import pytest
from robustness_support import CHROMIUM, CHROMIUM_ARGS, FUZZ_EXAMPLES, LOAD_REPORT, browser_unavailable


def pytest_terminal_summary(terminalreporter) -> None:
    if FUZZ_EXAMPLES:
        total = sum(FUZZ_EXAMPLES.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(FUZZ_EXAMPLES.items()))
        terminalreporter.write_line(f"robustness fuzzing: {total} examples ran ({parts})")
    for line in LOAD_REPORT:
        terminalreporter.write_line(f"robustness load: {line}")


# ----------------------------------------------------------------------------------------- browser



@pytest.fixture(scope="module")
def chromium():
    """A launched headless Chromium (module-scoped: launching costs seconds on a loaded machine)."""
    if not CHROMIUM.exists():
        browser_unavailable(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the playwright Python package is not installed (pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


