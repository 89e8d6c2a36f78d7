"""Carriers: MC/DOT numbers are digits with length limits; insurance expiry drives a warning."""

import datetime

import pytest
from django_tenants.utils import tenant_context

from apps.partners.models import Carrier
from apps.partners.tests.factories import CarrierFactory
from backend.clock import tenant_today

URL = "/api/v1/carriers/"


@pytest.mark.parametrize(
    ("mc", "dot", "stored"),
    [
        ("123456", "1234567", ("123456", "1234567")),
        ("MC-987654", "USDOT 3141592", ("987654", "3141592")),
        ("", "", ("", "")),
    ],
)
def test_mc_and_dot_numbers_are_normalised_to_digits(tenant_a, client_for, mc, dot, stored):
    payload = {"code": "CR", "name": "Cold Road", "mc_number": mc, "dot_number": dot}
    response = client_for(tenant_a, tenant_a.staff).post(URL, payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert (response.json()["mc_number"], response.json()["dot_number"]) == stored


@pytest.mark.parametrize(
    ("field", "bad"), [("mc_number", "12A456"), ("mc_number", "123456789"), ("dot_number", "D0T1")]
)
def test_malformed_mc_or_dot_numbers_are_refused(tenant_a, client_for, field, bad):
    payload = {"code": "CR", "name": "Cold Road", field: bad}
    response = client_for(tenant_a, tenant_a.staff).post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    ("days", "status"), [(-1, "expired"), (0, "expires_soon"), (30, "expires_soon"), (31, "ok"), (None, "unknown")]
)
def test_insurance_status_by_days_to_expiry(days, status):
    today = datetime.date(2026, 3, 1)
    expiry = None if days is None else today + datetime.timedelta(days=days)
    assert Carrier(insurance_expires_on=expiry).insurance_status(today=today) == status


def test_detail_page_warns_when_insurance_expired_or_expiring(tenant_a, client_for):
    today = tenant_today(tenant_a.tenant)
    with tenant_context(tenant_a.tenant):
        expired = CarrierFactory(insurance_expires_on=today - datetime.timedelta(days=40))
        soon = CarrierFactory(insurance_expires_on=today + datetime.timedelta(days=10))
        fine = CarrierFactory(insurance_expires_on=today + datetime.timedelta(days=200))
    client = client_for(tenant_a, tenant_a.viewer)
    assert "Insurance expired" in client.get(f"/carriers/{expired.pk}/").content.decode()
    assert "Insurance expires soon" in client.get(f"/carriers/{soon.pk}/").content.decode()
    assert "Insurance expire" not in client.get(f"/carriers/{fine.pk}/").content.decode()


def test_carriers_filter_by_insurance_status(tenant_a, client_for):
    today = tenant_today(tenant_a.tenant)
    with tenant_context(tenant_a.tenant):
        CarrierFactory(code="OLD", insurance_expires_on=today - datetime.timedelta(days=1))
        CarrierFactory(code="NEW", insurance_expires_on=today + datetime.timedelta(days=400))
    client = client_for(tenant_a, tenant_a.viewer)
    assert [r["code"] for r in client.get(URL, {"insurance": "expired"}).json()["results"]] == ["OLD"]
    body = client.get(URL, {"insurance": "ok"}).json()["results"]
    assert [r["code"] for r in body] == ["NEW"]
    assert body[0]["insurance_status"] == "ok"
