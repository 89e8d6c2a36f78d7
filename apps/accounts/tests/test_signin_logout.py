"""Logout deletes the server-side session (IAM-16); idle sessions expire (IAM-10)."""

import time

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client as DjangoClient

from .signin_helpers import audit_actions, sign_in


def test_logout_deletes_session_and_old_cookie_no_longer_works(tenant_a, client_for):
    client = client_for(tenant_a)
    sign_in(client, tenant_a.staff.email)
    old_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(session_key=old_key).exists()

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_URL
    assert not Session.objects.filter(session_key=old_key).exists()
    replay = DjangoClient(HTTP_HOST=tenant_a.domain)
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert replay.get("/account/mfa/")["Location"].startswith(settings.LOGIN_URL)


def test_logout_by_get_is_refused(tenant_a, client_for):
    client = client_for(tenant_a)
    sign_in(client, tenant_a.staff.email)
    assert client.get("/logout/").status_code == 405
    assert client.get("/account/mfa/").status_code == 200


def test_logout_needs_csrf_token(tenant_a):
    client = DjangoClient(HTTP_HOST=tenant_a.domain, enforce_csrf_checks=True)
    client.force_login(tenant_a.staff)
    assert client.post("/logout/").status_code == 403


def test_logout_is_audited(tenant_a, client_for):
    client = client_for(tenant_a)
    sign_in(client, tenant_a.staff.email)
    client.post("/logout/")
    assert [e.actor_email for e in audit_actions(tenant_a.tenant, "auth.logout")] == [tenant_a.staff.email]


def test_session_idle_for_30_minutes_expires(tenant_a, client_for):
    client = client_for(tenant_a)
    sign_in(client, tenant_a.staff.email)
    with time_machine.travel(time.time() + 20 * 60):
        assert client.get("/account/mfa/").status_code == 200  # activity slides the expiry
    with time_machine.travel(time.time() + 45 * 60):
        assert client.get("/account/mfa/").status_code == 200  # 25 idle minutes since
    with time_machine.travel(time.time() + 76 * 60):
        assert client.get("/account/mfa/")["Location"].startswith(settings.LOGIN_URL)


def test_remembered_session_survives_a_day_of_idleness(tenant_a, client_for):
    client = client_for(tenant_a)
    sign_in(client, tenant_a.staff.email, remember="on")
    with time_machine.travel(time.time() + 24 * 3600):
        assert client.get("/account/mfa/").status_code == 200
