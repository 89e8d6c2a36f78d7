"""In a real browser, an evening action in Chicago shows its Chicago time and date — not tomorrow's UTC.

The clock is pinned (ticking) to the next 02:29 UTC that lies ahead, so cookies the live server sets stay
valid for the real browser; at 02:29 UTC it is still the previous evening in Chicago."""

import datetime
import zoneinfo

import pytest
import time_machine

from apps.tenants.management.commands.seed_demo import DEMO_PASSWORD
from backend import clock
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def _next_evening_in_chicago() -> datetime.datetime:
    moment = (clock.now() + datetime.timedelta(days=1)).replace(hour=2, minute=29, second=0, microsecond=0)
    assert moment.astimezone(CHICAGO).date() < moment.date()
    return moment


def test_task_history_shows_the_evening_in_the_tenants_zone(demo_world, page, live_server_port):
    acme = f"http://acme.localhost:{live_server_port}"
    evening = _next_evening_in_chicago()
    local = evening.astimezone(CHICAGO)
    with time_machine.travel(evening, tick=True):
        sign_in(page, acme, "owner@acme.example", DEMO_PASSWORD)
        page.goto(f"{acme}/compliance/")
        # An open task no other browser test moves (the compliance journey takes the BRC audit).
        page.get_by_role("link", name="Cargo insurance — Reefer Express").first.click()
        page.wait_for_selector("h1:has-text('Cargo insurance')")
        page.get_by_role("button", name="Submit for review").click()
        page.wait_for_selector("button:has-text('Mark done')")
        history = page.locator("ol").filter(has_text="In review").inner_text()
    shown = f"{local:%Y-%m-%d %H}:{local:%M}"[:-1]  # a minute may tick by: compare to the ten-minute digit
    assert shown in history and local.tzname() in history
    assert f"{evening:%Y-%m-%d}" not in history
