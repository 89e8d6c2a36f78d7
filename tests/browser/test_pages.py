"""Issue 18's acceptance walk on the demo world (acme): every main page, as the owner and as a viewer, at
1440 px and 390 px — no horizontal scrolling and no serious or critical axe-core violations."""

import pytest

from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in
from tests.browser.walk import ADMIN_PAGES, MAIN_PAGES, measure, report, resolve

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = (1440, 390)


def _walk(page, base: str, role: str, paths: list[str]) -> list:
    sign_in(page, base, f"{role}@acme.example", DEMO_PASSWORD)
    resolved = [resolve(page, base, path) for path in paths]
    return [measure(page, base, path, role=role, width=width) for width in WIDTHS for path in resolved]


def _problems(measures) -> list[str]:
    problems = []
    for m in measures:
        if m.status != 200:
            problems.append(f"{m.role} {m.width}px {m.path}: HTTP {m.status}")
        if m.overflows:
            problems.append(f"{m.role} {m.width}px {m.path}: {m.scroll_width}px wide in a {m.viewport}px viewport")
        for v in m.violations:
            problems.append(
                f"{m.role} {m.width}px {m.path}: axe {v['impact']} {v['id']} ({v['help']}) at {v['targets']}"
            )
    return problems


def test_main_pages_fit_small_screens_and_pass_axe(demo_world, browser, live_server_port):
    base = f"http://acme.localhost:{live_server_port}"
    measures = []
    viewer_paths = [path for path in MAIN_PAGES if not path.endswith(("/new/", "+send/"))]
    for role, paths in (("owner", MAIN_PAGES + ADMIN_PAGES), ("viewer", viewer_paths)):
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            measures += _walk(page, base, role, paths)
        finally:
            context.close()
    report(measures)
    assert not _problems(measures), "\n".join(_problems(measures))
