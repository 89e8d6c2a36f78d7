"""The login page on tenant hosts: members get in, everyone else gets a clear refusal (IAM-02)."""

import pytest
from django.conf import settings

from apps.accounts.models import Membership
from apps.tenants.models import Client
from conftest import TEST_PASSWORD

from .signin_helpers import audit_actions, sign_in


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize("which", ["a", "b"])
def test_member_signs_in_on_own_tenant_host(world, client_for, which):
    tenant = getattr(world, which)
    client = client_for(tenant)
    response = sign_in(client, tenant.staff.email)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert _signed_in_user_id(client) == str(tenant.staff.pk)
    assert tenant.staff.email in client.get("/").content.decode()


def test_login_page_renders_email_password_and_remember_me(tenant_a, client_for):
    response = client_for(tenant_a).get("/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="email"' in body and 'name="password"' in body and 'name="remember"' in body
    assert f"Sign in to {tenant_a.tenant.name}" in body


def test_email_is_case_insensitive(tenant_a, client_for):
    client = client_for(tenant_a)
    assert sign_in(client, tenant_a.viewer.email.upper()).status_code == 302


def test_without_remember_me_session_ends_with_browser_and_idle_timeout(tenant_a, client_for):
    client = client_for(tenant_a)
    sign_in(client, tenant_a.viewer.email)
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60


def test_remember_me_keeps_session_for_30_days(tenant_a, client_for):
    client = client_for(tenant_a)
    response = sign_in(client, tenant_a.viewer.email, remember="on")
    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 30 * 24 * 3600
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 24 * 3600
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"]


def test_superuser_gets_no_remember_me_cookie(tenant_a, client_for):
    user = tenant_a.admin
    user.is_superuser = True
    user.save()
    client = client_for(tenant_a)
    sign_in(client, user.email, remember="on")
    assert client.session.get_expire_at_browser_close()


GENERIC = "Enter a correct e-mail address and password."


def _error_text(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def test_outsider_cannot_sign_in_on_alpha(tenant_a, outsider, client_for):
    client = client_for(tenant_a)
    response = sign_in(client, outsider.email)
    assert response.status_code == 200
    assert _error_text(response) == GENERIC
    assert _signed_in_user_id(client) is None


def test_beta_member_cannot_sign_in_on_alpha(tenant_a, tenant_b, client_for):
    client = client_for(tenant_a)
    response = sign_in(client, tenant_b.owner.email)
    assert _error_text(response) == GENERIC
    assert _signed_in_user_id(client) is None


def test_non_member_right_and_wrong_password_look_the_same(tenant_a, outsider, client_for):
    """A correct password of someone who is not a member must not be confirmed to whoever types it."""
    right = sign_in(client_for(tenant_a), outsider.email)
    wrong = sign_in(client_for(tenant_a), outsider.email, password="wrong-password")
    assert right.status_code == wrong.status_code == 200
    assert _error_text(right) == _error_text(wrong) == GENERIC
    assert "Alpha Meats" not in _error_text(right)


def test_deactivated_member_cannot_sign_in(tenant_a, client_for):
    Membership.objects.filter(user=tenant_a.staff, tenant=tenant_a.tenant).update(is_active=False)
    client = client_for(tenant_a)
    response = sign_in(client, tenant_a.staff.email)
    assert _error_text(response) == GENERIC
    assert _signed_in_user_id(client) is None
    assert [e.changes["reason"] for e in audit_actions(tenant_a.tenant, "auth.login_failed")] == [
        "no_active_membership"
    ]


def test_inactive_user_cannot_sign_in(tenant_a, client_for):
    tenant_a.staff.is_active = False
    tenant_a.staff.save()
    client = client_for(tenant_a)
    response = sign_in(client, tenant_a.staff.email)
    assert response.status_code == 200
    assert "Enter a correct e-mail address and password." in response.content.decode()
    assert _signed_in_user_id(client) is None


def test_wrong_password_shows_form_error(tenant_a, client_for):
    client = client_for(tenant_a)
    response = sign_in(client, tenant_a.staff.email, password="wrong-password")
    assert response.status_code == 200
    assert "Enter a correct e-mail address and password." in response.content.decode()
    assert _signed_in_user_id(client) is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-email", "password": "x"}, "email"),
        ({"email": "", "password": ""}, "email"),
        ({"email": "a@b.test"}, "password"),
        ({"email": "a@b.test", "password": "x" * 5000}, "password"),
        ({"email": "a" * 300 + "@b.test", "password": "x"}, "email"),
    ],
)
def test_bad_input_gives_form_errors_not_500(tenant_a, client_for, data, field):
    response = client_for(tenant_a).post("/login/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]


def test_unsafe_next_url_is_ignored(tenant_a, client_for):
    client = client_for(tenant_a)
    response = client.post(
        "/login/?next=https://evil.example/", {"email": tenant_a.viewer.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/"


def test_safe_next_url_is_followed(tenant_a, client_for):
    client = client_for(tenant_a)
    response = client.post("/login/?next=/account/mfa/", {"email": tenant_a.viewer.email, "password": TEST_PASSWORD})
    assert response["Location"] == "/account/mfa/"


def test_login_is_audited_in_the_tenant_schema(tenant_a, tenant_b, client_for):
    sign_in(client_for(tenant_a), tenant_a.manager.email)
    events = audit_actions(tenant_a.tenant, "auth.login")
    assert [(e.actor_email, e.changes) for e in events] == [(tenant_a.manager.email, {"method": "password"})]
    assert events[0].ip_address == "127.0.0.1"
    assert audit_actions(tenant_b.tenant, "auth.login") == []


def test_failed_login_of_a_member_is_audited(tenant_a, client_for):
    sign_in(client_for(tenant_a), tenant_a.manager.email, password="nope-nope")
    events = audit_actions(tenant_a.tenant, "auth.login_failed")
    assert [(e.object_id, e.changes["reason"]) for e in events] == [(str(tenant_a.manager.pk), "bad_credentials")]
    assert events[0].actor_id is None


def test_failed_login_of_unknown_email_or_outsider_is_not_audited(tenant_a, outsider, client_for):
    client = client_for(tenant_a)
    sign_in(client, "nobody@nowhere.test", password="whatever1")
    sign_in(client, outsider.email, password="whatever1")
    assert audit_actions(tenant_a.tenant, "auth.login_failed") == []


def test_login_page_is_not_served_on_the_public_host(world, client_for, db):
    assert client_for("localhost").get("/login/").status_code == 404


def test_members_of_a_suspended_tenant_cannot_sign_in(tenant_a, client_for):
    Client.objects.filter(pk=tenant_a.tenant.pk).update(status=Client.Status.SUSPENDED)
    client = client_for(tenant_a)
    # Routing answers 423 for a suspended tenant before the login view runs.
    response = sign_in(client, tenant_a.owner.email)
    assert response.status_code == 423
    assert "suspended" in response.content.decode()
    assert _signed_in_user_id(client) is None
