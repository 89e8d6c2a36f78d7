"""The API contract run prints its one-line summary in pytest's terminal summary, whatever `-q` says."""

from __future__ import annotations

import pytest

from conftest import summary_writer


@pytest.fixture
def report_summary(request):
    return summary_writer(request.config, "API contract (schemathesis)")
