"""The dashboard carries the compliance countdowns and, for owners, the onboarding checklist."""

import datetime

from django_tenants.utils import tenant_context

from apps.compliance.models import ComplianceTask
from backend.clock import tenant_today


def test_dashboard_shows_upcoming_compliance_countdowns(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        ComplianceTask.objects.create(
            name="Renew carrier insurance", due_date=tenant_today() + datetime.timedelta(days=12)
        )
    page = client_for(tenant_a, tenant_a.viewer).get("/")
    assert page.status_code == 200
    assert "Coming up" in page.text and "Renew carrier insurance" in page.text


def test_onboarding_checklist_is_for_owners_only(tenant_a, client_for):
    assert "onboarding" in client_for(tenant_a, tenant_a.owner).get("/").text.lower()
    assert "onboarding" not in client_for(tenant_a, tenant_a.viewer).get("/").text.lower()
