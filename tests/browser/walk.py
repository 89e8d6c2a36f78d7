"""Walks the main pages of a tenant in Chromium and measures each: page width against the viewport
(horizontal scrolling), axe-core's serious/critical violations, and optionally a screenshot.

Used by tests/browser/test_pages.py (which asserts on the figures) and by `make screenshots`
(SCREENSHOTS_DIR set: a full-page PNG per page, width and role into that folder).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# WCAG 2.1 A/AA rules plus axe's best practices (landmarks, one h1, region, ...).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
BLOCKING_IMPACTS = {"serious", "critical"}

# The main pages; "first:<list path>" opens the first record linked from that list.
MAIN_PAGES = [
    "/",
    "/suppliers/",
    "first:/suppliers/",
    "/suppliers/new/",
    "/plants/",
    "/customers/",
    "first:/customers/",
    "/locations/",
    "/carriers/",
    "/contacts/",
    "/products/",
    "/purchase-orders/",
    "first:/purchase-orders/",
    "/purchase-orders/new/",
    "/sales-orders/",
    "first:/sales-orders/",
    "/sales-orders/new/",
    "/invoices/",
    "first:/invoices/",
    "/payments/",
    "/claims/",
    "/reports/",
    "/reports/ar-aging/",
    "/compliance/",
    "/compliance-tasks/",
    "first:/compliance-tasks/",
    "/compliance/calendar/",
    "/account/password/",
    # Documents and ledgers (issue 19): "first:<list>+<suffix>" opens <suffix> under the first record.
    "first:/customers/+account/",
    "first:/suppliers/+account/",
    "first:/invoices/+send/",
]
ADMIN_PAGES = [
    "/members/",
    "/audit/",
    "/settings/",
    "/settings/branding/",
    "/settings/domains/",
    "/settings/company/",
]


@dataclass
class Measure:
    role: str
    width: int
    path: str
    status: int
    scroll_width: int
    viewport: int
    violations: list[dict] = field(default_factory=list)

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.viewport


def resolve(page, base: str, path: str) -> str:
    if not path.startswith("first:"):
        return path
    listing, _plus, suffix = path.removeprefix("first:").partition("+")
    page.goto(base + listing)
    link = page.locator("#record-table tbody a").first
    return link.get_attribute("href") + suffix if link.count() else listing


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)  # evaluated over CDP, so the page's CSP does not block it
    result = page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [" ".join(map(str, node["target"])) for node in v["nodes"][:5]],
            "count": len(v["nodes"]),
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def measure(page, base: str, path: str, *, role: str, width: int, axe: bool = True) -> Measure:
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(base + path)
    page.wait_for_load_state("networkidle")
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.evaluate("() => document.documentElement.clientWidth")
    result = Measure(role, width, path, response.status if response else 0, scroll_width, viewport)
    if axe:
        result.violations = axe_violations(page)
    if folder := os.environ.get("SCREENSHOTS_DIR"):
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "dashboard"
        target = Path(folder) / f"{width}" / f"{role}-{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
    return result


def report(measures: list[Measure]) -> None:
    """UI_REPORT=<file>: the figures as JSON (before/after comparisons)."""
    if target := os.environ.get("UI_REPORT"):
        rows = [{**asdict(m), "overflows": m.overflows} for m in measures]
        Path(target).write_text(json.dumps(rows, indent=1))
