"""Plans: member and storage quotas, API requests per minute (429 + Retry-After), feature flags, plan page."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from PIL import Image
from procrastinate import testing
from procrastinate.contrib.django import app

from apps.accounts.models import Membership
from apps.accounts.services import (
    invitation_accept,
    invitation_create,
    membership_deactivate,
    membership_ensure,
    membership_reactivate,
    user_ensure,
)
from apps.tenants.domains import domain_add
from apps.tenants.models import Client
from apps.tenants.plans import (
    FeatureUnavailable,
    QuotaExceeded,
    feature_enabled,
    tenant_features,
    tenant_limits,
    validate_overrides,
)
from apps.tenants.quotas import storage_delete, storage_save
from apps.tenants.signup import tenant_signup
from backend.tenant_export import delete_storage_prefix


def _set(tenant_world, **fields) -> Client:
    """Change plan fields the way admin does (save(): cached routing of the tenant is refreshed)."""
    tenant = Client.objects.get(pk=tenant_world.tenant.pk)
    for name, value in fields.items():
        setattr(tenant, name, value)
    tenant.save(update_fields=[*fields, "updated_at"])
    return tenant


@pytest.fixture(autouse=True)
def _clean_storage():
    yield
    for prefix in ("alpha", "beta"):
        delete_storage_prefix(prefix=prefix)


# --- Plans and overrides --------------------------------------------------------------------------------


def test_plan_defaults_and_per_tenant_overrides(tenant_a):
    tenant = _set(tenant_a, plan="starter")
    assert tenant_limits(tenant).max_members == 5
    assert feature_enabled(tenant, "custom_domains") is False
    tenant = _set(tenant_a, quota_overrides={"max_members": 7}, feature_overrides={"custom_domains": True})
    assert tenant_limits(tenant).max_members == 7
    assert tenant_limits(tenant).api_requests_per_minute == 60, "limits not overridden keep the plan's value"
    assert feature_enabled(tenant, "custom_domains") is True
    assert tenant_features(tenant)["api_access"] is False
    tenant = _set(tenant_a, plan="enterprise", quota_overrides={})
    assert tenant_limits(tenant).max_members is None


def test_unknown_feature_name_is_an_error(tenant_a):
    with pytest.raises(KeyError, match="unknown feature"):
        feature_enabled(tenant_a.tenant, "teleportation")


@pytest.mark.parametrize(
    ("quotas", "features", "field"),
    [
        ({"max_members": -1}, {}, "quota_overrides"),
        ({"max_members": "ten"}, {}, "quota_overrides"),
        ({"max_members": True}, {}, "quota_overrides"),
        ({"max_seats": 3}, {}, "quota_overrides"),
        ([], {}, "quota_overrides"),
        ({}, {"custom_domains": "yes"}, "feature_overrides"),
        ({}, {"warp": True}, "feature_overrides"),
    ],
)
def test_malformed_overrides_are_refused(quotas, features, field):
    with pytest.raises(ValidationError) as excinfo:
        validate_overrides(quota_overrides=quotas, feature_overrides=features)
    assert field in excinfo.value.message_dict


def test_valid_overrides_pass_including_unlimited():
    validate_overrides(
        quota_overrides={"max_members": None, "max_storage_bytes": 0}, feature_overrides={"api_access": True}
    )


def test_self_service_signup_starts_on_the_starter_plan(world, db):
    with app.replace_connector(testing.InMemoryConnector()):
        tenant = tenant_signup(
            company_name="Tiny Meats", subdomain="tiny-meats", email="f@tiny.test", password="tender-brisket-42-smoke"
        )
    assert tenant.plan == "starter"


def test_create_tenant_refuses_an_unknown_plan(world, db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Unknown plan"):
        call_command(
            "create_tenant", "--schema", "planx", "--name", "X", "--domain", "planx.localhost",
            "--owner-email", "o@x.test", "--plan", "platinum",
        )  # fmt: skip


# --- Members --------------------------------------------------------------------------------------------


def test_invitation_at_the_member_limit_is_refused_with_a_clear_error(tenant_a):
    tenant = _set(tenant_a, quota_overrides={"max_members": 5})  # the world has 5 active members
    with pytest.raises(QuotaExceeded) as excinfo:
        invitation_create(tenant=tenant, email="one-more@example.test", role="staff", invited_by=tenant_a.admin)
    assert excinfo.value.field == "email" and excinfo.value.code == "quota_exceeded"
    assert "allows 5 members and you have 5 members" in excinfo.value.message


def test_pending_invitations_count_against_the_limit(tenant_a):
    tenant = _set(tenant_a, quota_overrides={"max_members": 6})
    invitation_create(tenant=tenant, email="first@example.test", role="staff", invited_by=tenant_a.admin)
    # Re-inviting the same address replaces its invitation and still fits.
    invitation_create(tenant=tenant, email="first@example.test", role="viewer", invited_by=tenant_a.admin)
    with pytest.raises(QuotaExceeded, match="1 pending invitations"):
        invitation_create(tenant=tenant, email="second@example.test", role="staff", invited_by=tenant_a.admin)


def test_invite_page_shows_the_quota_error_as_400(tenant_a, client_for):
    _set(tenant_a, quota_overrides={"max_members": 5})
    page = client_for(tenant_a, tenant_a.admin)
    response = page.post("/members/invite/", {"email": "more@example.test", "role": "staff"})
    assert response.status_code == 400
    assert "allows 5 members" in response.text


def test_accepting_an_invitation_when_the_tenant_filled_up_is_refused(tenant_a, mailoutbox):
    tenant = _set(tenant_a, quota_overrides={"max_members": 6})
    invitation_create(tenant=tenant, email="late@example.test", role="staff", invited_by=tenant_a.admin)
    token = mailoutbox[-1].body.split("/invitations/")[1].split("/")[0]
    _set(tenant_a, quota_overrides={"max_members": 5})
    with pytest.raises(QuotaExceeded):
        invitation_accept(token=token, password="tender-brisket-42-smoke", full_name="Late Comer")
    assert not Membership.objects.filter(tenant=tenant, user__email="late@example.test").exists()


def test_membership_ensure_and_reactivation_respect_the_limit(tenant_a):
    tenant = _set(tenant_a, quota_overrides={"max_members": 5})
    with pytest.raises(QuotaExceeded):
        membership_ensure(user=user_ensure(email="direct@example.test"), tenant=tenant, role="staff")
    membership_ensure(user=tenant_a.staff, tenant=tenant, role="manager"), "existing members may change role"
    staff = Membership.objects.get(user=tenant_a.staff, tenant=tenant)
    membership_deactivate(membership=staff, actor=tenant_a.owner)
    membership_ensure(user=user_ensure(email="replacement@example.test"), tenant=tenant, role="staff")
    with pytest.raises(QuotaExceeded):
        membership_reactivate(membership=staff, actor=tenant_a.owner)


# --- Storage --------------------------------------------------------------------------------------------


def test_storage_save_counts_bytes_and_refuses_what_does_not_fit(tenant_a):
    tenant = _set(tenant_a, quota_overrides={"max_storage_bytes": 1000})
    name = storage_save(tenant=tenant, name="alpha/docs/a.bin", content=ContentFile(b"x" * 600), field="file")
    assert Client.objects.get(pk=tenant.pk).storage_bytes_used == 600
    with pytest.raises(QuotaExceeded) as excinfo:
        storage_save(tenant=tenant, name="alpha/docs/b.bin", content=ContentFile(b"y" * 401), field="file")
    assert excinfo.value.field == "file" and "Not enough storage" in excinfo.value.message
    assert not default_storage.exists("alpha/docs/b.bin")
    storage_save(tenant=tenant, name="alpha/docs/c.bin", content=ContentFile(b"z" * 400))
    storage_delete(tenant=tenant, name=name)
    assert Client.objects.get(pk=tenant.pk).storage_bytes_used == 400
    assert not default_storage.exists(name)


def test_storage_of_one_tenant_does_not_count_against_another(tenant_a, tenant_b):
    a = _set(tenant_a, quota_overrides={"max_storage_bytes": 100})
    storage_save(tenant=a, name="alpha/docs/full.bin", content=ContentFile(b"x" * 100))
    b = _set(tenant_b, quota_overrides={"max_storage_bytes": 100})
    storage_save(tenant=b, name="beta/docs/ok.bin", content=ContentFile(b"x" * 100))
    assert Client.objects.get(pk=b.pk).storage_bytes_used == 100


def _png(size=(400, 300)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def test_branding_upload_over_the_storage_quota_is_a_form_error(tenant_a, client_for):
    _set(tenant_a, quota_overrides={"max_storage_bytes": 1000})
    page = client_for(tenant_a, tenant_a.admin)
    response = page.post(
        "/settings/branding/", {"primary_color": "#112233", "secondary_color": "#445566", "logo": _png()}
    )
    assert response.status_code == 400
    assert "Not enough storage" in response.text
    assert Client.objects.get(pk=tenant_a.tenant.pk).logo == ""


def test_replaced_logo_gives_its_bytes_back(tenant_a, client_for, django_capture_on_commit_callbacks):
    page = client_for(tenant_a, tenant_a.admin)
    colours = {"primary_color": "#112233", "secondary_color": "#445566"}
    first = _png((50, 50))
    assert page.post("/settings/branding/", {**colours, "logo": first}).status_code == 302
    used_first = Client.objects.get(pk=tenant_a.tenant.pk).storage_bytes_used
    assert used_first == first.size
    second = _png((60, 60))
    with django_capture_on_commit_callbacks(execute=True):
        assert page.post("/settings/branding/", {**colours, "logo": second}).status_code == 302
    assert Client.objects.get(pk=tenant_a.tenant.pk).storage_bytes_used == second.size


# --- API rate limit and access --------------------------------------------------------------------------


@pytest.fixture
def fixed_clock(monkeypatch):
    """Pin the rate-limit clock 35 s into a one-minute window, so no window boundary falls mid-test."""
    import backend.ratelimit

    monkeypatch.setattr(backend.ratelimit, "_now", lambda: 60 * 16_666_667 + 35)


def test_api_requests_over_the_per_minute_limit_get_429_with_retry_after(tenant_a, tenant_b, client_for, fixed_clock):
    _set(tenant_a, quota_overrides={"api_requests_per_minute": 3})
    _set(tenant_b, quota_overrides={"api_requests_per_minute": 3})
    api = client_for(tenant_a, tenant_a.staff)
    for _ in range(3):
        assert api.get("/api/v1/auth/whoami/").status_code == 200
    refused = api.get("/api/v1/auth/whoami/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "25"  # seconds left in the pinned window
    # Keyed by tenant + user: a colleague, and the same limit in another tenant, are unaffected.
    assert client_for(tenant_a, tenant_a.viewer).get("/api/v1/auth/whoami/").status_code == 200
    assert client_for(tenant_b, tenant_b.staff).get("/api/v1/auth/whoami/").status_code == 200


def test_bearer_token_requests_are_limited_too(tenant_a, client_for, fixed_clock):
    from django.test import Client as DjangoClient

    from apps.accounts.tokens import api_token_create

    _set(tenant_a, quota_overrides={"api_requests_per_minute": 2})
    _, raw = api_token_create(user=tenant_a.staff, tenant=tenant_a.tenant, name="ci")
    api = DjangoClient(HTTP_HOST=tenant_a.domain, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [api.get("/api/v1/auth/whoami/").status_code for _ in range(3)] == [200, 200, 429]


def test_plan_without_api_access_answers_403(tenant_a, client_for):
    _set(tenant_a, plan="starter")
    response = client_for(tenant_a, tenant_a.staff).get("/api/v1/auth/whoami/")
    assert response.status_code == 403
    assert "does not include API access" in response.json()["detail"]


# --- Feature flags in services and templates ------------------------------------------------------------


def test_custom_domains_need_the_feature(tenant_a, client_for):
    tenant = _set(tenant_a, plan="starter")
    with pytest.raises(FeatureUnavailable):
        domain_add(tenant=tenant, domain="meat.example.com", actor=tenant_a.admin)
    page = client_for(tenant_a, tenant_a.admin)
    assert "not included in your plan" in page.get("/settings/domains/").text
    assert page.post("/settings/domains/", {"domain": "meat.example.com"}).status_code == 400
    _set(tenant_a, feature_overrides={"custom_domains": True})
    assert page.post("/settings/domains/", {"domain": "meat.example.com"}).status_code == 302


def test_feature_enabled_template_tag_reads_the_active_tenant(tenant_a):
    request = RequestFactory().get("/")
    request.tenant = _set(tenant_a, plan="starter", feature_overrides={"api_access": True})
    template = Template(
        '{% load tenant_plans %}{% feature_enabled "api_access" as api %}{% feature_enabled "custom_domains" as dom %}'
        "{{ api }}/{{ dom }}"
    )
    assert template.render(Context({"request": request})) == "True/False"


# --- Plan page ------------------------------------------------------------------------------------------


def test_owner_sees_usage_against_limits(tenant_a, client_for):
    _set(tenant_a, plan="starter", storage_bytes_used=2048, quota_overrides={"max_members": 8})
    invitation_create(tenant=tenant_a.tenant, email="pending@example.test", role="staff", invited_by=tenant_a.owner)
    page = client_for(tenant_a, tenant_a.owner).get("/settings/plan/")
    assert page.status_code == 200
    text = page.text
    assert "Your plan: Starter" in text
    assert "<td>6 (75%)</td>" in text and "<td>8</td>" in text  # 5 members + 1 pending invitation of 8
    assert "2.0\xa0KB" in text and "500.0\xa0MB" in text
    assert "Custom domains: not included" in text


@pytest.mark.parametrize("role", ["admin", "manager", "staff", "viewer"])
def test_plan_page_is_for_owners_only(tenant_a, client_for, role):
    assert client_for(tenant_a, tenant_a.user(role)).get("/settings/plan/").status_code == 403


def test_plan_page_refuses_anonymous_outsiders_and_other_tenants_owners(tenant_a, tenant_b, outsider, client_for):
    anonymous = client_for(tenant_a).get("/settings/plan/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client_for(tenant_a, outsider).get("/settings/plan/").status_code == 403
    assert client_for(tenant_a, tenant_b.owner).get("/settings/plan/").status_code == 403


# --- Admin ----------------------------------------------------------------------------------------------


def _change_form_data(html: str) -> dict:
    """Every field the admin change form would submit, as it was rendered."""
    import re
    from html import unescape

    data: dict = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body.strip())
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = selected.group(1) if selected else ""
    return data


def test_superuser_changes_plan_and_overrides_in_admin_audited_in_public(tenant_a, admin_client_for):
    from django_tenants.utils import schema_context

    from apps.accounts.models import User
    from apps.audit.models import AuditEvent

    root = User.objects.create_superuser(email="root@platform.test", password="unused-Pa55word!")
    admin = admin_client_for(root)
    url = f"/admin/tenants/client/{tenant_a.tenant.pk}/change/"
    data = _change_form_data(admin.get(url).text)
    bad = admin.post(url, {**data, "quota_overrides": '{"max_seats": 3}'})
    assert bad.status_code == 200 and "Unknown limit" in bad.text
    response = admin.post(
        url, {**data, "plan": "enterprise", "quota_overrides": '{"max_members": 40}', "feature_overrides": "{}"}
    )
    assert response.status_code == 302, response.text[:2000]
    tenant = Client.objects.get(pk=tenant_a.tenant.pk)
    assert tenant.plan == "enterprise" and tenant_limits(tenant).max_members == 40
    with schema_context("public"):
        event = AuditEvent.objects.get(action="tenant.plan_update")
    assert event.actor_id == root.pk
    assert event.changes["plan"] == ["business", "enterprise"]
    assert event.changes["quota_overrides"] == [{}, {"max_members": 40}]
