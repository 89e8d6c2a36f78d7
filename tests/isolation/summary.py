"""What the isolation walker ran in this pytest session, printed at the end by tests/isolation/conftest.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .walker import Route


@dataclass
class Results:
    routes: set[str] = field(default_factory=set)
    passed: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)

    def record(self, route: Route, check: str, *, passed: bool) -> None:
        self.routes.add(route.key)
        (self.passed if passed else self.failed)[check] += 1


RESULTS = Results()
