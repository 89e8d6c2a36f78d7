"""A session belongs to the tenant whose host it was signed in on; replayed elsewhere it is refused."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.contrib.sessions.models import Session
from django.test import RequestFactory

from apps.accounts.services import membership_ensure
from apps.accounts.sessions import SESSION_TENANT_KEY


def _signed_in_session_key(tenant_world, user) -> str:
    """Sign in the way every login view does (django.contrib.auth.login) on the tenant's host."""
    request = RequestFactory().get("/login/", HTTP_HOST=tenant_world.domain)
    request.tenant = tenant_world.tenant
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    return request.session.session_key


def test_signing_in_on_a_tenant_host_binds_the_session_to_that_tenant(tenant_a, client_for):
    key = _signed_in_session_key(tenant_a, tenant_a.staff)
    assert Session.objects.get(session_key=key).get_decoded()[SESSION_TENANT_KEY] == "alpha"
    client = client_for(tenant_a)
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    assert client.get("/").status_code == 200


def test_session_from_alpha_replayed_on_beta_is_refused_and_destroyed(tenant_a, tenant_b, client_for):
    # The user belongs to both tenants, so only the binding can tell the hosts apart.
    membership_ensure(user=tenant_a.staff, tenant=tenant_b.tenant, role="staff")
    key = _signed_in_session_key(tenant_a, tenant_a.staff)
    client = client_for(tenant_b)
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert not Session.objects.filter(session_key=key).exists()


def test_client_bound_to_alpha_used_on_beta_is_treated_as_signed_out(tenant_a, tenant_b, client_for):
    response = client_for(tenant_b, tenant_b.owner, bound_to=tenant_a).get("/members/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/members/"


def test_replayed_session_on_api_path_authenticates_nobody(tenant_a, tenant_b, client_for):
    membership_ensure(user=tenant_a.staff, tenant=tenant_b.tenant, role="staff")
    key = _signed_in_session_key(tenant_a, tenant_a.staff)
    client = client_for(tenant_b)
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    response = client.get("/api/v1/auth/whoami/")
    assert response.status_code in (401, 403)  # anonymous to DRF: never the member's identity
    assert response["Content-Type"] == "application/json"
    assert not Session.objects.filter(session_key=key).exists()


def test_session_without_a_tenant_binding_is_refused(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.owner, bound_to=None).get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_sessions_expire_after_thirty_idle_minutes_and_each_request_extends_them(tenant_a, client_for):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    response = client_for(tenant_a, tenant_a.viewer).get("/")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 1800


def test_session_and_csrf_cookies_are_host_only(tenant_a, client_for):
    assert settings.SESSION_COOKIE_DOMAIN is None
    assert settings.CSRF_COOKIE_DOMAIN is None
    response = client_for(tenant_a, tenant_a.viewer).get("/")
    assert response.cookies[settings.SESSION_COOKIE_NAME]["domain"] == ""


def test_client_for_a_host_name_binds_to_that_hosts_tenant(tenant_a, client_for):
    assert client_for("alpha.localhost", tenant_a.viewer).get("/").status_code == 200
