"""Customer ledgers: a scripted history where the balance is invoices − payments − credits and equals the
AR-aging row; claim credits pay down their invoice and show where they went; the account page, statement
PDF/CSV and statement e-mail, with isolation and a fixed query count."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.accounting import services as accounting
from apps.accounting.ledgers import customer_balance, customer_ledger
from apps.accounting.models import Invoice, Payment
from apps.accounting.selectors import customer_open_balance
from apps.accounting.tests.factories import issued_invoice
from apps.claims import services as claims
from apps.documents.tests.conftest import pdf_text
from apps.partners.tests.factories import CustomerFactory
from apps.records.services import RecordInvalid
from apps.reports.selectors import ar_aging

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOW = datetime.datetime(2026, 11, 20, 10, tzinfo=CHICAGO)


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a.tenant):
        yield tenant_a


def _receipt(user, customer, amount, day, allocations=()):
    data = {"kind": Payment.Kind.RECEIPT, "customer": customer, "received_on": day, "amount": Decimal(amount)}
    return accounting.payment_record(
        user=user, data=data, allocations=[{"invoice": inv, "amount": Decimal(a)} for inv, a in allocations]
    )


def _history(manager):
    """Three invoices of 3000 in Sept–Nov, one part-paid, one paid, a payment on account, a claim credit
    on the November invoice, a loose credit and a voided invoice."""
    customer = CustomerFactory(credit_limit=Decimal("20000"))
    first = issued_invoice(manager, customer=customer, issued_on=datetime.date(2026, 9, 1))
    second = issued_invoice(manager, customer=customer, issued_on=datetime.date(2026, 10, 5))
    third = issued_invoice(manager, customer=customer, issued_on=datetime.date(2026, 11, 2))
    voided = issued_invoice(manager, customer=customer, issued_on=datetime.date(2026, 11, 3))
    accounting.invoice_void(invoice=voided, user=manager)
    _receipt(manager, customer, "3000", datetime.date(2026, 10, 1), [(first, "3000")])
    _receipt(manager, customer, "1500", datetime.date(2026, 11, 10), [(second, "1000")])  # 500 on account
    claim = claims.claim_create(
        user=manager, data={"sales_line": third.sales_order.lines.get(), "reason": "damage", "amount": Decimal("180")}
    )
    claims.claim_approve(claim=claim, user=manager)
    claims.claim_settle(claim=claim, user=manager)
    accounting.customer_credit_create(user=manager, customer=customer, amount=Decimal("75"), reason="Goodwill")
    return customer, first, second, third, claim


@time_machine.travel(NOW, tick=False)
def test_balance_is_invoices_less_payments_less_credits_and_equals_the_aging_row(in_a):
    customer, first, second, third, claim = _history(in_a.manager)
    invoices, payments, credits = Decimal("9000"), Decimal("4500"), Decimal("255")
    assert customer_balance(customer=customer) == invoices - payments - credits == Decimal("4245.00")
    (row,) = [row for row in ar_aging().rows if row["customer_id"] == customer.pk]
    assert row["total"] == Decimal("4245.00")
    assert row["credits"] == Decimal("575.00")  # 500 on account + the 75 credit not applied to an invoice
    # The credit-limit rule (drafts included, open orders) agrees when there are none.
    assert customer_open_balance(customer=customer) == Decimal("4245.00")
    ledger = customer_ledger(customer=customer, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 30))
    assert ledger.opening == Decimal("3000.00") and ledger.closing == Decimal("4245.00")
    assert [entry.kind for entry in ledger.entries] == ["payment", "invoice", "invoice", "payment", "credit", "credit"]
    assert ledger.entries[-1].balance == ledger.closing


@time_machine.travel(NOW, tick=False)
def test_a_settled_claim_credit_pays_down_its_invoice_and_shows_where_it_went(in_a, client_for):
    customer, _first, _second, third, claim = _history(in_a.manager)
    third.refresh_from_db()
    assert third.balance == Decimal("2820.00") and third.status == Invoice.Status.PARTIALLY_PAID
    application = claim.credit.applications.get()
    assert (application.invoice_id, application.amount) == (third.pk, Decimal("180.00"))
    page = client_for(in_a, in_a.viewer).get(f"/customers/{customer.pk}/account/").content.decode()
    assert "Goodwill" in page and third.number in page and "$180.00" in page
    invoice_page = client_for(in_a, in_a.viewer).get(f"/invoices/{third.pk}/").content.decode()
    assert "Credits applied" in invoice_page and "$2,820.00" in invoice_page


@time_machine.travel(NOW, tick=False)
def test_applying_a_credit_is_limited_to_what_is_left_and_to_the_customers_open_invoices(in_a):
    customer = CustomerFactory(credit_limit=Decimal("1e6"))
    invoice = issued_invoice(in_a.manager, customer=customer)
    other = issued_invoice(in_a.manager)
    credit = accounting.customer_credit_create(user=in_a.manager, customer=customer, amount=Decimal("100"), reason="x")
    with pytest.raises(RecordInvalid, match="another customer"):
        accounting.customer_credit_apply(user=in_a.manager, credit=credit, invoice=other, amount=Decimal("10"))
    accounting.customer_credit_apply(user=in_a.manager, credit=credit, invoice=invoice, amount=Decimal("60"))
    with pytest.raises(RecordInvalid, match="Only 40.00"):
        accounting.customer_credit_apply(user=in_a.manager, credit=credit, invoice=invoice, amount=Decimal("41"))
    with pytest.raises(Exception, match="does not allow"):
        accounting.customer_credit_apply(user=in_a.viewer, credit=credit, invoice=invoice, amount=Decimal("1"))
    invoice.refresh_from_db()
    assert invoice.paid == Decimal("60.00") and customer_balance(customer=customer) == Decimal("2900.00")


@time_machine.travel(NOW, tick=False)
def test_account_page_figures_and_a_fixed_number_of_queries(in_a, client_for):
    customer, *_ = _history(in_a.manager)
    client = client_for(in_a, in_a.viewer)
    url = f"/customers/{customer.pk}/account/?start=2026-09-01&end=2026-11-30"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="balance">$4,245.00' in text and "$20,000.00" in text
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in (3, 4, 5, 6, 7):
        issued_invoice(in_a.manager, customer=customer, issued_on=datetime.date(2026, 11, day))
        _receipt(in_a.manager, customer, "10", datetime.date(2026, 11, day))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    # Constant; about half are django-tenants' SET search_path before each query.
    assert len(few) == len(many) <= 48, (len(few), len(many))


@time_machine.travel(NOW, tick=False)
def test_statement_pdf_and_csv_for_a_period(in_a, client_for):
    customer, first, second, third, _claim = _history(in_a.manager)
    client = client_for(in_a, in_a.viewer)
    query = "?start=2026-10-01&end=2026-11-30"
    text = pdf_text(client.get(f"/customers/{customer.pk}/statement.pdf{query}").content)
    assert "Statement" in text and customer.name in text and customer.code in text
    assert second.number in text and third.number in text and first.number not in text
    assert "Opening balance" in text and "$3,000.00" in text and "Amount due" in text and "$4,245.00" in text
    csv_text = client.get(f"/customers/{customer.pk}/statement.csv{query}").content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[1].startswith("2026-10-01,opening") and lines[-1].endswith(",4245.00")
    bad = client.get(f"/customers/{customer.pk}/account/?start=2026-12-01&end=2026-11-01")
    assert bad.status_code == 200 and b"The end is before the start." in bad.content


def test_statement_can_be_emailed(tenant_a, client_for, in_memory_queue, django_capture_on_commit_callbacks):
    from django.core import mail

    from apps.documents.tasks import send_document

    with tenant_context(tenant_a.tenant):
        customer = CustomerFactory(email="ap@cust.test", credit_limit=Decimal("1e6"))
        issued_invoice(tenant_a.manager, customer=customer)
    client = client_for(tenant_a, tenant_a.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/customers/{customer.pk}/statement/send/", {"to": ["ap@cust.test"]})
    assert response.status_code == 302
    (job,) = in_memory_queue.jobs.values()
    send_document.task(**job["args"])
    (message,) = mail.outbox
    assert "Statement" in message.subject and customer.name in pdf_text(message.attachments[0][1])


@pytest.mark.parametrize(
    "path",
    [
        "/customers/{}/account/",
        "/customers/{}/statement.pdf",
        "/customers/{}/statement.csv",
        "/customers/{}/statement/send/",
    ],
)
def test_another_tenants_customer_account_is_not_found(tenant_a, tenant_b, client_for, outsider, path):
    with tenant_context(tenant_b.tenant):
        customer = CustomerFactory()
    url = path.format(customer.pk)
    assert client_for(tenant_a, tenant_a.owner).get(url).status_code == 404
    assert client_for(tenant_b, outsider).get(url).status_code in (302, 403)
    assert client_for(tenant_b, tenant_b.owner).get(url).status_code == 200
