"""POST /api/v1/auth/token/: expiring bearer tokens bound to one user and one tenant (IAM-17)."""

import hashlib
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client as DjangoClient
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.models import ApiToken, Membership
from apps.tenants.models import Client
from conftest import TEST_PASSWORD

from .signin_helpers import audit_actions, code_for, enrol

TOKEN_URL = "/api/v1/auth/token/"
REVOKE_URL = "/api/v1/auth/token/revoke/"
WHOAMI_URL = "/api/v1/auth/whoami/"


def _issue(client, email, password=TEST_PASSWORD, **extra):
    return client.post(TOKEN_URL, {"email": email, "password": password, **extra}, content_type="application/json")


def _bearer(tenant_world, token):
    return DjangoClient(HTTP_HOST=tenant_world.domain, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_member_gets_a_30_minute_token_that_authenticates(tenant_a, client_for):
    response = _issue(client_for(tenant_a), tenant_a.staff.email)
    assert response.status_code == 201
    body = response.json()
    expires_at = parse_datetime(body["expires_at"])
    assert abs(expires_at - (timezone.now() + timedelta(minutes=30))) < timedelta(seconds=10)
    whoami = _bearer(tenant_a, body["token"]).get(WHOAMI_URL)
    assert whoami.status_code == 200
    assert whoami.json() == {"email": tenant_a.staff.email, "tenant": "alpha", "role": "staff"}


def test_lifetime_follows_the_setting(tenant_a, client_for, settings):
    settings.API_TOKEN_TTL_MINUTES = 5
    body = _issue(client_for(tenant_a), tenant_a.staff.email).json()
    assert parse_datetime(body["expires_at"]) - timezone.now() < timedelta(minutes=5, seconds=1)


def test_token_is_stored_hashed_never_in_clear(tenant_a, client_for):
    raw = _issue(client_for(tenant_a), tenant_a.staff.email).json()["token"]
    token = ApiToken.objects.get(user=tenant_a.staff)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.key_prefix == raw[:8]
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert raw not in stored
    assert token.tenant_id == tenant_a.tenant.pk


def test_expired_token_is_refused_with_401(tenant_a, client_for):
    raw = _issue(client_for(tenant_a), tenant_a.staff.email).json()["token"]
    with time_machine.travel(time.time() + 31 * 60):
        response = _bearer(tenant_a, raw).get(WHOAMI_URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_refused_and_revocation_is_audited(tenant_a, client_for):
    raw = _issue(client_for(tenant_a), tenant_a.staff.email).json()["token"]
    client = _bearer(tenant_a, raw)
    assert client.post(REVOKE_URL).status_code == 204
    assert client.get(WHOAMI_URL).status_code == 401
    assert client.post(REVOKE_URL).status_code == 401
    assert ApiToken.objects.get(user=tenant_a.staff).revoked_at is not None
    assert [e.actor_email for e in audit_actions(tenant_a.tenant, "token.revoke")] == [tenant_a.staff.email]


def test_revoke_needs_the_token_itself(tenant_a, client_for):
    assert client_for(tenant_a).post(REVOKE_URL).status_code == 401
    assert client_for(tenant_a, tenant_a.staff).post(REVOKE_URL).status_code == 401


def test_alpha_token_on_beta_host_looks_like_an_unknown_token(tenant_a, tenant_b, client_for):
    raw = _issue(client_for(tenant_a), tenant_a.owner.email).json()["token"]
    replay = _bearer(tenant_b, raw).get(WHOAMI_URL)
    unknown = _bearer(tenant_b, "x" * 43).get(WHOAMI_URL)
    assert replay.status_code == unknown.status_code == 401
    assert replay.json() == unknown.json()


def test_token_of_a_member_of_both_tenants_stays_with_its_tenant(tenant_a, tenant_b, client_for):
    Membership.objects.create(user=tenant_a.staff, tenant=tenant_b.tenant, role="viewer")
    raw = _issue(client_for(tenant_a), tenant_a.staff.email).json()["token"]
    assert _bearer(tenant_b, raw).get(WHOAMI_URL).status_code == 401
    assert _bearer(tenant_a, raw).get(WHOAMI_URL).status_code == 200


def test_token_stops_working_when_membership_is_deactivated(tenant_a, client_for):
    raw = _issue(client_for(tenant_a), tenant_a.staff.email).json()["token"]
    Membership.objects.filter(user=tenant_a.staff, tenant=tenant_a.tenant).update(is_active=False)
    assert _bearer(tenant_a, raw).get(WHOAMI_URL).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer " + "y" * 200, "Bearer \u00e9t\u00e9"])
def test_malformed_authorization_header_is_401(tenant_a, header):
    client = DjangoClient(HTTP_HOST=tenant_a.domain, HTTP_AUTHORIZATION=header)
    assert client.get(WHOAMI_URL).status_code == 401


def test_outsider_cannot_get_a_token(tenant_a, outsider, client_for):
    response = _issue(client_for(tenant_a), outsider.email)
    wrong = _issue(client_for(tenant_a), outsider.email, password="wrong-password")
    # The same answer as a wrong password: the API does not confirm a non-member's password either.
    assert response.status_code == wrong.status_code == 400
    assert response.json() == wrong.json()
    assert response.json()["detail"] == "Enter a correct e-mail address and password."
    assert not ApiToken.objects.exists()


def test_beta_member_cannot_get_a_token_on_alpha(tenant_a, tenant_b, client_for):
    assert _issue(client_for(tenant_a), tenant_b.owner.email).status_code == 400


def test_wrong_password_is_400_with_clear_message(tenant_a, client_for):
    response = _issue(client_for(tenant_a), tenant_a.staff.email, password="wrong-password")
    assert response.status_code == 400
    assert response.json()["fields"] == {"non_field_errors": ["Enter a correct e-mail address and password."]}
    assert [e.changes["reason"] for e in audit_actions(tenant_a.tenant, "auth.login_failed")] == ["bad_credentials"]


def test_inactive_user_cannot_get_a_token(tenant_a, client_for):
    tenant_a.staff.is_active = False
    tenant_a.staff.save()
    assert _issue(client_for(tenant_a), tenant_a.staff.email).status_code == 400


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"email", "password"}),
        ({"email": "not-an-email", "password": "x"}, {"email"}),
        ({"email": "a@b.test", "password": "x" * 5000}, {"password"}),
        ({"email": "a@b.test", "password": "x", "otp": "1" * 40}, {"otp"}),
        ({"email": ["a@b.test"], "password": {"x": 1}}, {"email", "password"}),
    ],
)
def test_malformed_payload_is_400_with_field_errors(tenant_a, client_for, payload, fields):
    response = client_for(tenant_a).post(TOKEN_URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"'])
def test_non_object_body_is_400(tenant_a, client_for, body):
    response = client_for(tenant_a).post(TOKEN_URL, body, content_type="application/json")
    assert response.status_code == 400


def test_enrolled_user_needs_the_otp(tenant_a, client_for):
    device, _ = enrol(tenant_a.staff)
    client = client_for(tenant_a)
    missing = _issue(client, tenant_a.staff.email)
    assert missing.status_code == 400 and set(missing.json()["fields"]) == {"otp"}
    with time_machine.travel(time.time() + 31):
        wrong = "000000" if code_for(device) != "000000" else "111111"
        assert _issue(client, tenant_a.staff.email, otp=wrong).status_code == 400
    with time_machine.travel(time.time() + 62):
        response = _issue(client, tenant_a.staff.email, otp=code_for(device))
        assert response.status_code == 201
        assert _bearer(tenant_a, response.json()["token"]).get(WHOAMI_URL).status_code == 200


def test_enrolled_user_can_use_a_backup_code(tenant_a, client_for):
    _, backup_codes = enrol(tenant_a.staff)
    assert _issue(client_for(tenant_a), tenant_a.staff.email, otp=backup_codes[0]).status_code == 201


def test_tenant_requiring_mfa_refuses_tokens_to_members_without_it(tenant_a, client_for):
    Client.objects.filter(pk=tenant_a.tenant.pk).update(require_mfa=True)
    response = _issue(client_for(tenant_a), tenant_a.staff.email)
    assert response.status_code == 403
    assert "requires two-factor" in response.json()["detail"]


def test_token_creation_is_audited(tenant_a, tenant_b, client_for):
    _issue(client_for(tenant_a), tenant_a.staff.email)
    events = audit_actions(tenant_a.tenant, "token.create")
    assert [(e.actor_email, e.object_type) for e in events] == [(tenant_a.staff.email, "accounts.apitoken")]
    assert audit_actions(tenant_b.tenant, "token.create") == []


def test_token_endpoint_is_not_served_on_the_public_host(world, db):
    response = DjangoClient(HTTP_HOST="localhost").post(TOKEN_URL, {}, content_type="application/json")
    assert response.status_code == 404


def test_last_used_is_recorded(tenant_a, client_for):
    raw = _issue(client_for(tenant_a), tenant_a.staff.email).json()["token"]
    _bearer(tenant_a, raw).get(WHOAMI_URL)
    assert ApiToken.objects.get(user=tenant_a.staff).last_used_at is not None


def test_suspended_tenant_issues_no_tokens_and_honours_none(tenant_a, client_for):
    raw = _issue(client_for(tenant_a), tenant_a.staff.email).json()["token"]
    tenant = Client.objects.get(pk=tenant_a.tenant.pk)  # save() so cached routing is invalidated
    tenant.status = Client.Status.SUSPENDED
    tenant.save()
    # The routing middleware answers 423 for a suspended tenant before any view or token check.
    assert _issue(client_for(tenant_a), tenant_a.staff.email).status_code == 423
    assert _bearer(tenant_a, raw).get(WHOAMI_URL).status_code == 423


def test_whoami_refuses_sessions_of_other_tenants_and_outsiders(tenant_a, tenant_b, outsider, client_for):
    assert client_for(tenant_a, tenant_a.viewer).get(WHOAMI_URL).json()["role"] == "viewer"
    assert client_for(tenant_b, tenant_a.owner).get(WHOAMI_URL).status_code == 403
    assert client_for(tenant_a, outsider).get(WHOAMI_URL).status_code == 403
