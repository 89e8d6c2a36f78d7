"""The generic isolation checks: one function per check, each given a route and a `Probe` (who asks, where).

`here` is the tenant whose host is asked, `other` the tenant whose members, sessions, tokens and ids must get
nothing there. Each check raises AssertionError naming the request and what came back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client as DjangoClient
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.accounts.sessions import bind_session
from apps.accounts.tokens import api_token_create
from conftest import TenantWorld

from . import walker
from .objects import MISSING_ID, OTHER_ID, PRESENT_ID, record_only_in
from .walker import Route

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Different on every render: the form's masked CSRF token and the CSP nonce.
PER_RENDER = re.compile(rb'((?:name="csrfmiddlewaretoken" value|nonce)=")[^"]*(")')


@dataclass
class Probe:
    here: TenantWorld  # the tenant whose host is asked
    other: TenantWorld  # the tenant that must get nothing there
    outsider: User
    client_for: Callable[..., DjangoClient]

    def signed_in(self, user: User, *, bound_to: TenantWorld, **client_options) -> DjangoClient:
        """A client on `here`'s host whose session is `user`'s, bound to `bound_to`'s tenant.

        The session is written directly (what `force_login` leaves behind, without its sign-in side
        effects: last_login, django-axes' access log), so each check costs one INSERT instead of twenty.
        """
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = MODEL_BACKEND
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        bind_session(store, schema_name=bound_to.tenant.schema_name)
        store.create()
        client = self.client_for(self.here, **client_options)
        client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        return client

    def token_client(self, user: User, tenant_world: TenantWorld) -> DjangoClient:
        """A client on `here`'s host sending `user`'s API token issued for `tenant_world`."""
        with tenant_context(tenant_world.tenant):
            _token, raw = api_token_create(user=user, tenant=tenant_world.tenant)
        return self.client_for(self.here, HTTP_AUTHORIZATION=f"Bearer {raw}")


def send(client: DjangoClient, method: str, url: str, *, api: bool):
    """`method` on `url` with an empty body: `{}` for the API, an empty form for pages."""
    if method == "GET":
        return client.get(url)
    if api:
        return client.generic(method, url, "{}", content_type="application/json")
    return client.post(url, {}) if method == "POST" else client.generic(method, url)


def _describe(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return f"{response.status_code} {response.get('Location', '')} {body[:300]!r}"


def _probe_url(route: Route) -> str:
    return route.url(walker.arguments(route, MISSING_ID))


def _assert_login_redirect(response, url: str, who: str) -> None:
    expected = f"{settings.LOGIN_URL}?next={quote(url)}"
    assert response.status_code == 302 and response["Location"] == expected, (
        f"{who} GET {url}: expected a redirect to {expected}, got {_describe(response)}"
    )


def _assert_bearer_challenge(response, method: str, url: str, who: str) -> None:
    assert response.status_code == 401, f"{who} {method} {url}: expected 401, got {_describe(response)}"
    challenge = response.get("WWW-Authenticate", "")
    assert challenge.startswith("Bearer"), f"{who} {method} {url}: WWW-Authenticate is {challenge!r}"
    _assert_error_body(response, f"{who} {method} {url}")


def _assert_error_body(response, request: str) -> None:
    """An API refusal carries an error (`detail`, maybe a code or similar strings), never records."""
    body = response.json()
    assert isinstance(body, dict) and "detail" in body and all(isinstance(v, str) for v in body.values()), (
        f"{request}: not an error body: {response.content[:300]!r}"
    )


def _assert_refused_without_session(probe: Probe, route: Route, client: DjangoClient, who: str) -> None:
    url = _probe_url(route)
    if route.kind == "page":
        _assert_login_redirect(client.get(url), url, who)
    else:
        _assert_bearer_challenge(send(client, route.method, url, api=True), route.method, url, who)


def check_anonymous(probe: Probe, route: Route) -> None:
    _assert_refused_without_session(probe, route, probe.client_for(probe.here), "anonymous")


def check_foreign_session(probe: Probe, route: Route) -> None:
    """The other tenant's owner, with the session cookie their own host gave them, is nobody here."""
    client = probe.signed_in(probe.other.owner, bound_to=probe.other)
    _assert_refused_without_session(probe, route, client, "other tenant's session")


def check_foreign_token(probe: Probe, route: Route) -> None:
    url = _probe_url(route)
    client = probe.token_client(probe.other.owner, probe.other)
    _assert_bearer_challenge(send(client, route.method, url, api=True), route.method, url, "other tenant's token")


def check_outsider(probe: Probe, route: Route) -> None:
    """Signed in on this host (session bound here) without a membership here: 403, nothing else."""
    url = _probe_url(route)
    method = route.method or "GET"
    for who, user in (("outsider", probe.outsider), ("other tenant's owner", probe.other.owner)):
        response = send(probe.signed_in(user, bound_to=probe.here), method, url, api=route.kind == "api")
        assert response.status_code == 403, f"{who} {method} {url}: expected 403, got {_describe(response)}"
        if route.kind == "api":
            _assert_error_body(response, f"{who} {method} {url}")


def fingerprint(response) -> tuple[int, str, bytes]:
    """Status, content type and body, with the probed ids and per-render CSRF tokens blanked out."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    body = PER_RENDER.sub(rb"\1\2", body)
    for record_id in (OTHER_ID, MISSING_ID, PRESENT_ID):
        body = body.replace(str(record_id).encode(), b"<id>")
    return response.status_code, response.get("Content-Type", ""), body


def _difference(first: tuple[int, str, bytes], second: tuple[int, str, bytes]) -> str:
    if first[:2] != second[:2]:
        return f"{first[:2]} vs {second[:2]}"
    at = next((i for i, (a, b) in enumerate(zip(first[2], second[2], strict=False)) if a != b), None)
    at = min(len(first[2]), len(second[2])) if at is None else at
    start = max(at - 80, 0)
    return f"bodies differ at byte {at}: {first[2][start : at + 120]!r} vs {second[2][start : at + 120]!r}"


def check_foreign_id(probe: Probe, route: Route) -> None:
    """A member with every capability reads and writes a record that exists only in the other tenant: the
    answer is the one a record that exists nowhere gets (404, same content type, same body), and the
    other tenant's row is left as it was. A record of the same model in this tenant is found (not 404,
    no server error), which shows the walker picked the model the view really looks up."""
    model = walker.record_model(route)
    label = f"{model._meta.label} of {probe.other.tenant.schema_name}"
    record_only_in(probe.other.tenant, model, pk=OTHER_ID, hidden_from=probe.here.tenant)
    record_only_in(probe.here.tenant, model, pk=PRESENT_ID, hidden_from=probe.other.tenant)
    before = _stored_row(model, probe.other.tenant)
    methods = ["GET", "POST"] if route.kind == "page" else [route.method]
    api = route.kind == "api"
    looked_up = False
    for method in methods:
        # A fresh session per method: the own record's answer may leave a flash message (e.g. "SO-1 is a
        # draft") that the next page would show, and the two bodies compared must start from the same state.
        if route.kind == "page":
            client = probe.signed_in(probe.here.owner, bound_to=probe.here)
        else:
            client = probe.token_client(probe.here.owner, probe.here)
        other_url, missing_url = route.url(walker.arguments(route, OTHER_ID)), _probe_url(route)
        other = fingerprint(send(client, method, other_url, api=api))
        missing = fingerprint(send(client, method, missing_url, api=api))
        assert other == missing, (
            f"{method} {other_url} ({label}) answers differently from {method} {missing_url} (no such row): "
            f"{_difference(other, missing)}"
        )
        # 405 only where the view does not take the method at all (both ids get it before any lookup).
        assert missing[0] in (404, 405), f"{method} {missing_url}: expected 404, got {missing[0]} {missing[2][:300]!r}"
        if missing[0] == 404:
            looked_up = True
            present_url = route.url(walker.arguments(route, PRESENT_ID))
            present = send(client, method, present_url, api=api)
            assert present.status_code not in (404, 405) and present.status_code < 500, (
                f"{method} {present_url} ({model._meta.label} of {probe.here.tenant.schema_name}): expected the "
                f"record to be found, got {_describe(present)}"
            )
    assert looked_up, f"{route.key}: no method reached the record lookup"
    after = _stored_row(model, probe.other.tenant)
    assert after == before, f"{route.key}: the other tenant's {model._meta.label} changed: {before} → {after}"


def _stored_row(model, tenant) -> dict | None:
    with tenant_context(tenant):
        return model._base_manager.filter(pk=OTHER_ID).values().first()


def check_csrf(probe: Probe, route: Route) -> None:
    """A member's own session, a state-changing request without the CSRF token: refused before any view."""
    url = _probe_url(route)
    method = route.method or "POST"
    client = probe.signed_in(probe.here.owner, bound_to=probe.here, enforce_csrf_checks=True)
    response = send(client, method, url, api=route.kind == "api")
    assert response.status_code == 403, f"{method} {url} without CSRF token: expected 403, got {_describe(response)}"
    text = response.content.decode(errors="replace")
    assert "CSRF" in text, f"{method} {url} without CSRF token: refused, but not for CSRF: {text[:300]!r}"


CHECKS: dict[str, Callable[[Probe, Route], None]] = {
    walker.ANONYMOUS: check_anonymous,
    walker.FOREIGN_SESSION: check_foreign_session,
    walker.FOREIGN_TOKEN: check_foreign_token,
    walker.OUTSIDER: check_outsider,
    walker.FOREIGN_ID: check_foreign_id,
    walker.CSRF: check_csrf,
}
