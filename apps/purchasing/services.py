"""Writes for purchase orders: drafts (EDIT) and one service per status transition (APPROVE), each audited.

Every service validates, writes and records its audit event in one transaction; a refused transition
raises ApplicationError (HTTP 400) and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from apps.numbering.services import document_number_next
from apps.records.documents import audit_value, copy_into, locked, status_transition, validation_errors
from apps.records.services import RecordInvalid
from backend.clock import tenant_today
from backend.exceptions import ApplicationError

from .models import PurchaseOrder, PurchaseOrderLine

Status = PurchaseOrder.Status
LINE_FIELDS = ("product", "cases", "weight", "unit_cost")
ORDER_FIELDS = ("supplier", "plant", "carrier", "pickup_date", "terms", "notes")


def _order_values(order: PurchaseOrder) -> dict[str, Any]:
    return {name: audit_value(getattr(order, name)) for name in ORDER_FIELDS}


def _line_values(line: PurchaseOrderLine) -> list[Any]:
    return [line.product_id, line.cases, str(line.weight), str(line.unit_cost)]


def _build_lines(lines: list[dict[str, Any]]) -> tuple[list[PurchaseOrderLine], dict[str, list[str]]]:
    built, errors = [], {}
    for index, values in enumerate(lines):
        unknown = set(values) - set(LINE_FIELDS)
        if unknown:
            errors[f"lines.{index}"] = [f"Unknown fields: {', '.join(sorted(unknown))}."]
            continue
        line = PurchaseOrderLine(**values)
        line_errors = validation_errors(line, exclude=["order", "received_weight"], prefix=f"lines.{index}.")
        if getattr(line, "product_id", None) and line.product.is_archived:
            line_errors[f"lines.{index}.product"] = ["This product is archived."]
        errors.update(line_errors)
        built.append(line)
    return built, errors


def _validate(order: PurchaseOrder, lines: list[dict[str, Any]] | None) -> list[PurchaseOrderLine] | None:
    errors = validation_errors(order, exclude=["number", "status"])
    for name in ("supplier", "plant", "carrier"):
        related = getattr(order, f"{name}_id") and getattr(order, name)
        if related and related.is_archived and name not in errors:
            errors[name] = [f"This {name} is archived."]
    built = None
    if lines is not None:
        built, line_errors = _build_lines(lines)
        errors.update(line_errors)
    if errors:
        raise RecordInvalid(errors)
    return built


def _require_draft(order: PurchaseOrder) -> None:
    if order.status != Status.DRAFT:
        raise ApplicationError(
            f"Only draft purchase orders can be edited; {order.number} is {order.get_status_display().lower()}.",
            code="invalid_status",
        )


@transaction.atomic
def purchase_order_create(*, user, data: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> PurchaseOrder:
    """A draft purchase order with its lines; the number is taken from the tenant's gap-free sequence."""
    require_capability(user=user, capability=Capability.EDIT)
    data = dict(data)
    if data.get("terms") in (None, "") and data.get("supplier") is not None:
        data["terms"] = data["supplier"].payment_terms
    order = PurchaseOrder(**data)
    built = _validate(order, lines or [])
    order.number = document_number_next(kind="PO", year=tenant_today().year)
    order.created_by_id = order.updated_by_id = user.pk
    order.save()
    for line in built:
        line.order = order
    PurchaseOrderLine.objects.bulk_create(built)
    audit_record(
        action="purchaseorder.create",
        actor=user,
        target=order,
        changes={
            "number": [None, order.number],
            **{name: [None, value] for name, value in _order_values(order).items() if value not in (None, "")},
            "lines": [None, [_line_values(line) for line in built]],
        },
    )
    return order


@transaction.atomic
def purchase_order_update(
    *, user, record: PurchaseOrder, data: dict[str, Any], lines: list[dict[str, Any]] | None = None
) -> PurchaseOrder:
    """Edit a draft; `lines`, when given, replaces all of its lines."""
    require_capability(user=user, capability=Capability.EDIT)
    order = locked(record)
    _require_draft(order)
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
        for line in built:
            line.order = order
        PurchaseOrderLine.objects.bulk_create(built)
        after_lines = [_line_values(line) for line in built]
        if after_lines != before_lines:
            changes["lines"] = [before_lines, after_lines]
    if changes:
        order.updated_by_id = user.pk
        order.save()
        audit_record(action="purchaseorder.update", actor=user, target=order, changes=changes)
    copy_into(record, order)
    return record


def _transition(
    *, order: PurchaseOrder, user, verb: str, allowed_from: tuple[str, ...], to: str, extra: dict | None = None
) -> PurchaseOrder:
    require_capability(user=user, capability=Capability.APPROVE)
    return status_transition(
        document=order, user=user, verb=verb, past=PAST[verb], allowed_from=allowed_from, to=to, extra=extra
    )


PAST = {"confirm": "confirmed", "cancel": "cancelled", "receive": "received", "close": "closed"}


@transaction.atomic
def purchase_order_confirm(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """draft → confirmed: sent to the supplier; needs at least one line."""
    if order.status == Status.DRAFT and not order.lines.exists():
        require_capability(user=user, capability=Capability.APPROVE)
        raise ApplicationError("Add at least one line before confirming.", field="lines", code="no_lines")
    return _transition(order=order, user=user, verb="confirm", allowed_from=(Status.DRAFT,), to=Status.CONFIRMED)


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """draft or confirmed → cancelled (nothing has been received yet)."""
    return _transition(
        order=order, user=user, verb="cancel", allowed_from=(Status.DRAFT, Status.CONFIRMED), to=Status.CANCELLED
    )


@transaction.atomic
def purchase_order_receive(
    *, order: PurchaseOrder, user, received_weights: dict[int, Any] | None = None
) -> PurchaseOrder:
    """confirmed → received, recording each line's received (catch) weight; unlisted lines keep the
    ordered weight."""
    require_capability(user=user, capability=Capability.APPROVE)
    received_weights = received_weights or {}
    current = locked(order)  # read the status under the lock before touching its lines
    lines = {line.pk: line for line in current.lines.all()}
    errors: dict[str, list[str]] = {}
    parsed: dict[int, Decimal] = {}
    for key, raw in received_weights.items():
        try:
            line_id = int(key)
        except (TypeError, ValueError):
            line_id = None
        if line_id not in lines:
            errors[f"lines.{key}"] = ["This line is not on the order."]
            continue
        try:
            weight = Decimal(str(raw)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors[f"lines.{key}"] = ["Enter a weight."]
            continue
        if not weight.is_finite() or weight <= 0 or weight >= Decimal("1e10"):
            errors[f"lines.{key}"] = ["The received weight must be greater than zero."]
            continue
        parsed[line_id] = weight
    if errors:
        raise RecordInvalid(errors)
    if current.status == Status.CONFIRMED:
        changed = {}
        for line_id, line in lines.items():
            weight = parsed.get(line_id, line.weight)
            line.received_weight = weight
            if weight != line.weight:
                changed[str(line_id)] = [str(line.weight), str(weight)]
        PurchaseOrderLine.objects.bulk_update(list(lines.values()), ["received_weight"])
        extra = {"received_weights": changed} if changed else {}
    else:
        extra = {}
    return _transition(
        order=order, user=user, verb="receive", allowed_from=(Status.CONFIRMED,), to=Status.RECEIVED, extra=extra
    )


@transaction.atomic
def purchase_order_close(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """received → closed: nothing more is expected on this order."""
    return _transition(order=order, user=user, verb="close", allowed_from=(Status.RECEIVED,), to=Status.CLOSED)
