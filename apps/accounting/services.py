"""Writes for accounting: invoices from delivered sales orders (issue, void) and payments with their
allocations. All need APPROVE ("issue invoices, record payments"); each is audited."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from apps.numbering.services import document_number_next
from apps.purchasing.models import PurchaseOrder
from apps.records.documents import audit_value, locked, status_transition, validation_errors
from apps.records.services import RecordInvalid
from apps.sales.models import SalesOrder
from backend.clock import tenant_today
from backend.exceptions import ApplicationError
from backend.money import to_cents

from .models import (
    ZERO,
    CreditApplication,
    CustomerCredit,
    Invoice,
    Payment,
    PaymentAllocation,
    SupplierBill,
    SupplierCredit,
)

Status = Invoice.Status
PAYABLE_PO_STATUSES = (PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.RECEIVED, PurchaseOrder.Status.CLOSED)


@transaction.atomic
def invoice_create(*, user, sales_order: SalesOrder) -> Invoice:
    """A draft invoice for a delivered sales order, which becomes invoiced."""
    require_capability(user=user, capability=Capability.APPROVE)
    order = locked(sales_order)
    if order.status != SalesOrder.Status.DELIVERED:
        raise ApplicationError(
            f"Only delivered orders can be invoiced; {order.number} is {order.get_status_display().lower()}.",
            field="sales_order",
            code="invalid_transition",
        )
    invoice = Invoice(sales_order=order, customer_id=order.customer_id, total=to_cents(order.total))
    invoice.number = document_number_next(kind="INV", year=tenant_today().year)
    invoice.created_by_id = invoice.updated_by_id = user.pk
    invoice.save()
    status_transition(
        document=sales_order,
        user=user,
        verb="invoice",
        past="invoiced",
        allowed_from=(SalesOrder.Status.DELIVERED,),
        to=SalesOrder.Status.INVOICED,
        extra={"invoice": [None, invoice.number]},
    )
    audit_record(
        action="invoice.create",
        actor=user,
        target=invoice,
        changes={
            "number": [None, invoice.number],
            "sales_order": [None, order.pk],
            "total": [None, str(invoice.total)],
        },
    )
    return invoice


@transaction.atomic
def invoice_issue(*, invoice: Invoice, user, issued_on: datetime.date | None = None) -> Invoice:
    """draft → issued; due after the customer's payment terms (Net N days from the issue date)."""
    require_capability(user=user, capability=Capability.APPROVE)
    issued_on = issued_on or tenant_today()
    due_on = issued_on + datetime.timedelta(days=invoice.customer.payment_terms)

    def set_dates(row: Invoice) -> None:
        row.issued_on, row.due_on = issued_on, due_on

    return status_transition(
        document=invoice,
        user=user,
        verb="issue",
        past="issued",
        allowed_from=(Status.DRAFT,),
        to=Status.ISSUED,
        extra={"issued_on": [None, str(issued_on)], "due_on": [None, str(due_on)]},
        before_save=set_dates,
    )


@transaction.atomic
def invoice_void(*, invoice: Invoice, user) -> Invoice:
    """draft or issued (nothing paid) → void; its sales order goes back to delivered to be invoiced again."""
    require_capability(user=user, capability=Capability.APPROVE)
    if locked(invoice).paid > ZERO:
        raise ApplicationError("An invoice with payments cannot be voided.", field="status", code="invalid_transition")
    status_transition(
        document=invoice,
        user=user,
        verb="void",
        past="voided",
        allowed_from=(Status.DRAFT, Status.ISSUED),
        to=Status.VOID,
    )
    status_transition(
        document=invoice.sales_order,
        user=user,
        verb="uninvoice",
        past="reopened",
        allowed_from=(SalesOrder.Status.INVOICED,),
        to=SalesOrder.Status.DELIVERED,
        extra={"invoice": [invoice.number, None]},
    )
    return invoice


def purchase_order_paid(*, order: PurchaseOrder) -> Decimal:
    return PaymentAllocation.objects.filter(purchase_order=order).aggregate(paid=Sum("amount"))["paid"] or ZERO


def purchase_order_credited(*, order: PurchaseOrder) -> Decimal:
    """Supplier credits (settled claims) against the order: they reduce what is payable on it."""
    return SupplierCredit.objects.filter(purchase_order=order).aggregate(total=Sum("amount"))["total"] or ZERO


def _allocation_errors(payment: Payment, allocations: list[dict[str, Any]]) -> tuple[list[PaymentAllocation], dict]:
    """Each allocation fits its target's open balance (targets locked), and together they fit the payment."""
    built: list[PaymentAllocation] = []
    errors: dict[str, list[str]] = {}
    applied: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for index, values in enumerate(allocations):
        key = f"allocations.{index}"
        unknown = set(values) - {"invoice", "purchase_order", "amount"}
        if unknown:
            errors[key] = [f"Unknown fields: {', '.join(sorted(unknown))}."]
            continue
        allocation = PaymentAllocation(**values)
        line_errors = validation_errors(allocation, exclude=["payment"], prefix=f"{key}.")
        if line_errors:
            errors.update(line_errors)
            continue
        if payment.kind == Payment.Kind.RECEIPT:
            if not allocation.invoice_id:
                errors[f"{key}.invoice"] = ["A customer receipt is allocated to invoices."]
                continue
            invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
            if invoice.customer_id != payment.customer_id:
                errors[f"{key}.invoice"] = [f"{invoice.number} is another customer's invoice."]
                continue
            if invoice.status not in Invoice.OPEN_STATUSES:
                errors[f"{key}.invoice"] = [f"{invoice.number} is {invoice.get_status_display().lower()}."]
                continue
            target, open_amount, label = ("invoice", invoice.pk), invoice.balance, invoice.number
        else:
            if not allocation.purchase_order_id:
                errors[f"{key}.purchase_order"] = ["A supplier payment is allocated to purchase orders."]
                continue
            order = PurchaseOrder.objects.select_for_update().get(pk=allocation.purchase_order_id)
            if order.supplier_id != payment.supplier_id:
                errors[f"{key}.purchase_order"] = [f"{order.number} is another supplier's order."]
                continue
            if order.status not in PAYABLE_PO_STATUSES:
                errors[f"{key}.purchase_order"] = [f"{order.number} is {order.get_status_display().lower()}."]
                continue
            open_amount = order.total - purchase_order_paid(order=order) - purchase_order_credited(order=order)
            target, label = ("po", order.pk), order.number
        if applied[target] + allocation.amount > open_amount:
            left = max(open_amount - applied[target], ZERO)
            errors[f"{key}.amount"] = [f"Only {left} is open on {label}."]
            continue
        applied[target] += allocation.amount
        built.append(allocation)
    total = sum((allocation.amount for allocation in built), ZERO)
    if not errors and total > payment.amount:
        errors["allocations"] = [f"Allocations ({total}) exceed the payment ({payment.amount})."]
    return built, errors


def _settle(invoice: Invoice, user, amount: Decimal) -> None:
    """Apply `amount` to an invoice (a payment or a credit) and move it to partially paid / paid."""
    row = locked(invoice)
    before = row.status
    row.paid = to_cents(row.paid + amount)
    row.status = Status.PAID if row.paid >= row.total else Status.PARTIALLY_PAID
    row.updated_by_id = user.pk
    row.save(update_fields=["paid", "status", "updated_by_id", "updated_at"])
    audit_record(
        action="invoice.payment",
        actor=user,
        target=row,
        changes={"paid": [str(to_cents(row.paid - amount)), str(row.paid)], "status": [before, row.status]},
    )


@transaction.atomic
def payment_record(*, user, data: dict[str, Any], allocations: list[dict[str, Any]] | None = None) -> Payment:
    """Record a receipt or supplier payment and allocate it; any unallocated part stays on account."""
    require_capability(user=user, capability=Capability.APPROVE)
    payment = Payment(**data)
    errors = validation_errors(payment, exclude=[])
    for name in ("customer", "supplier"):
        partner = getattr(payment, f"{name}_id") and getattr(payment, name)
        if partner and partner.is_archived and name not in errors:
            errors[name] = ["This partner is archived."]
    if errors:
        raise RecordInvalid(errors)
    payment.amount = to_cents(payment.amount)
    built, errors = _allocation_errors(payment, allocations or [])
    if errors:
        raise RecordInvalid(errors)
    payment.created_by_id = payment.updated_by_id = user.pk
    payment.save()
    for allocation in built:
        allocation.payment = payment
    PaymentAllocation.objects.bulk_create(built)
    audit_record(
        action="payment.create",
        actor=user,
        target=payment,
        changes={
            **{
                name: [None, audit_value(getattr(payment, name))]
                for name in ("kind", "customer", "supplier", "received_on", "amount", "reference")
            },
            "allocations": [None, [[a.invoice_id, a.purchase_order_id, str(a.amount)] for a in built]],
        },
    )
    for allocation in built:
        if allocation.invoice_id:
            _settle(allocation.invoice, user, allocation.amount)
    return payment


@transaction.atomic
def customer_credit_create(
    *, user, customer, amount: Decimal, reason: str, invoice: Invoice | None = None
) -> CustomerCredit:
    """A credit on the customer's account (e.g. a settled claim); lowers what the customer owes. With an
    `invoice` of that customer still open, as much of the credit as the invoice owes is applied to it."""
    require_capability(user=user, capability=Capability.APPROVE)
    credit = CustomerCredit(customer=customer, amount=to_cents(amount), issued_on=tenant_today(), reason=reason)
    errors = validation_errors(credit, exclude=[])
    if errors:
        raise RecordInvalid(errors)
    credit.created_by_id = credit.updated_by_id = user.pk
    credit.save()
    audit_record(
        action="customercredit.create",
        actor=user,
        target=credit,
        changes={"customer": [None, customer.pk], "amount": [None, str(credit.amount)], "reason": [None, reason]},
    )
    if invoice is not None and invoice.customer_id == customer.pk and invoice.status in Invoice.OPEN_STATUSES:
        amount_due = min(credit.amount, locked(invoice).balance)
        if amount_due > ZERO:
            customer_credit_apply(user=user, credit=credit, invoice=invoice, amount=amount_due)
    return credit


def customer_credit_unapplied(*, credit: CustomerCredit) -> Decimal:
    applied = credit.applications.aggregate(total=Sum("amount"))["total"] or ZERO
    return credit.amount - applied


@transaction.atomic
def customer_credit_apply(
    *, user, credit: CustomerCredit, invoice: Invoice, amount: Decimal | None = None
) -> CreditApplication:
    """Apply part of a customer credit to one of that customer's open invoices (its balance due falls).
    Without an amount, as much as both allow: what is left of the credit or what is open on the invoice."""
    require_capability(user=user, capability=Capability.APPROVE)
    credit = CustomerCredit.objects.select_for_update().get(pk=credit.pk)
    row = locked(invoice)
    if amount is None:
        amount = min(customer_credit_unapplied(credit=credit), row.balance)
    amount = to_cents(Decimal(amount))
    errors: dict[str, list[str]] = {}
    if row.customer_id != credit.customer_id:
        errors["invoice"] = [f"{row.number} is another customer's invoice."]
    elif row.status not in Invoice.OPEN_STATUSES:
        errors["invoice"] = [f"{row.number} is {row.get_status_display().lower()}."]
    elif amount <= ZERO:
        errors["amount"] = ["Must be greater than zero."]
    elif amount > (left := customer_credit_unapplied(credit=credit)):
        errors["amount"] = [f"Only {left} of this credit is left to apply."]
    elif amount > row.balance:
        errors["amount"] = [f"Only {row.balance} is open on {row.number}."]
    if errors:
        raise RecordInvalid(errors)
    application = CreditApplication.objects.create(
        credit=credit, invoice=row, amount=amount, applied_on=tenant_today(), created_by_id=user.pk
    )
    _settle(row, user, amount)
    audit_record(
        action="customercredit.apply",
        actor=user,
        target=credit,
        changes={"invoice": [None, row.number], "amount": [None, str(amount)]},
    )
    return application


@transaction.atomic
def supplier_credit_create(*, user, purchase_order: PurchaseOrder, amount: Decimal, reason: str) -> SupplierCredit:
    """A credit from the supplier against one purchase order (e.g. a settled claim on one of its lines);
    lowers what is still payable on that order."""
    require_capability(user=user, capability=Capability.APPROVE)
    credit = SupplierCredit(
        supplier_id=purchase_order.supplier_id,
        purchase_order=purchase_order,
        amount=to_cents(amount),
        issued_on=tenant_today(),
        reason=reason,
    )
    errors = validation_errors(credit, exclude=[])
    if errors:
        raise RecordInvalid(errors)
    credit.created_by_id = credit.updated_by_id = user.pk
    credit.save()
    audit_record(
        action="suppliercredit.create",
        actor=user,
        target=credit,
        changes={
            "supplier": [None, purchase_order.supplier_id],
            "purchase_order": [None, purchase_order.pk],
            "amount": [None, str(credit.amount)],
            "reason": [None, reason],
        },
    )
    return credit


BILLABLE_PO_STATUSES = (PurchaseOrder.Status.CONFIRMED, PurchaseOrder.Status.RECEIVED, PurchaseOrder.Status.CLOSED)


@transaction.atomic
def supplier_bill_record(
    *, user, purchase_order: PurchaseOrder, number: str, billed_on: datetime.date, amount: Decimal
) -> SupplierBill:
    """Record the supplier's invoice for a confirmed, received or closed purchase order (one per order)."""
    require_capability(user=user, capability=Capability.APPROVE)
    order = locked(purchase_order)
    bill = SupplierBill(
        purchase_order=order,
        number=(number or "").strip(),
        billed_on=billed_on,
        amount=None if amount is None else to_cents(Decimal(amount)),
    )
    errors = validation_errors(bill, exclude=["purchase_order"])
    if order.status not in BILLABLE_PO_STATUSES:
        errors.setdefault("purchase_order", []).append(f"{order.number} is {order.get_status_display().lower()}.")
    elif SupplierBill.objects.filter(purchase_order=order).exists():
        errors.setdefault("purchase_order", []).append(f"{order.number} already has the supplier's invoice.")
    if errors:
        raise RecordInvalid(errors)
    bill.created_by_id = user.pk
    bill.save()
    audit_record(
        action="purchaseorder.bill",
        actor=user,
        target=order,
        changes={
            "supplier_invoice": [None, bill.number],
            "billed_on": [None, bill.billed_on.isoformat()],
            "amount": [None, str(bill.amount)],
        },
    )
    return bill
