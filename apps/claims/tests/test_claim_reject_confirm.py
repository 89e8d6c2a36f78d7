"""Issue 18: rejecting a claim on its page asks first; only the confirmed POST rejects it."""

from decimal import Decimal

from django_tenants.utils import tenant_context

from apps.claims import services
from apps.claims.models import Claim
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import order_with_lines


def test_reject_asks_first_and_only_the_confirmed_post_rejects(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        line = order_with_lines(status=SalesOrder.Status.DELIVERED).lines.get()
        data = {"sales_line": line, "reason": Claim.Reason.SHORTAGE, "amount": Decimal("250.00")}
        claim = services.claim_create(user=tenant_a.staff, data=data)
    client = client_for(tenant_a, tenant_a.manager)
    url = f"/claims/{claim.pk}/reject/"
    asked = client.post(url)
    assert asked.status_code == 200 and 'role="alertdialog"' in asked.text
    with tenant_context(tenant_a.tenant):
        assert Claim.objects.get(pk=claim.pk).status == Claim.Status.OPEN
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert Claim.objects.get(pk=claim.pk).status == Claim.Status.REJECTED
