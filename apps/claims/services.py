"""Writes for claims: open (EDIT), approve / reject / settle (APPROVE), each audited. Settling credits the
customer's account through accounting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from apps.accounting.services import customer_credit_create
from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from apps.records.documents import audit_value, status_transition, validation_errors
from apps.records.services import RecordInvalid
from apps.sales.models import SalesOrder

from .models import Claim

Status = Claim.Status
CLAIMABLE_ORDER_STATUSES = (SalesOrder.Status.SHIPPED, SalesOrder.Status.DELIVERED, SalesOrder.Status.INVOICED)


@transaction.atomic
def claim_create(*, user, data: dict[str, Any]) -> Claim:
    """Open a claim on a shipped (or later) sales line; claims on one line cannot exceed its amount."""
    require_capability(user=user, capability=Capability.EDIT)
    claim = Claim(**data)
    errors = validation_errors(claim, exclude=["status", "credit"])
    if not errors:
        line = claim.sales_line
        if line.order.status not in CLAIMABLE_ORDER_STATUSES:
            errors["sales_line"] = [f"{line.order.number} has not shipped yet."]
        else:
            claimed = Claim.objects.filter(sales_line=line).exclude(status=Status.REJECTED).aggregate(
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
        changes={name: [None, audit_value(getattr(claim, name))] for name in ("sales_line", "reason", "amount")},
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
    """approved → settled, crediting the claim amount to the customer's account."""
    require_capability(user=user, capability=Capability.APPROVE)
    if claim.status != Status.APPROVED:
        return _transition(
            claim=claim, user=user, verb="settle", past="settled", allowed_from=(Status.APPROVED,), to=Status.SETTLED
        )
    order = claim.sales_line.order
    credit = customer_credit_create(
        user=user,
        customer=order.customer,
        amount=claim.amount,
        reason=f"Claim #{claim.pk} ({claim.get_reason_display().lower()}) on {order.number}",
    )

    def attach(row: Claim) -> None:
        row.credit = credit

    return _transition(
        claim=claim,
        user=user,
        verb="settle",
        past="settled",
        allowed_from=(Status.APPROVED,),
        to=Status.SETTLED,
        extra={"credit": [None, credit.pk]},
        before_save=attach,
    )
