"""The tenant setting "require two-factor for every member" (/settings/security/)."""

import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.tenants.models import Client

from .signin_helpers import audit_actions, code_for, enrol, sign_in


def _require_mfa(tenant, on=True):
    Client.objects.filter(pk=tenant.pk).update(require_mfa=on)


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_administrators_see_the_security_page(tenant_a, client_for, role):
    response = client_for(tenant_a, tenant_a.user(role)).get("/settings/security/")
    assert response.status_code == 200
    assert 'name="require_mfa"' in response.content.decode()


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_other_roles_are_refused(tenant_a, client_for, role):
    client = client_for(tenant_a, tenant_a.user(role))
    assert client.get("/settings/security/").status_code == 403
    assert client.post("/settings/security/", {"require_mfa": "on"}).status_code == 403
    assert not Client.objects.get(pk=tenant_a.tenant.pk).require_mfa


def test_outsider_and_other_tenants_admin_are_refused(tenant_a, tenant_b, outsider, client_for):
    for user in (outsider, tenant_b.admin):
        client = client_for(tenant_a, user)
        assert client.post("/settings/security/", {"require_mfa": "on"}).status_code == 403
    assert not Client.objects.get(pk=tenant_a.tenant.pk).require_mfa


def test_admin_must_be_enrolled_before_requiring_mfa(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.admin).post("/settings/security/", {"require_mfa": "on"})
    assert response.status_code == 400
    assert "Turn on two-factor authentication for your own account" in response.content.decode()
    assert not Client.objects.get(pk=tenant_a.tenant.pk).require_mfa


def test_enrolled_admin_turns_requirement_on_and_it_is_audited(tenant_a, tenant_b, client_for):
    device, _ = enrol(tenant_a.admin)
    client = client_for(tenant_a)
    sign_in(client, tenant_a.admin.email)
    with time_machine.travel(time.time() + 31):
        client.post("/login/verify/", {"code": code_for(device)})
        response = client.post("/settings/security/", {"require_mfa": "on"})
    assert response["Location"] == "/settings/security/"
    assert Client.objects.get(pk=tenant_a.tenant.pk).require_mfa
    assert not Client.objects.get(pk=tenant_b.tenant.pk).require_mfa
    events = audit_actions(tenant_a.tenant, "tenant.security_update")
    assert [(e.actor_email, e.changes) for e in events] == [(tenant_a.admin.email, {"require_mfa": [False, True]})]


def test_member_without_device_is_sent_to_enrolment_and_held_there(tenant_a, client_for):
    _require_mfa(tenant_a.tenant)
    client = client_for(tenant_a)
    assert sign_in(client, tenant_a.staff.email)["Location"] == "/"
    assert client.get("/")["Location"] == "/account/mfa/"
    assert client.get("/settings/security/")["Location"] == "/account/mfa/"
    assert client.get("/api/v1/auth/whoami/").status_code == 403
    assert "requires two-factor" in client.get("/account/mfa/").content.decode()

    client.post("/account/mfa/")
    device = TOTPDevice.objects.get(user=tenant_a.staff)
    assert client.post("/account/mfa/enrol/", {"code": code_for(device)})["Location"] == "/account/mfa/backup-codes/"
    assert client.get("/").status_code == 200


def test_requirement_does_not_reach_other_tenants(tenant_a, tenant_b, client_for):
    _require_mfa(tenant_a.tenant)
    client = client_for(tenant_b)
    sign_in(client, tenant_b.staff.email)
    assert client.get("/").status_code == 200


def test_members_without_requirement_are_not_bothered(tenant_a, client_for):
    client = client_for(tenant_a)
    sign_in(client, tenant_a.staff.email)
    assert client.get("/").status_code == 200


def test_gate_costs_members_without_mfa_no_query_on_most_requests(tenant_a, client_for):
    """The "has a device?" answer is kept for a minute, so page query counts do not carry it."""
    client = client_for(tenant_a)
    sign_in(client, tenant_a.staff.email)
    with CaptureQueriesContext(connection) as first:
        client.get("/")
    with CaptureQueriesContext(connection) as second:
        client.get("/")
    device_queries = [q for q in first.captured_queries if "otp_totp_totpdevice" in q["sql"]]
    assert len(device_queries) == 1
    assert not [q for q in second.captured_queries if "otp_totp_totpdevice" in q["sql"]]
