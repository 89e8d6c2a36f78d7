"""Writes for claims: open (EDIT), approve / reject / settle (APPROVE), each audited. Settling a sales-line
claim credits the customer's account; settling a purchase-line claim records a supplier credit against the
purchase order (it lowers payables). Both through accounting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from apps.accounting.models import Invoice
from apps.accounting.services import customer_credit_create, supplier_credit_create
from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine
from apps.records.documents import audit_value, locked, status_transition, validation_errors
from apps.records.services import RecordInvalid
from apps.sales.models import SalesOrder, SalesOrderLine

from .models import Claim

Status = Claim.Status
CLAIMABLE_ORDER_STATUSES = (SalesOrder.Status.SHIPPED, SalesOrder.Status.DELIVERED, SalesOrder.Status.INVOICED)
CLAIMABLE_PURCHASE_STATUSES = (PurchaseOrder.Status.RECEIVED, PurchaseOrder.Status.CLOSED)
ONE_LINE = "Choose one sales order line or one purchase order line."


@transaction.atomic
def claim_create(*, user, data: dict[str, Any]) -> Claim:
    """Open a claim on a shipped (or later) sales line or a received (or closed) purchase line — exactly one
    of the two; the open and decided claims on one line cannot exceed its amount."""
    require_capability(user=user, capability=Capability.EDIT)
    claim = Claim(**data)
    errors: dict[str, list[str]] = {}
    if (claim.sales_line_id is None) == (claim.purchase_line_id is None):
        errors = {"sales_line": [ONE_LINE], "purchase_line": [ONE_LINE]}
    else:
        errors = validation_errors(claim, exclude=["status", "credit", "supplier_credit"])
    if not errors:
        if claim.is_purchase:
            # Locking the line serializes concurrent claims on it, so their sum is checked against it.
            line = PurchaseOrderLine.objects.select_for_update().select_related("order").get(pk=claim.purchase_line_id)
            field, order, ready = "purchase_line", line.order, line.order.status in CLAIMABLE_PURCHASE_STATUSES
            not_ready = f"{order.number} has not been received yet."
        else:
            line = SalesOrderLine.objects.select_for_update().select_related("order").get(pk=claim.sales_line_id)
            field, order, ready = "sales_line", line.order, line.order.status in CLAIMABLE_ORDER_STATUSES
            not_ready = f"{order.number} has not shipped yet."
        if not ready:
            errors[field] = [not_ready]
        else:
            claimed = Claim.objects.filter(**{field: line}).exclude(status=Status.REJECTED).aggregate(
                total=Sum("amount")
            )["total"] or Decimal("0.00")
            if claimed + claim.amount > line.amount:
                errors["amount"] = [f"Claims on this line cannot exceed its amount ({line.amount}); {claimed} claimed."]
    if errors:
        raise RecordInvalid(errors)
    claim.created_by_id = claim.updated_by_id = user.pk
    claim.save()
    audit_record(
        action="claim.create",
        actor=user,
        target=claim,
        changes={
            name: [None, audit_value(getattr(claim, name))]
            for name in ("sales_line", "purchase_line", "reason", "amount")
        },
    )
    return claim


def _transition(*, claim: Claim, user, verb: str, past: str, allowed_from: tuple, to: str, **kwargs) -> Claim:
    require_capability(user=user, capability=Capability.APPROVE)
    return status_transition(
        document=claim, user=user, verb=verb, past=past, allowed_from=allowed_from, to=to, **kwargs
    )


@transaction.atomic
def claim_approve(*, claim: Claim, user) -> Claim:
    return _transition(
        claim=claim, user=user, verb="approve", past="approved", allowed_from=(Status.OPEN,), to=Status.APPROVED
    )


@transaction.atomic
def claim_reject(*, claim: Claim, user) -> Claim:
    return _transition(
        claim=claim, user=user, verb="reject", past="rejected", allowed_from=(Status.OPEN,), to=Status.REJECTED
    )


@transaction.atomic
def claim_settle(*, claim: Claim, user) -> Claim:
    """approved → settled: the claim amount is credited to the customer's account (sales line) or recorded
    as a supplier credit against the purchase order (purchase line)."""
    require_capability(user=user, capability=Capability.APPROVE)
    row = locked(claim)  # two settles of one claim run one after the other: one credit only
    if row.status != Status.APPROVED:
        return _transition(
            claim=claim, user=user, verb="settle", past="settled", allowed_from=(Status.APPROVED,), to=Status.SETTLED
        )
    order = row.order
    reason = f"Claim #{row.pk} ({row.get_reason_display().lower()}) on {order.number}"
    if row.is_purchase:
        credit = supplier_credit_create(user=user, purchase_order=order, amount=row.amount, reason=reason)
        field = "supplier_credit"
    else:
        # The credit pays down the order's live invoice when it is still open; the rest stays on account.
        invoice = order.invoices.exclude(status=Invoice.Status.VOID).first()
        credit = customer_credit_create(
            user=user, customer=order.customer, amount=row.amount, reason=reason, invoice=invoice
        )
        field = "credit"

    def attach(target: Claim) -> None:
        setattr(target, field, credit)
        target.settled_on = credit.issued_on

    return _transition(
        claim=claim,
        user=user,
        verb="settle",
        past="settled",
        allowed_from=(Status.APPROVED,),
        to=Status.SETTLED,
        extra={field: [None, credit.pk], "settled_on": [None, credit.issued_on.isoformat()]},
        before_save=attach,
    )
