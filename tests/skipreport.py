"""A pytest hook (tests/conftest.py imports it): the run ends with one line counting the skipped tests by
reason, so a skip is never silent (``-ra`` lists them one by one above it)."""

from __future__ import annotations

from collections import Counter

import pytest


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if isinstance(r, pytest.TestReport)]
    if not skipped:
        terminalreporter.write_line("skipped: none")
        return
    reasons = Counter(_reason(r) for r in skipped)
    parts = "; ".join(f"{count} x {reason}" for reason, count in reasons.most_common())
    terminalreporter.write_line(f"skipped: {len(skipped)} test(s) by reason: {parts}")
