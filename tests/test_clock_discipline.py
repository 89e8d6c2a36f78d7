"""Every reading of the clock goes through backend/clock.py, in product code, tests and benchmarks alike.

The machine clock is UTC while a tenant lives on its own calendar, so `date.today()` is "tomorrow" for a
Chicago tenant every evening — the suite used to fail between 00:00 and 06:00 UTC because of it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["apps", "backend", "projectmeats", "tests", "bench", "conftest.py"]
# The one clock itself may read the machine clock (through django.utils.timezone).
ALLOWED = {Path("backend/clock.py")}

DATE_CLASSES = {"date", "datetime"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, call) for each direct reading of the machine clock's date or wall time in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        owner, _, method = name.rpartition(".")
        owner_class = owner.rpartition(".")[2]
        if method in {"today", "now", "utcnow"} and owner_class in DATE_CLASSES:
            found.append((node.lineno, f"{name}()"))
        elif name in {"timezone.localdate", "timezone.localtime"} and not node.args:
            # Without an argument these use whatever zone is active: UTC in jobs and commands.
            found.append((node.lineno, f"{name}() without a value and zone"))
        elif method == "date" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
            inner = _dotted(node.func.value.func)
            if inner in {"timezone.now", "clock.now", "now"}:
                found.append((node.lineno, f"{inner}().date() (a UTC date)"))
    return found


def _python_files():
    for entry in SCANNED:
        path = ROOT / entry
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            relative = file.relative_to(ROOT)
            if "migrations" in relative.parts or relative in ALLOWED:
                continue
            yield relative


def test_no_module_reads_the_machine_clock_directly():
    offenders = [
        f"{path}:{line}: {call}" for path in _python_files() for line, call in clock_reads((ROOT / path).read_text())
    ]
    assert not offenders, "use backend.clock (tenant_today, tenant_now, now) instead of:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        "import datetime\ndatetime.date.today()",
        "from datetime import date\ndate.today()",
        "import datetime\ndatetime.datetime.now(datetime.UTC)",
        "from datetime import datetime\ndatetime.now()",
        "from datetime import datetime\ndatetime.utcnow()",
        "from django.utils import timezone\ntimezone.localdate()",
        "from django.utils import timezone\ntimezone.now().date()",
    ],
)
def test_the_check_finds_each_kind_of_direct_reading(source):
    assert clock_reads(source), source


@pytest.mark.parametrize(
    "source",
    [
        "from backend.clock import tenant_today\ntenant_today()",
        "from django.utils import timezone\ntimezone.now()",
        "from django.utils import timezone\ntimezone.localtime(value, zone)",
        "import datetime\ndatetime.date(2026, 1, 1)",
        "moment.date()",
    ],
)
def test_the_check_lets_the_clock_and_plain_values_pass(source):
    assert not clock_reads(source), source
