"""The owner's getting-started checklist: derived from real data, hidden when complete or dismissed."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Invitation
from apps.accounts.services import invitation_create, membership_ensure, user_ensure
from apps.audit.models import AuditEvent
from apps.partners.tests.factories import SupplierFactory
from apps.tenants.models import Client, Domain
from apps.tenants.selectors import onboarding_status
from apps.tenants.services import tenant_create


@pytest.fixture
def fresh(world, db):
    """A tenant just signed up for: only its owner, default branding, no domain of its own, no suppliers."""
    tenant = tenant_create(schema_name="fresh", name="Fresh Cuts", domain="fresh.localhost", owner_email="o@fresh.test")
    owner = user_ensure(email="o@fresh.test")
    return tenant, owner


def _steps(tenant) -> dict[str, bool]:
    return {step.key: step.done for step in onboarding_status(Client.objects.get(pk=tenant.pk)).steps}


def _update(tenant, **fields) -> None:
    current = Client.objects.get(pk=tenant.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    current.save(update_fields=[*fields, "updated_at"])


def test_new_tenant_has_every_step_open(fresh):
    tenant, _ = fresh
    status = onboarding_status(tenant)
    assert [step.key for step in status.steps] == ["invite", "logo", "colours", "domain", "supplier"]
    assert status.done_count == 0 and status.visible and not status.complete


def test_each_step_follows_the_data(fresh):
    tenant, owner = fresh
    invitation = invitation_create(tenant=tenant, email="mate@example.test", role="staff", invited_by=owner)
    assert _steps(tenant)["invite"]
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    assert not _steps(tenant)["invite"], "a revoked invitation does not count"
    membership_ensure(user=user_ensure(email="colleague@example.test"), tenant=tenant, role="viewer")
    assert _steps(tenant)["invite"], "a colleague added directly counts"

    _update(tenant, logo="fresh/branding/logo-x.png")
    assert _steps(tenant)["logo"]
    _update(tenant, secondary_color="#000000")
    assert _steps(tenant)["colours"]

    Domain.objects.create(domain="cuts.example.com", tenant=tenant, is_verified=False)
    assert not _steps(tenant)["domain"], "an unverified domain is not done yet"
    Domain.objects.filter(domain="cuts.example.com").update(is_verified=True)
    assert _steps(tenant)["domain"]

    with schema_context("fresh"):
        SupplierFactory()
    steps = _steps(tenant)
    assert steps["supplier"]
    assert all(steps.values())
    assert not onboarding_status(tenant).visible, "a complete checklist is hidden"


def test_the_platform_subdomain_is_not_a_custom_domain(fresh):
    tenant, _ = fresh
    Domain.objects.create(domain="fresh-alias.localhost", tenant=tenant, is_verified=True)
    assert not _steps(tenant)["domain"]


def test_domain_step_is_left_out_when_the_plan_has_no_custom_domains(fresh):
    tenant, _ = fresh
    _update(tenant, plan="starter")
    assert "domain" not in _steps(tenant)


def test_suppliers_of_another_tenant_do_not_count(fresh):
    tenant, _ = fresh
    with schema_context("alpha"):
        SupplierFactory()
    assert not _steps(tenant)["supplier"]


def test_status_costs_the_same_queries_however_much_data(fresh, django_assert_max_num_queries):
    tenant, owner = fresh
    for number in range(15):
        invitation_create(tenant=tenant, email=f"p{number}@example.test", role="staff", invited_by=owner)
        Domain.objects.create(domain=f"d{number}.example.com", tenant=tenant)
    with schema_context("fresh"):
        SupplierFactory.create_batch(20)
    # Three reads (tenant + annotations, domains, one supplier) plus django-tenants' search_path switches.
    with django_assert_max_num_queries(6):
        onboarding_status(tenant)


# --- Pages ----------------------------------------------------------------------------------------------


def test_owner_sees_the_checklist_on_settings_and_branding(fresh, client_for):
    _, owner = fresh
    page = client_for("fresh.localhost", owner)
    for url in ("/settings/", "/settings/branding/"):
        response = page.get(url)
        assert response.status_code == 200
        assert "Get started (0 of 5 done)" in response.text
        assert 'href="/suppliers/new/"' in response.text


def test_admins_see_settings_without_the_owner_checklist(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.admin).get("/settings/")
    assert response.status_code == 200
    assert "Get started" not in response.text and "/settings/plan/" not in response.text


def test_owner_dismisses_for_the_whole_tenant_and_it_is_audited(tenant_a, tenant_b, client_for):
    page = client_for(tenant_a, tenant_a.owner)
    assert "Get started" in page.get("/settings/").text
    response = page.post("/settings/onboarding/dismiss/", {"next": "/settings/branding/"})
    assert response.status_code == 302 and response["Location"] == "/settings/branding/"
    assert Client.objects.get(pk=tenant_a.tenant.pk).onboarding_dismissed_at is not None
    assert "Get started" not in page.get("/settings/").text
    with schema_context("alpha"):
        assert AuditEvent.objects.filter(action="tenant.onboarding_dismiss").count() == 1
    assert "Get started" in client_for(tenant_b, tenant_b.owner).get("/settings/").text, "per tenant"


def test_dismiss_redirect_never_leaves_the_host(tenant_a, client_for):
    response = client_for(tenant_a, tenant_a.owner).post(
        "/settings/onboarding/dismiss/", {"next": "https://evil.test/"}
    )
    assert response["Location"] == "/settings/"


@pytest.mark.parametrize("role", ["admin", "manager", "staff", "viewer"])
def test_only_owners_can_dismiss(tenant_a, client_for, role):
    assert client_for(tenant_a, tenant_a.user(role)).post("/settings/onboarding/dismiss/").status_code == 403
    assert Client.objects.get(pk=tenant_a.tenant.pk).onboarding_dismissed_at is None


def test_other_tenants_owner_outsider_and_anonymous_are_refused(tenant_a, tenant_b, outsider, client_for):
    for user in (tenant_b.owner, outsider):
        assert client_for(tenant_a, user).post("/settings/onboarding/dismiss/").status_code == 403
        assert client_for(tenant_a, user).get("/settings/").status_code == 403
    anonymous = client_for(tenant_a).post("/settings/onboarding/dismiss/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client_for(tenant_a).get("/settings/").status_code == 302
    assert client_for(tenant_a, tenant_a.viewer).get("/settings/").status_code == 403
    assert Client.objects.get(pk=tenant_a.tenant.pk).onboarding_dismissed_at is None


def test_dismiss_needs_post(tenant_a, client_for):
    assert client_for(tenant_a, tenant_a.owner).get("/settings/onboarding/dismiss/").status_code == 405


# --- Template tag for the dashboard ---------------------------------------------------------------------


def _render_tag(tenant_world, user) -> str:
    request = RequestFactory().get("/", HTTP_HOST=tenant_world.domain)
    request.tenant = Client.objects.get(pk=tenant_world.tenant.pk)
    request.user = user
    return Template("{% load onboarding %}{% onboarding_checklist %}").render(Context({"request": request}))


def test_checklist_tag_renders_for_owners_only(tenant_a):
    assert "Get started" in _render_tag(tenant_a, tenant_a.owner)
    assert _render_tag(tenant_a, tenant_a.admin).strip() == ""
