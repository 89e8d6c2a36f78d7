"""E-mailing sales-order confirmations and claims: to the partner's contacts, through the job queue, PDF
attached, on the document's history and in the audit log; refused to lower roles and across tenants."""

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.claims.tests.factories import ClaimFactory
from apps.documents.models import DocumentSend
from apps.documents.tasks import send_document
from apps.documents.tests.conftest import pdf_text
from apps.partners.tests.factories import ContactFactory
from apps.purchasing.tests.factories import order_with_lines as purchase_order_with_lines
from apps.sales.tests.factories import order_with_lines


def _send(client, url, recipients, queue, capture):
    with capture(execute=True):
        response = client.post(url, {"to": recipients, "message": "Please find it attached."})
    assert response.status_code == 302, response.content[:500]
    (job,) = queue.jobs.values()
    assert send_document.task(**job["args"]) == "sent"
    (message,) = mail.outbox
    return message


def test_order_confirmation_is_mailed_to_the_customers_contact_with_the_pdf(
    tenant_a, client_for, in_memory_queue, django_capture_on_commit_callbacks
):
    with tenant_context(tenant_a.tenant):
        order = order_with_lines(2, status="confirmed")
        ContactFactory(supplier=None, customer=order.customer, name="Buyer", email="buyer@customer.test")
    client = client_for(tenant_a, tenant_a.manager)
    detail = client.get(f"/sales-orders/{order.pk}/").content.decode()
    assert f"/sales-orders/{order.pk}/send/" in detail and "Not sent yet" in detail
    page = client.get(f"/sales-orders/{order.pk}/send/")
    assert page.status_code == 200 and b"buyer@customer.test" in page.content
    message = _send(
        client, f"/sales-orders/{order.pk}/send/", ["buyer@customer.test"], in_memory_queue,
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert message.to == ["buyer@customer.test"] and order.number in message.subject
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"order-confirmation-{order.number}.pdf", "application/pdf")
    text = pdf_text(content)
    assert order.number in text and order.customer.name in text
    with tenant_context(tenant_a.tenant):
        send = DocumentSend.objects.get()
        assert (send.kind, send.object_id, send.status) == ("sales_order", order.pk, "sent")
        assert AuditEvent.objects.filter(action="salesorder.send", object_id=str(order.pk)).exists()
    assert "buyer@customer.test" in client.get(f"/sales-orders/{order.pk}/").content.decode()


@pytest.mark.parametrize("side", ["sales", "purchase"])
def test_claim_is_mailed_to_its_customer_or_supplier_with_the_pdf(
    side, tenant_a, client_for, in_memory_queue, django_capture_on_commit_callbacks
):
    with tenant_context(tenant_a.tenant):
        if side == "sales":
            claim = ClaimFactory()
            partner = claim.sales_line.order.customer
            ContactFactory(supplier=None, customer=partner, email="claims@party.test")
        else:
            line = purchase_order_with_lines(1, status="received").lines.get()
            claim = ClaimFactory(sales_line=None, purchase_line=line)
            partner = line.order.supplier
            ContactFactory(supplier=partner, email="claims@party.test")
    client = client_for(tenant_a, tenant_a.manager)
    assert f"/claims/{claim.pk}/send/" in client.get(f"/claims/{claim.pk}/").content.decode()
    message = _send(
        client, f"/claims/{claim.pk}/send/", ["claims@party.test"], in_memory_queue,
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert f"Claim #{claim.pk}" in message.subject
    ((name, content, _mimetype),) = message.attachments
    assert name == f"claim-{claim.pk}.pdf" and partner.name in pdf_text(content)
    with tenant_context(tenant_a.tenant):
        assert DocumentSend.objects.get().kind == "claim"
        assert AuditEvent.objects.filter(action="claim.send", object_id=str(claim.pk)).exists()
    assert "claims@party.test" in client.get(f"/claims/{claim.pk}/").content.decode()


def test_sending_orders_and_claims_is_for_managers_of_the_same_tenant(
    tenant_a, tenant_b, client_for, outsider, in_memory_queue
):
    with tenant_context(tenant_b.tenant):
        order = order_with_lines(1, status="confirmed")
        claim = ClaimFactory()
    for url in (f"/sales-orders/{order.pk}/send/", f"/claims/{claim.pk}/send/"):
        assert client_for(tenant_a, tenant_a.owner).get(url).status_code == 404
        assert client_for(tenant_a, tenant_a.owner).post(url, {"other": "x@y.test"}).status_code == 404
        assert client_for(tenant_b, tenant_b.staff).post(url, {"other": "x@y.test"}).status_code == 403
        assert client_for(tenant_b, outsider).post(url, {"other": "x@y.test"}).status_code in (302, 403)
    assert not in_memory_queue.jobs


def test_a_draft_or_cancelled_order_has_no_confirmation_to_send(tenant_a, client_for, in_memory_queue):
    with tenant_context(tenant_a.tenant):
        draft, cancelled = order_with_lines(1), order_with_lines(1, status="cancelled")
    client = client_for(tenant_a, tenant_a.manager)
    for order in (draft, cancelled):
        assert f"/sales-orders/{order.pk}/send/" not in client.get(f"/sales-orders/{order.pk}/").content.decode()
        response = client.post(f"/sales-orders/{order.pk}/send/", {"other": "buyer@customer.test"})
        assert response.status_code == 302 and response.url == f"/sales-orders/{order.pk}/"
    assert not in_memory_queue.jobs
    with tenant_context(tenant_a.tenant):
        assert not DocumentSend.objects.exists()
