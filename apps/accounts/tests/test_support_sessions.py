"""Audited support sessions: a platform superuser views a tenant as a member, only with the tenant's consent,
read-only unless elevated, for at most 30 minutes, bannered, in both audit logs, ended by either side."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client as DjangoClient
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import SupportSession, User
from apps.accounts.support import support_access_set, support_session_start
from apps.audit.models import AuditEvent
from apps.tenants.models import Client
from backend.exceptions import ApplicationError

from .signin_helpers import audit_actions

START = "/admin/support/start/"
REASON = "Customer ticket 4711: invoice totals look wrong"


@pytest.fixture
def superuser(world, db) -> User:
    return User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")


@pytest.fixture
def operator(superuser, admin_client_for):
    return admin_client_for(superuser)


def _allow(world, hours=1):
    support_access_set(tenant=world.tenant, actor=world.owner, hours=hours)


def _start(operator, world, user, reason=REASON):
    return operator.post(START, {"tenant": world.tenant.schema_name, "user_email": user.email, "reason": reason})


def _entry_link(started) -> str:
    assert started.status_code == 200, started.content.decode()
    return re.search(r'href="([^"]+/support/enter/[^"]+)" id="support-continue"', started.content.decode()).group(1)


def _enter(operator, world, user, client_for) -> DjangoClient:
    """Start a session from the admin and enter it on the tenant's host; returns that browser."""
    link = urlsplit(_entry_link(_start(operator, world, user)))
    assert link.hostname == world.domain and link.path.startswith("/support/enter/")
    browser = client_for(world)
    assert browser.get(link.path).status_code == 200  # GET only shows the page (link scanners)
    assert not SupportSession.objects.order_by("-pk").first().entered_at
    entered = browser.post(link.path)
    assert entered.status_code == 302 and entered["Location"] == "/"
    browser.entry_path = link.path
    return browser


def _public_actions(action: str) -> list[AuditEvent]:
    with schema_context("public"):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_superuser_views_as_a_member_with_a_banner_on_every_page_and_both_logs_say_so(
    tenant_a, operator, client_for, superuser
):
    _allow(tenant_a)
    browser = _enter(operator, tenant_a, tenant_a.staff, client_for)
    for path in ("/", "/suppliers/", "/menu/"):
        page = browser.get(path)
        body = page.content.decode()
        assert page.status_code == 200, path
        assert 'id="support-banner"' in body and superuser.email in body and "read-only" in body, path
        assert 'action="/support/end/"' in body
    whoami = browser.get("/api/v1/auth/whoami/")
    assert whoami.status_code == 403  # a member's credentials are off limits
    (public,) = _public_actions("support.start")
    assert public.actor_email == superuser.email and public.changes["reason"] == REASON
    (own,) = audit_actions(tenant_a.tenant, "support.start")
    assert own.actor_email == superuser.email
    assert own.changes["as"] == tenant_a.staff.email and own.changes["reason"] == REASON


def test_refused_without_the_tenants_consent_and_after_it_lapses(tenant_a, operator):
    refused = _start(operator, tenant_a, tenant_a.staff)
    assert refused.status_code == 400 and "does not allow support access" in refused.content.decode()
    _allow(tenant_a, hours=1)
    Client.objects.filter(pk=tenant_a.tenant.pk).update(support_access_until=timezone.now() - timedelta(seconds=1))
    lapsed = _start(operator, tenant_a, tenant_a.staff)
    assert lapsed.status_code == 400 and "does not allow support access" in lapsed.content.decode()
    assert not SupportSession.objects.exists()


def test_refused_to_non_superusers_and_to_superusers_without_a_one_time_password(tenant_a, superuser, admin_client_for):
    _allow(tenant_a)
    owner_in_admin = admin_client_for(User.objects.get(pk=tenant_a.owner.pk))  # a copy: it sets a password
    assert _start(owner_in_admin, tenant_a, tenant_a.staff).status_code == 302
    assert urlsplit(_start(owner_in_admin, tenant_a, tenant_a.staff)["Location"]).path == "/admin/login/"
    no_otp = DjangoClient(HTTP_HOST="localhost")
    no_otp.force_login(superuser)
    assert urlsplit(_start(no_otp, tenant_a, tenant_a.staff)["Location"]).path == "/admin/login/"
    with pytest.raises(ApplicationError, match="superusers"):
        support_session_start(superuser=tenant_a.owner, tenant=tenant_a.tenant, user_email="x@y.z", reason=REASON)
    with pytest.raises(ApplicationError, match="one-time password"):
        support_session_start(
            superuser=superuser, tenant=tenant_a.tenant, user_email=tenant_a.staff.email, reason=REASON
        )
    assert not SupportSession.objects.exists()


def test_a_written_reason_and_an_active_member_are_required(tenant_a, tenant_b, operator):
    _allow(tenant_a)
    assert _start(operator, tenant_a, tenant_a.staff, reason="because").status_code == 400
    assert _start(operator, tenant_a, tenant_b.staff).status_code == 400  # not a member of alpha
    assert not SupportSession.objects.exists()


def test_read_only_until_elevated_and_never_credentials_members_or_consent(tenant_a, operator, client_for, superuser):
    _allow(tenant_a)
    browser = _enter(operator, tenant_a, tenant_a.owner, client_for)
    refused = browser.post("/settings/onboarding/dismiss/")
    assert refused.status_code == 403 and "read-only" in refused.content.decode()
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.onboarding_dismissed_at is None
    for path in ("/account/password/", "/account/mfa/", "/settings/support/"):
        assert browser.get(path).status_code == 403, path
    assert browser.post("/support/elevate/", {"reason": "Customer asked us to fix it"}).status_code == 302
    assert browser.post("/settings/onboarding/dismiss/").status_code in (200, 302)
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.onboarding_dismissed_at is not None
    (event,) = audit_actions(tenant_a.tenant, "tenant.onboarding_dismiss")
    assert event.actor_email == tenant_a.owner.email
    assert event.changes["support"].startswith(f"{superuser.email} as {tenant_a.owner.email} (support session ")
    # Even elevated: no password, role or ownership changes, no tokens, no consent changes.
    membership = tenant_a.tenant.memberships.get(user=tenant_a.staff)
    assert browser.post(f"/members/{membership.pk}/role/", {"role": "owner"}).status_code == 403
    assert browser.post("/account/password/", {}).status_code == 403
    assert browser.post("/api/v1/auth/token/", {"email": tenant_a.owner.email, "password": "x"}).status_code == 403
    assert browser.post("/settings/support/", {"hours": ""}).status_code == 403
    assert len(_public_actions("support.elevate")) == len(audit_actions(tenant_a.tenant, "support.elevate")) == 1


def test_a_session_expires_after_thirty_minutes(tenant_a, operator, client_for):
    _allow(tenant_a, hours=24)
    browser = _enter(operator, tenant_a, tenant_a.staff, client_for)
    session = SupportSession.objects.get()
    assert (session.expires_at - session.started_at).total_seconds() == 30 * 60
    with time_machine.travel(time.time() + 20 * 60):
        assert 'id="support-banner"' in browser.get("/").content.decode()
    with time_machine.travel(time.time() + 31 * 60):
        expired = browser.get("/")
        assert expired.status_code == 403 and "expired" in expired.content.decode()
        assert browser.get("/")["Location"].startswith("/login/")
    session.refresh_from_db()
    assert session.end_reason == "expired"
    assert [e.changes["how"] for e in audit_actions(tenant_a.tenant, "support.end")] == ["expired"]


def test_the_superuser_ends_it_and_the_entry_link_works_once(tenant_a, operator, client_for):
    _allow(tenant_a)
    browser = _enter(operator, tenant_a, tenant_a.staff, client_for)
    assert client_for(tenant_a).post(browser.entry_path).status_code == 404  # single use
    ended = browser.post("/support/end/")
    assert ended.status_code == 200 and "Support session ended." in ended.content.decode()
    assert browser.get("/")["Location"].startswith("/login/")
    assert SupportSession.objects.get().end_reason == "ended"
    assert len(_public_actions("support.end")) == len(audit_actions(tenant_a.tenant, "support.end")) == 1


def test_the_owner_sees_and_revokes_sessions_and_withdrawing_access_ends_them(tenant_a, operator, client_for):
    _allow(tenant_a)
    browser = _enter(operator, tenant_a, tenant_a.staff, client_for)
    owner = client_for(tenant_a, tenant_a.owner)
    page = owner.get("/settings/support/")
    assert page.status_code == 200 and REASON in page.content.decode() and tenant_a.staff.email in page.content.decode()
    assert client_for(tenant_a, tenant_a.admin).get("/settings/support/").status_code == 200  # admins see it
    session = SupportSession.objects.get()
    assert client_for(tenant_a, tenant_a.admin).post(f"/settings/support/{session.pk}/end/").status_code == 403
    assert owner.post(f"/settings/support/{session.pk}/end/").status_code == 302
    assert browser.get("/").status_code == 403
    session.refresh_from_db()
    assert session.end_reason == "revoked" and session.ended_by == tenant_a.owner

    browser = _enter(operator, tenant_a, tenant_a.staff, client_for)
    assert owner.post("/settings/support/", {"hours": ""}).status_code == 302
    assert browser.get("/").status_code == 403
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.support_access_until is None
    assert not SupportSession.objects.filter(ended_at__isnull=True).exists()


def test_a_session_for_tenant_a_gives_nothing_on_tenant_b(tenant_a, tenant_b, operator, client_for):
    _allow(tenant_a)
    _allow(tenant_b)
    path = urlsplit(_entry_link(_start(operator, tenant_a, tenant_a.staff))).path
    on_b = client_for(tenant_b)
    assert on_b.post(path).status_code == 404  # alpha's link on beta's host: as if it did not exist
    assert SupportSession.objects.get().entered_at is None
    browser = client_for(tenant_a)
    browser.post(path)
    replayed = client_for(tenant_b)
    replayed.cookies = browser.cookies  # alpha's support cookie replayed on beta's host
    assert replayed.get("/")["Location"].startswith("/login/")
    session = SupportSession.objects.get()
    assert client_for(tenant_b, tenant_b.owner).post(f"/settings/support/{session.pk}/end/").status_code == 404
    assert SupportSession.objects.get().ended_at is None
    assert audit_actions(tenant_b.tenant, "support.start") == []


def test_support_settings_are_refused_to_non_admins_and_non_members(world, tenant_a, client_for):
    assert client_for(tenant_a, tenant_a.viewer).get("/settings/support/").status_code == 403
    assert client_for(tenant_a, tenant_a.staff).post("/settings/support/", {"hours": "1"}).status_code == 403
    assert client_for(tenant_a, world.outsider).get("/settings/support/").status_code == 403
    tenant_a.tenant.refresh_from_db()
    assert tenant_a.tenant.support_access_until is None


def test_a_member_with_two_factor_is_viewed_without_their_code_and_it_stays_theirs(tenant_a, operator, client_for):
    from .signin_helpers import enrol

    enrol(tenant_a.staff)
    _allow(tenant_a)
    browser = _enter(operator, tenant_a, tenant_a.staff, client_for)
    assert browser.get("/").status_code == 200  # the superuser passed their own one-time password
    assert browser.get("/account/mfa/").status_code == 403  # and cannot touch the member's devices


def test_the_support_page_query_count_does_not_grow_with_sessions(
    tenant_a, superuser, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import SupportSession

    _allow(tenant_a)
    owner = client_for(tenant_a, tenant_a.owner)

    def add_session():
        now = timezone.now()
        SupportSession.objects.create(
            superuser=superuser,
            user=tenant_a.staff,
            tenant=tenant_a.tenant,
            reason=REASON,
            started_at=now,
            expires_at=now + timedelta(minutes=30),
        )

    add_session()
    with CaptureQueriesContext(connection) as few:
        assert owner.get("/settings/support/").status_code == 200
    for _ in range(20):
        add_session()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = owner.get("/settings/support/")
    assert page.content.decode().count("End now") == 21


@pytest.mark.parametrize(
    ("method", "path", "elevated", "allowed"),
    [
        ("GET", "/suppliers/", False, True),
        ("POST", "/suppliers/new/", False, False),
        ("POST", "/suppliers/new/", True, True),
        ("POST", "/support/end/", False, True),
        ("POST", "/logout/", False, True),
        ("GET", "/account/password/", True, False),
        ("POST", "/account/sessions/revoke/", True, False),
        ("POST", "/api/v1/auth/token/", True, False),
        ("GET", "/api/v1/privacy/members/3/export/", True, False),
        ("POST", "/api/v1/privacy/contacts/3/erase/", True, False),
        ("GET", "/privacy/members/3/", True, False),
        ("GET", "/privacy/my-data/export/", True, False),
        ("POST", "/privacy/contacts/3/erase/", True, False),
        ("GET", "/privacy/retention/", False, True),
        ("GET", "/members/", True, True),
        ("POST", "/members/3/role/", True, False),
        ("POST", "/settings/security/", True, False),
        ("GET", "/settings/offboarding/", True, False),
        ("POST", "/settings/support/", True, False),
        ("DELETE", "/api/v1/suppliers/3/", False, False),
    ],
)
def test_what_a_support_session_may_request(method, path, elevated, allowed):
    from apps.accounts.support import support_request_refusal

    session = SupportSession(elevated_at=timezone.now() if elevated else None)
    assert (support_request_refusal(session=session, method=method, path=path) == "") is allowed
