"""IAM-14: a user given a temporary password (admin or `set_temporary_password`) must choose a new one at
first sign-in before any other page or API call opens."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.accounts.services import user_temporary_password_set
from apps.audit.models import AuditEvent

from .conftest import TEST_PASSWORD_NEW, fresh, link_in_last_mail
from .signin_helpers import sign_in

TEMPORARY = "Temp-Pa55word-4567"


@pytest.fixture
def superuser(world, db) -> User:
    return User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")


def _public_events(action: str) -> list[AuditEvent]:
    with schema_context("public"):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _signed_in_with_temporary(tenant_world, client_for):
    user = fresh(tenant_world.staff)  # never mutate the session-wide world users
    user_temporary_password_set(user=user, actor=None, password=TEMPORARY)
    client = client_for(tenant_world)
    assert sign_in(client, user.email, password=TEMPORARY).status_code == 302
    return client, user


def test_command_sets_a_generated_temporary_password_and_audits_it(tenant_a):
    out = StringIO()
    call_command("set_temporary_password", tenant_a.staff.email, stdout=out)
    password = out.getvalue().split(": ", 1)[1].splitlines()[0]
    user = fresh(tenant_a.staff)
    assert user.must_change_password and user.check_password(password)
    [event] = _public_events("user.temporary_password_set")
    assert event.object_id == str(user.pk)


def test_command_refuses_unknown_user_and_weak_password_in_one_line(tenant_a):
    with pytest.raises(CommandError, match="No user"):
        call_command("set_temporary_password", "ghost@nowhere.test")
    with pytest.raises(CommandError) as caught:
        call_command("set_temporary_password", tenant_a.staff.email, password="123")
    assert "\n" not in str(caught.value)
    assert not fresh(tenant_a.staff).must_change_password


@pytest.mark.parametrize("path", ["/", "/suppliers/", "/members/", "/settings/branding/"])
def test_every_page_redirects_to_password_change_until_a_new_one_is_chosen(tenant_a, client_for, path):
    client, _ = _signed_in_with_temporary(tenant_a, client_for)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/account/password/"


def test_api_with_the_session_is_refused_until_changed(tenant_a, client_for):
    client, _ = _signed_in_with_temporary(tenant_a, client_for)
    response = client.get("/api/v1/suppliers/")
    assert response.status_code == 403
    assert "temporary password" in response.json()["detail"]


def test_no_api_token_is_issued_on_a_temporary_password(tenant_a, client_for):
    user_temporary_password_set(user=fresh(tenant_a.staff), actor=None, password=TEMPORARY)
    response = client_for(tenant_a).post(
        "/api/v1/auth/token/", {"email": tenant_a.staff.email, "password": TEMPORARY}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "temporary password" in response.json()["detail"]


def test_change_page_and_logout_stay_open(tenant_a, client_for):
    client, _ = _signed_in_with_temporary(tenant_a, client_for)
    page = client.get("/account/password/")
    assert page.status_code == 200
    assert "temporary password" in page.text
    client.post("/logout/")
    assert client.get("/").status_code == 302  # now to the login page
    assert "/login/" in client.get("/")["Location"]


def test_choosing_a_new_password_clears_the_flag_and_opens_the_site(tenant_a, client_for):
    client, user = _signed_in_with_temporary(tenant_a, client_for)
    response = client.post(
        "/account/password/",
        {"old_password": TEMPORARY, "new_password1": TEST_PASSWORD_NEW, "new_password2": TEST_PASSWORD_NEW},
    )
    assert response.status_code == 302
    user = fresh(user)
    assert not user.must_change_password and user.check_password(TEST_PASSWORD_NEW)
    assert client.get("/").status_code == 200


def test_password_reset_also_clears_the_flag(tenant_a, client_for):
    user_temporary_password_set(user=fresh(tenant_a.staff), actor=None, password=TEMPORARY)
    client = client_for(tenant_a)
    client.post("/password-reset/", {"email": tenant_a.staff.email})
    response = client.get(link_in_last_mail())
    client.post(response.url, {"new_password1": TEST_PASSWORD_NEW, "new_password2": TEST_PASSWORD_NEW})
    assert not fresh(tenant_a.staff).must_change_password


def test_other_members_are_not_affected(tenant_a, client_for):
    _signed_in_with_temporary(tenant_a, client_for)
    assert client_for(tenant_a, tenant_a.viewer).get("/").status_code == 200


def test_admin_created_user_with_a_password_must_change_it(superuser, admin_client_for):
    admin = admin_client_for(superuser)
    response = admin.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@alpha.test",
            "usable_password": "true",
            "password1": TEMPORARY,
            "password2": TEMPORARY,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@alpha.test")
    assert user.must_change_password and user.check_password(TEMPORARY)
    [event] = _public_events("user.temporary_password_set")
    assert event.actor_id == superuser.pk


def test_admin_password_reset_makes_the_password_temporary(tenant_a, superuser, admin_client_for):
    admin = admin_client_for(superuser)
    response = admin.post(
        f"/admin/accounts/user/{tenant_a.staff.pk}/password/",
        {"usable_password": "true", "password1": TEMPORARY, "password2": TEMPORARY},
    )
    assert response.status_code == 302
    user = fresh(tenant_a.staff)
    assert user.must_change_password and user.check_password(TEMPORARY)
    [event] = _public_events("user.temporary_password_set")
    assert (event.actor_id, event.object_id) == (superuser.pk, str(user.pk))
