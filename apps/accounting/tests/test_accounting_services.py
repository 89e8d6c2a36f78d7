"""Invoices and payments: creation from delivered orders, due dates from terms, issue/void, allocations
across invoices, over-allocation refusals, supplier payments, credit exposure."""

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from apps.accounting import services
from apps.accounting.models import Invoice, Payment
from apps.accounting.tests.factories import delivered_order, issued_invoice
from apps.accounts.permissions import CapabilityDenied
from apps.audit.models import AuditEvent
from apps.partners.tests.factories import CustomerFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import order_with_lines as purchase_with_lines
from apps.records.services import RecordInvalid
from apps.sales.models import SalesOrder
from apps.sales.selectors import customer_credit_exposure
from apps.sales.tests.factories import order_with_lines
from backend.clock import tenant_today
from backend.exceptions import ApplicationError

Status = Invoice.Status


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a.tenant):
        yield tenant_a


def _receipt(customer, amount, when=datetime.date(2026, 12, 10)):
    return {"kind": Payment.Kind.RECEIPT, "customer": customer, "received_on": when, "amount": Decimal(amount)}


def test_invoicing_a_delivered_order_numbers_the_invoice_and_marks_the_order(in_a):
    order = delivered_order()
    invoice = services.invoice_create(user=in_a.manager, sales_order=order)
    assert invoice.number == f"INV-{tenant_today().year}-00001" and invoice.status == Status.DRAFT
    assert invoice.total == Decimal("3000.00") and invoice.customer_id == order.customer_id
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrder.Status.INVOICED
    assert AuditEvent.objects.filter(action="salesorder.invoice", object_id=str(order.pk)).exists()


@pytest.mark.parametrize("status", [s for s in SalesOrder.Status if s != SalesOrder.Status.DELIVERED])
def test_only_delivered_orders_can_be_invoiced(in_a, status):
    with pytest.raises(ApplicationError, match="Only delivered"):
        services.invoice_create(user=in_a.manager, sales_order=order_with_lines(status=status))


def test_issuing_sets_the_due_date_from_the_customers_terms(in_a):
    customer = CustomerFactory(payment_terms=21)
    invoice = services.invoice_create(user=in_a.manager, sales_order=delivered_order(customer=customer))
    services.invoice_issue(invoice=invoice, user=in_a.manager, issued_on=datetime.date(2026, 1, 20))
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.status, stored.issued_on, stored.due_on) == (
        Status.ISSUED,
        datetime.date(2026, 1, 20),
        datetime.date(2026, 2, 10),
    )
    with pytest.raises(ApplicationError):
        services.invoice_issue(invoice=invoice, user=in_a.manager)


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_roles_below_manager_cannot_invoice_issue_void_or_record_payments(in_a, role):
    user = in_a.user(role)
    with pytest.raises(CapabilityDenied):
        services.invoice_create(user=user, sales_order=delivered_order())
    invoice = issued_invoice(in_a.manager)
    with pytest.raises(CapabilityDenied):
        services.invoice_void(invoice=invoice, user=user)
    with pytest.raises(CapabilityDenied):
        services.payment_record(user=user, data=_receipt(invoice.customer, "10"), allocations=[])


def test_voiding_reopens_the_order_for_a_new_invoice(in_a):
    invoice = issued_invoice(in_a.manager)
    services.invoice_void(invoice=invoice, user=in_a.manager)
    assert Invoice.objects.get(pk=invoice.pk).status == Status.VOID
    order = SalesOrder.objects.get(pk=invoice.sales_order_id)
    assert order.status == SalesOrder.Status.DELIVERED
    again = services.invoice_create(user=in_a.manager, sales_order=order)
    assert again.number != invoice.number


def test_a_receipt_allocated_across_invoices_pays_and_part_pays_them(in_a):
    customer = CustomerFactory()
    first, second = issued_invoice(in_a.manager, customer=customer), issued_invoice(in_a.manager, customer=customer)
    payment = services.payment_record(
        user=in_a.manager,
        data=_receipt(customer, "4000.00"),
        allocations=[
            {"invoice": first, "amount": Decimal("3000.00")},
            {"invoice": second, "amount": Decimal("999.99")},
        ],
    )
    assert Invoice.objects.get(pk=first.pk).status == Status.PAID
    second = Invoice.objects.get(pk=second.pk)
    assert second.status == Status.PARTIALLY_PAID and second.balance == Decimal("2000.01")
    assert payment.allocations.count() == 2
    assert AuditEvent.objects.filter(action="payment.create", object_id=str(payment.pk)).exists()
    with pytest.raises(ApplicationError, match="with payments"):
        services.invoice_void(invoice=second, user=in_a.manager)


def test_allocating_more_than_the_payment_is_refused(in_a):
    customer = CustomerFactory()
    first, second = issued_invoice(in_a.manager, customer=customer), issued_invoice(in_a.manager, customer=customer)
    with pytest.raises(RecordInvalid) as refused:
        services.payment_record(
            user=in_a.manager,
            data=_receipt(customer, "1000.00"),
            allocations=[
                {"invoice": first, "amount": Decimal("600")},
                {"invoice": second, "amount": Decimal("400.01")},
            ],
        )
    assert "allocations" in refused.value.as_dict()
    assert not Payment.objects.exists() and Invoice.objects.get(pk=first.pk).paid == 0


def test_allocating_more_than_an_invoices_balance_is_refused(in_a):
    invoice = issued_invoice(in_a.manager)
    services.payment_record(
        user=in_a.manager,
        data=_receipt(invoice.customer, "2500"),
        allocations=[{"invoice": invoice, "amount": Decimal("2500")}],
    )
    with pytest.raises(RecordInvalid) as refused:
        services.payment_record(
            user=in_a.manager,
            data=_receipt(invoice.customer, "600"),
            allocations=[
                {"invoice": invoice, "amount": Decimal("300")},
                {"invoice": invoice, "amount": Decimal("300")},
            ],
        )
    assert refused.value.as_dict() == {"allocations.1.amount": ["Only 200.00 is open on " + invoice.number + "."]}


def test_receipts_only_go_to_the_customers_open_invoices(in_a):
    invoice = issued_invoice(in_a.manager)
    draft = services.invoice_create(user=in_a.manager, sales_order=delivered_order(customer=invoice.customer))
    with pytest.raises(RecordInvalid, match="another customer"):
        services.payment_record(
            user=in_a.manager,
            data=_receipt(CustomerFactory(), "10"),
            allocations=[{"invoice": invoice, "amount": Decimal("10")}],
        )
    with pytest.raises(RecordInvalid, match="draft"):
        services.payment_record(
            user=in_a.manager,
            data=_receipt(invoice.customer, "10"),
            allocations=[{"invoice": draft, "amount": Decimal("10")}],
        )


def test_payment_amount_and_partner_are_validated(in_a):
    with pytest.raises(RecordInvalid) as refused:
        services.payment_record(user=in_a.manager, data=_receipt(CustomerFactory(), "0"), allocations=[])
    assert "amount" in refused.value.as_dict()
    with pytest.raises(RecordInvalid):
        services.payment_record(user=in_a.manager, data={**_receipt(None, "10"), "customer": None}, allocations=[])


def test_supplier_payments_are_allocated_to_purchase_orders_up_to_their_total(in_a):
    order = purchase_with_lines(1, status=PurchaseOrder.Status.RECEIVED)  # 1200 lb × 4.25 = 5100.00
    data = {
        "kind": Payment.Kind.SUPPLIER,
        "supplier": order.supplier,
        "received_on": datetime.date(2026, 12, 1),
        "amount": Decimal("6000"),
    }
    services.payment_record(
        user=in_a.manager, data=data, allocations=[{"purchase_order": order, "amount": Decimal("5000")}]
    )
    with pytest.raises(RecordInvalid, match="Only 100.00 is open"):
        services.payment_record(
            user=in_a.manager, data=data, allocations=[{"purchase_order": order, "amount": Decimal("100.01")}]
        )


def test_unpaid_invoices_count_toward_the_credit_limit(in_a):
    customer = CustomerFactory(credit_limit=Decimal("5000"))
    invoice = issued_invoice(in_a.manager, customer=customer)  # 3000 owed
    order = order_with_lines(customer=customer)  # another 3000
    assert customer_credit_exposure(customer=customer, excluding_order=order) == Decimal("3000.00")
    from apps.sales.services import sales_order_confirm

    with pytest.raises(ApplicationError, match="credit limit"):
        sales_order_confirm(order=order, user=in_a.manager)
    services.payment_record(
        user=in_a.manager,
        data=_receipt(customer, "1000"),
        allocations=[{"invoice": invoice, "amount": Decimal("1000")}],
    )
    sales_order_confirm(order=order, user=in_a.manager)
