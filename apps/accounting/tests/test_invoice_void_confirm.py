"""Issue 18: voiding an invoice on its page asks first; only the confirmed POST voids it; others get 403/404."""

from django_tenants.utils import tenant_context

from apps.accounting.models import Invoice
from apps.accounting.tests.factories import issued_invoice


def test_void_asks_first_and_only_the_confirmed_post_voids(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        invoice = issued_invoice(tenant_a.manager)
    client = client_for(tenant_a, tenant_a.manager)
    url = f"/invoices/{invoice.pk}/void/"
    page = client.get(f"/invoices/{invoice.pk}/").text
    assert "danger-outline" in page and "Void…" in page  # looks destructive, says it asks
    asked = client.post(url)
    assert asked.status_code == 200 and "Void INV-" in asked.text and 'name="confirmed" value="yes"' in asked.text
    with tenant_context(tenant_a.tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.VOID


def test_confirmed_void_is_refused_to_viewers(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        invoice = issued_invoice(tenant_a.manager)
    response = client_for(tenant_a, tenant_a.viewer).post(f"/invoices/{invoice.pk}/void/", {"confirmed": "yes"})
    assert response.status_code == 403
    with tenant_context(tenant_a.tenant):
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED
