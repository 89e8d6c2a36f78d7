"""Django admin on the public host: superusers only, and only with a one-time password (IAM-07)."""

import time
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client as DjangoClient

from apps.accounts.models import User
from conftest import TEST_PASSWORD

from .signin_helpers import code_for, enrol


@pytest.fixture
def public_client(world, db):
    return DjangoClient(HTTP_HOST="localhost")


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="root@platform.test", password=TEST_PASSWORD)


def _admin_login(client, email, otp_token=""):
    return client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": TEST_PASSWORD, "otp_token": otp_token}
    )


def test_superuser_session_without_otp_never_reaches_admin(public_client, superuser):
    public_client.force_login(superuser)
    response = public_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    login_page = public_client.get(response["Location"]).content.decode()
    assert 'name="otp_token"' in login_page
    assert "Site administration" not in login_page
    assert public_client.get("/admin/accounts/user/").status_code == 302


def test_superuser_without_device_cannot_sign_in_to_admin(public_client, superuser):
    response = _admin_login(public_client, superuser.email)
    assert response.status_code == 200
    assert public_client.get("/admin/").status_code == 302


def test_superuser_with_wrong_code_is_refused(public_client, superuser):
    device, _ = enrol(superuser)
    with time_machine.travel(time.time() + 31):
        wrong = "000000" if code_for(device) != "000000" else "111111"
        response = _admin_login(public_client, superuser.email, wrong)
    assert response.status_code == 200
    assert public_client.get("/admin/").status_code == 302


def test_superuser_with_code_reaches_admin(public_client, superuser):
    device, _ = enrol(superuser)
    with time_machine.travel(time.time() + 31):
        response = _admin_login(public_client, superuser.email, code_for(device))
        assert response["Location"] == "/admin/"
        index = public_client.get("/admin/")
    assert index.status_code == 200
    assert "Site administration" in index.content.decode()


def test_staff_who_is_not_superuser_is_refused_even_with_a_code(public_client, db, world):
    staff = User.objects.create_user(email="helpdesk@platform.test", password=TEST_PASSWORD, is_staff=True)
    device, _ = enrol(staff)
    with time_machine.travel(time.time() + 31):
        response = _admin_login(public_client, staff.email, code_for(device))
    assert response.status_code == 200
    assert "Please enter the correct" in response.content.decode()
    assert public_client.get("/admin/").status_code == 302


def test_tenant_owner_is_refused(public_client, tenant_a):
    public_client.force_login(tenant_a.owner)
    assert public_client.get("/admin/").status_code == 302
    assert _admin_login(public_client, tenant_a.owner.email).status_code == 200


def test_first_device_bootstraps_with_addstatictoken(public_client, superuser):
    """The documented bootstrap: a one-off code from `manage.py addstatictoken`, used once."""
    call_command("addstatictoken", superuser.email, "--token", "bootstrap1", stdout=StringIO())
    assert _admin_login(public_client, superuser.email, "bootstrap1")["Location"] == "/admin/"
    assert public_client.get("/admin/").status_code == 200
    public_client.post("/admin/logout/")
    with time_machine.travel(time.time() + 5):
        assert _admin_login(public_client, superuser.email, "bootstrap1").status_code == 200
