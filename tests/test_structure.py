"""HOUSE_STYLE: `backend/` is the platform and never imports the business apps in `apps/` — not at module
level and not inside a function either (a deferred import is still a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports_of_apps(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [
            f"{path.relative_to(root)}:{node.lineno} imports {name}" for name in names if name.split(".")[0] == "apps"
        ]
    return found


def test_backend_never_imports_apps():
    modules = list((ROOT / "backend").rglob("*.py"))  # its tests too: they test the platform alone
    assert modules
    assert [line for path in modules for line in _imports_of_apps(path)] == []


def test_the_check_sees_a_deferred_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from apps.tenants.models import Client\n    return Client\n")
    assert _imports_of_apps(module, root=tmp_path) == ["m.py:2 imports apps.tenants.models"]
