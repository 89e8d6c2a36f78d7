"""E-mailing documents through the job queue (PDF attached, send on the history and in the audit log) and
the company details page."""

from decimal import Decimal

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice
from apps.audit.models import AuditEvent
from apps.documents.models import CompanyDetails, DocumentSend
from apps.documents.tasks import send_document
from apps.documents.tests.conftest import pdf_text
from apps.partners.tests.factories import ContactFactory, CustomerFactory
from apps.purchasing.tests.factories import order_with_lines as purchase_order_with_lines


def _invoice_with_contact(world):
    with tenant_context(world.tenant):
        customer = CustomerFactory(email="ap@harbor.test", credit_limit=Decimal("1e7"))
        ContactFactory(supplier=None, customer=customer, name="Dana Payables", email="dana@harbor.test")
        return issued_invoice(world.manager, customer=customer)


def test_emailed_invoice_arrives_with_the_pdf_and_is_on_the_history(
    tenant_a, client_for, in_memory_queue, django_capture_on_commit_callbacks
):
    invoice = _invoice_with_contact(tenant_a)
    client = client_for(tenant_a, tenant_a.manager)
    page = client.get(f"/invoices/{invoice.pk}/send/")
    assert page.status_code == 200 and b"dana@harbor.test" in page.content and b"ap@harbor.test" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/invoices/{invoice.pk}/send/",
            {"to": ["dana@harbor.test"], "other": "boss@harbor.test", "message": "Thanks for your business."},
        )
    assert response.status_code == 302
    (job,) = in_memory_queue.jobs.values()
    assert job["task_name"] == "documents.send_document" and job["args"]["schema_name"] == "alpha"
    assert send_document.task(**job["args"]) == "sent"
    (message,) = mail.outbox
    assert message.to == ["dana@harbor.test", "boss@harbor.test"] and invoice.number in message.subject
    assert "Thanks for your business." in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"invoice-{invoice.number}.pdf", "application/pdf")
    assert invoice.number in pdf_text(content)
    with tenant_context(tenant_a.tenant):
        send = DocumentSend.objects.get()
        assert send.status == "sent" and send.sent_at is not None and send.object_id == invoice.pk
        assert AuditEvent.objects.filter(action="invoice.send", object_id=str(invoice.pk)).exists()
        assert AuditEvent.objects.filter(action="documentsend.sent", object_id=str(send.pk)).exists()
    detail = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Sent by e-mail" in detail and "dana@harbor.test, boss@harbor.test" in detail
    assert send_document.task(**job["args"]) == "skipped"  # a retried job sends nothing twice
    assert len(mail.outbox) == 1


def test_send_refuses_bad_or_missing_recipients_without_queueing(tenant_a, client_for, in_memory_queue):
    invoice = _invoice_with_contact(tenant_a)
    client = client_for(tenant_a, tenant_a.manager)
    for data in ({"other": "not-an-address"}, {}, {"to": ["someone@else.test"]}):
        response = client.post(f"/invoices/{invoice.pk}/send/", data)
        assert response.status_code == 400, data
    assert not in_memory_queue.jobs
    with tenant_context(tenant_a.tenant):
        assert not DocumentSend.objects.exists()


def test_purchase_order_goes_to_the_supplier(tenant_a, client_for, in_memory_queue, django_capture_on_commit_callbacks):
    with tenant_context(tenant_a.tenant):
        order = purchase_order_with_lines()
        ContactFactory(supplier=order.supplier, email="sales@packer.test")
    client = client_for(tenant_a, tenant_a.manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/purchase-orders/{order.pk}/send/", {"to": ["sales@packer.test"]}).status_code == 302
    (job,) = in_memory_queue.jobs.values()
    send_document.task(**job["args"])
    (message,) = mail.outbox
    assert order.number in pdf_text(message.attachments[0][1]) and message.to == ["sales@packer.test"]
    assert b"sales@packer.test" in client.get(f"/purchase-orders/{order.pk}/").content


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_roles_below_manager_cannot_send(tenant_a, client_for, role):
    invoice = _invoice_with_contact(tenant_a)
    client = client_for(tenant_a, tenant_a.user(role))
    assert client.get(f"/invoices/{invoice.pk}/send/").status_code == 403
    assert client.post(f"/invoices/{invoice.pk}/send/", {"other": "x@y.test"}).status_code == 403


def test_another_tenants_document_cannot_be_sent(tenant_a, tenant_b, client_for, outsider, in_memory_queue):
    invoice = _invoice_with_contact(tenant_b)
    assert (
        client_for(tenant_a, tenant_a.owner).post(f"/invoices/{invoice.pk}/send/", {"other": "x@y.test"}).status_code
        == 404
    )
    assert client_for(tenant_b, outsider).post(f"/invoices/{invoice.pk}/send/", {"other": "x@y.test"}).status_code in (
        302,
        403,
    )
    assert not in_memory_queue.jobs


def test_company_details_page_saves_audits_and_is_for_administrators(tenant_a, tenant_b, client_for):
    url = "/settings/company/"
    assert client_for(tenant_a, tenant_a.manager).get(url).status_code == 403
    client = client_for(tenant_a, tenant_a.admin)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"legal_name": "Alpha Meats LLC", "country": "usa", "email": "nope"})
    assert bad.status_code == 400 and b"two-letter" in bad.content
    data = {"legal_name": "Alpha Meats LLC", "country": "US", "tax_id": "EIN 12-3456789", "bank_details": "Acct 1"}
    assert client.post(url, data).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert CompanyDetails.objects.get().tax_id == "EIN 12-3456789"
        assert AuditEvent.objects.filter(action="companydetails.update").exists()
    with tenant_context(tenant_b.tenant):
        assert not CompanyDetails.objects.exists()
    assert b"Alpha Meats LLC" not in client_for(tenant_b, tenant_b.admin).get(url).content


def test_a_refused_mail_is_recorded_as_failed_on_the_history(
    tenant_a, client_for, in_memory_queue, django_capture_on_commit_callbacks, settings, monkeypatch
):
    invoice = _invoice_with_contact(tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(tenant_a, tenant_a.manager).post(f"/invoices/{invoice.pk}/send/", {"to": ["ap@harbor.test"]})
    (job,) = in_memory_queue.jobs.values()

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert send_document.task(**job["args"]) == "failed"
    with tenant_context(tenant_a.tenant):
        send = DocumentSend.objects.get()
        assert send.status == "failed" and "refused" in send.error
    assert "Failed" in client_for(tenant_a, tenant_a.manager).get(f"/invoices/{invoice.pk}/").content.decode()
