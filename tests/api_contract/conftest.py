"""The API contract run prints its one-line summary in pytest's terminal summary, whatever `-q` says."""

from __future__ import annotations

import pytest

SUMMARY_KEY = pytest.StashKey[list]()


@pytest.fixture
def report_summary(request):
    lines = request.config.stash.setdefault(SUMMARY_KEY, [])
    return lines.append


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(SUMMARY_KEY, [])
    if lines:
        terminalreporter.section("API contract (schemathesis)")
        for line in lines:
            terminalreporter.write_line(line)
