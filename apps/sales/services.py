"""Writes for sales orders: drafts (EDIT), transitions (APPROVE), each audited.

Lines sourced from a purchase-order line lock that line while the allocation is checked, so two orders
selling from one purchase cannot both take its last cases. Confirming checks the customer's credit limit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from apps.numbering.services import document_number_next
from apps.partners.models import Customer
from apps.purchasing.models import PurchaseOrderLine
from apps.records.documents import audit_value, copy_into, locked, status_transition, validation_errors
from apps.records.services import RecordInvalid
from backend.clock import tenant_today
from backend.exceptions import ApplicationError
from backend.money import line_amount, to_cents

from .models import SalesOrder, SalesOrderLine
from .selectors import SOURCEABLE_PO_STATUSES, allocated_on, customer_credit_exposure

Status = SalesOrder.Status
LINE_FIELDS = ("product", "source", "cases", "weight", "unit_price")
ORDER_FIELDS = ("customer", "ship_to", "delivery_date", "notes")
PAST = {"confirm": "confirmed", "ship": "shipped", "deliver": "delivered", "cancel": "cancelled"}


def _order_values(order: SalesOrder) -> dict[str, Any]:
    return {name: audit_value(getattr(order, name)) for name in ORDER_FIELDS}


def _line_values(line: SalesOrderLine) -> list[Any]:
    return [line.product_id, line.source_id, line.cases, str(line.weight), str(line.unit_price)]


def _check_source(line: SalesOrderLine, index: int, order: SalesOrder, pending: dict) -> dict[str, list[str]]:
    """The source must be a live purchase line of the same product with enough left, counting every other
    non-cancelled sales line and this order's earlier lines on the same source."""
    key = f"lines.{index}.source"
    source = PurchaseOrderLine.objects.select_for_update().select_related("order").get(pk=line.source_id)
    purchase = source.order
    if purchase.status not in SOURCEABLE_PO_STATUSES:
        status = purchase.get_status_display().lower()
        return {key: [f"{purchase.number} is {status}; sell from a confirmed or received purchase."]}
    if source.product_id != line.product_id:
        return {key: ["The purchase line is for another product."]}
    sold_cases, sold_weight = allocated_on(source=source, excluding_order=order)
    earlier_cases, earlier_weight = pending.get(source.pk, (0, Decimal("0.00")))
    left_cases = source.cases - sold_cases - earlier_cases
    left_weight = source.billed_weight - sold_weight - earlier_weight
    if line.cases > left_cases or line.weight > left_weight:
        left = f"{max(left_cases, 0)} cases / {max(left_weight, Decimal('0.00'))} {line.product.unit}"
        return {key: [f"Only {left} left to sell on {purchase.number}."]}
    pending[source.pk] = (earlier_cases + line.cases, earlier_weight + line.weight)
    return {}


def _build_lines(order: SalesOrder, lines: list[dict[str, Any]]) -> tuple[list[SalesOrderLine], dict]:
    built, errors, pending = [], {}, {}
    for index, values in enumerate(lines):
        unknown = set(values) - set(LINE_FIELDS)
        if unknown:
            errors[f"lines.{index}"] = [f"Unknown fields: {', '.join(sorted(unknown))}."]
            continue
        line = SalesOrderLine(**values)
        if line.product_id is None and line.source_id is not None:
            line.product_id = line.source.product_id  # the purchase line it is sold from implies the product
        line_errors = validation_errors(line, exclude=["order", "amount", "cost"], prefix=f"lines.{index}.")
        if not line_errors and line.product.is_archived:
            line_errors[f"lines.{index}.product"] = ["This product is archived."]
        if not line_errors and line.source_id:
            line_errors = _check_source(line, index, order, pending)
        if not line_errors:
            line.amount = line_amount(line.weight, line.unit_price)
            line.cost = line_amount(line.weight, line.source.unit_cost) if line.source_id else None
        errors.update(line_errors)
        built.append(line)
    return built, errors


def _validate(order: SalesOrder, lines: list[dict[str, Any]] | None) -> list[SalesOrderLine] | None:
    errors = validation_errors(order, exclude=["number", "status", "total", "margin"])
    for name in ("customer", "ship_to"):
        related = getattr(order, f"{name}_id") and getattr(order, name)
        if related and related.is_archived and name not in errors:
            errors[name] = ["This record is archived."]
    built = None
    if lines is not None:
        built, line_errors = _build_lines(order, lines)
        errors.update(line_errors)
    if errors:
        raise RecordInvalid(errors)
    return built


def _store_lines(order: SalesOrder, built: list[SalesOrderLine]) -> None:
    for line in built:
        line.order = order
    SalesOrderLine.objects.bulk_create(built)


def _totals(order: SalesOrder, lines: list[SalesOrderLine]) -> None:
    order.total = to_cents(sum((line.amount for line in lines), Decimal("0")))
    order.margin = to_cents(sum((line.margin for line in lines if line.cost is not None), Decimal("0")))


@transaction.atomic
def sales_order_create(*, user, data: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> SalesOrder:
    """A draft sales order; the number comes from the tenant's gap-free sequence."""
    require_capability(user=user, capability=Capability.EDIT)
    order = SalesOrder(**data)
    built = _validate(order, lines or [])
    _totals(order, built)
    order.number = document_number_next(kind="SO", year=tenant_today().year)
    order.created_by_id = order.updated_by_id = user.pk
    order.save()
    _store_lines(order, built)
    audit_record(
        action="salesorder.create",
        actor=user,
        target=order,
        changes={
            "number": [None, order.number],
            **{name: [None, value] for name, value in _order_values(order).items() if value not in (None, "")},
            "lines": [None, [_line_values(line) for line in built]],
            "total": [None, str(order.total)],
        },
    )
    return order


@transaction.atomic
def sales_order_update(
    *, user, record: SalesOrder, data: dict[str, Any], lines: list[dict[str, Any]] | None = None
) -> SalesOrder:
    """Edit a draft; `lines`, when given, replaces all of its lines."""
    require_capability(user=user, capability=Capability.EDIT)
    order = locked(record)
    if order.status != Status.DRAFT:
        raise ApplicationError(
            f"Only draft sales orders can be edited; {order.number} is {order.get_status_display().lower()}.",
            code="invalid_status",
        )
    before = _order_values(order)
    before_lines = [_line_values(line) for line in order.lines.all()]
    for name, value in data.items():
        if name not in ORDER_FIELDS:
            raise ApplicationError(f"{name} cannot be changed here.", field=name)
        setattr(order, name, value)
    built = _validate(order, lines)
    after = _order_values(order)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if built is not None:
        order.lines.all().delete()
        _store_lines(order, built)
        before_total = str(order.total)
        _totals(order, built)
        after_lines = [_line_values(line) for line in built]
        if after_lines != before_lines:
            changes["lines"] = [before_lines, after_lines]
            changes["total"] = [before_total, str(order.total)]
    if changes:
        order.updated_by_id = user.pk
        order.save()
        audit_record(action="salesorder.update", actor=user, target=order, changes=changes)
    copy_into(record, order)
    return record


def _transition(*, order: SalesOrder, user, verb: str, allowed_from: tuple, to: str, **kwargs) -> SalesOrder:
    require_capability(user=user, capability=Capability.APPROVE)
    return status_transition(
        document=order, user=user, verb=verb, past=PAST[verb], allowed_from=allowed_from, to=to, **kwargs
    )


@transaction.atomic
def sales_order_confirm(*, order: SalesOrder, user, override_reason: str = "") -> SalesOrder:
    """draft → confirmed. Refused when it would take the customer over its credit limit (open invoices +
    confirmed uninvoiced orders + this order), unless an approver gives a reason, which is audited."""
    require_capability(user=user, capability=Capability.APPROVE)
    override_reason = (override_reason or "").strip()
    # One confirmation per customer at a time, so two orders cannot both fit under the same headroom.
    customer = Customer.objects.select_for_update().get(pk=order.customer_id)
    row = locked(order)
    extra: dict[str, Any] = {}
    if row.status == Status.DRAFT:
        if not row.lines.exists():
            raise ApplicationError("Add at least one line before confirming.", field="lines", code="no_lines")
        exposure = customer_credit_exposure(customer=customer, excluding_order=row)
        if exposure + row.total > customer.credit_limit:
            over = to_cents(exposure + row.total - customer.credit_limit)
            if not override_reason:
                raise ApplicationError(
                    f"Confirming {row.number} takes {customer.name} {over} over its credit limit of "
                    f"{customer.credit_limit} (open: {exposure}). A manager may override with a reason.",
                    field="override_reason",
                    code="credit_limit",
                )
            extra["credit_override"] = {
                "reason": override_reason,
                "credit_limit": str(customer.credit_limit),
                "exposure": str(exposure),
                "order_total": str(row.total),
            }

    def remember_reason(stored: SalesOrder) -> None:
        if extra:
            stored.credit_override_reason = override_reason

    return _transition(
        order=order,
        user=user,
        verb="confirm",
        allowed_from=(Status.DRAFT,),
        to=Status.CONFIRMED,
        extra=extra,
        before_save=remember_reason,
    )


@transaction.atomic
def sales_order_ship(*, order: SalesOrder, user) -> SalesOrder:
    """confirmed → shipped."""
    return _transition(order=order, user=user, verb="ship", allowed_from=(Status.CONFIRMED,), to=Status.SHIPPED)


@transaction.atomic
def sales_order_deliver(*, order: SalesOrder, user) -> SalesOrder:
    """shipped → delivered: the order can now be invoiced."""
    return _transition(order=order, user=user, verb="deliver", allowed_from=(Status.SHIPPED,), to=Status.DELIVERED)


@transaction.atomic
def sales_order_cancel(*, order: SalesOrder, user) -> SalesOrder:
    """draft or confirmed → cancelled; its lines stop counting against their purchase lines."""
    return _transition(
        order=order, user=user, verb="cancel", allowed_from=(Status.DRAFT, Status.CONFIRMED), to=Status.CANCELLED
    )
