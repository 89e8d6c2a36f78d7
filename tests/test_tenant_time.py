"""Tenant time: pages, e-mails and jobs show and count time on the tenant's calendar (America/Chicago for the
test tenants), the public host on UTC. The awkward instant throughout: 02:29 UTC on 6 December is still
20:29 on 5 December in Chicago."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from apps.accounts.services import invitation_create
from apps.claims import services as claims
from apps.claims.models import Claim
from apps.compliance.models import ComplianceTask
from apps.compliance.services import compliancetask_transition
from apps.compliance.tests.factories import ComplianceTaskFactory
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import order_with_lines
from backend import clock
from backend.jobs import run_in_schema

EVENING = datetime.datetime(2026, 12, 6, 2, 29, tzinfo=datetime.UTC)
EVENING_IN_CHICAGO = "2026-12-05 20:29 CST"


@pytest.fixture
def evening():
    with time_machine.travel(EVENING, tick=False):
        yield


def test_tenant_today_is_the_tenants_date_not_the_machines(tenant_a, evening):
    assert clock.platform_today() == datetime.date(2026, 12, 6)
    assert clock.tenant_today(tenant_a.tenant) == datetime.date(2026, 12, 5)
    with tenant_context(tenant_a.tenant):
        assert clock.tenant_today() == datetime.date(2026, 12, 5)


def test_schema_context_still_knows_the_tenants_zone(tenant_a, evening):
    # django-tenants' schema_context puts a FakeTenant (no time_zone) on the connection: jobs and commands
    # run that way and must still count days on the tenant's calendar.
    with schema_context(tenant_a.tenant.schema_name):
        assert not hasattr(connection.tenant, "time_zone")
        assert clock.tenant_today() == datetime.date(2026, 12, 5)


def test_public_schema_is_on_platform_time(world, db, evening):
    connection.set_schema_to_public()
    assert clock.tenant_zone().key == "UTC"
    assert clock.tenant_today() == datetime.date(2026, 12, 6)


def test_a_tenant_zone_change_is_seen_by_jobs_at_once(tenant_a, evening):
    with schema_context("alpha"):
        assert clock.tenant_today() == datetime.date(2026, 12, 5)
    tenant = tenant_a.tenant
    before = tenant.time_zone
    tenant.time_zone = "Asia/Tokyo"
    tenant.save(update_fields=["time_zone"])
    try:
        with schema_context("alpha"):
            assert clock.tenant_today() == datetime.date(2026, 12, 6)
    finally:
        tenant.time_zone = before
        tenant.save(update_fields=["time_zone"])


def test_an_unknown_zone_falls_back_to_utc():
    assert clock.zone_named("Mars/Olympus_Mons").key == "UTC"
    assert clock.zone_named("").key == "UTC"


def test_jobs_run_with_the_tenants_zone_active(tenant_a, evening):
    def job():
        return timezone.get_current_timezone_name(), clock.tenant_today()

    assert run_in_schema(job, "alpha", {}) == ("America/Chicago", datetime.date(2026, 12, 5))


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (datetime.date(2027, 2, 14), datetime.date(2027, 2, 1), datetime.date(2027, 2, 28)),
        (datetime.date(2028, 2, 29), datetime.date(2028, 2, 1), datetime.date(2028, 2, 29)),
        (datetime.date(2026, 12, 31), datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)),
    ],
)
def test_month_bounds(day, first, last):
    assert clock.month_bounds(day) == (first, last)


def test_day_bounds_are_the_tenants_midnights(tenant_a):
    start, end = clock.day_bounds(datetime.date(2026, 12, 5), tenant_a.tenant)
    assert start == datetime.datetime(2026, 12, 5, 6, tzinfo=datetime.UTC)
    assert end == datetime.datetime(2026, 12, 6, 6, tzinfo=datetime.UTC)


def test_claims_list_shows_when_a_claim_was_opened_in_the_tenants_time(tenant_a, client_for, evening):
    with tenant_context(tenant_a.tenant):
        line = order_with_lines(status=SalesOrder.Status.DELIVERED).lines.get()
        claims.claim_create(
            user=tenant_a.manager,
            data={"sales_line": line, "reason": Claim.Reason.TEMPERATURE, "amount": Decimal("20.00")},
        )
    page = client_for(tenant_a, tenant_a.viewer).get("/claims/").content.decode()
    assert EVENING_IN_CHICAGO in page
    assert "2026-12-06" not in page and "Dec. 6" not in page


def test_task_history_shows_tenant_time(tenant_a, client_for, evening):
    with tenant_context(tenant_a.tenant):
        task = ComplianceTaskFactory(assignee_id=tenant_a.staff.pk)
        compliancetask_transition(user=tenant_a.staff, task=task, to_status=ComplianceTask.Status.IN_REVIEW)
    page = client_for(tenant_a, tenant_a.viewer).get(f"/compliance-tasks/{task.pk}/").content.decode()
    assert f"{EVENING_IN_CHICAGO}: Open → In review" in page


def test_invitation_expiry_is_shown_and_mailed_in_tenant_time(tenant_a, client_for, evening, settings):
    settings.INVITATION_TTL_DAYS = 7
    invitation_create(tenant=tenant_a.tenant, email="new@alpha.test", role="staff", invited_by=tenant_a.admin)
    expiry = "2026-12-12 20:29 CST"
    assert expiry in mail.outbox[-1].body and "UTC" not in mail.outbox[-1].body
    assert expiry in client_for(tenant_a, tenant_a.admin).get("/members/").content.decode()


def test_the_zone_does_not_outlive_the_request(tenant_a, client_for):
    client_for(tenant_a, tenant_a.viewer).get("/claims/")
    assert timezone.get_current_timezone_name() == "UTC"
