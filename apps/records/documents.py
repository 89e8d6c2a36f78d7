"""Helpers for services that write order-like documents (a header plus lines): validation errors keyed by
field (`lines.0.weight`) and audit-friendly values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from apps.audit.services import audit_record
from backend.exceptions import ApplicationError


def audit_value(value: Any) -> Any:
    """A JSON-safe value for an audit event: related records by id, decimals and dates as text."""
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def validation_errors(instance: models.Model, *, exclude: list[str], prefix: str = "") -> dict[str, list[str]]:
    """`instance.full_clean()` as a dict of messages, each key prefixed (`lines.0.` → `lines.0.weight`)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = {}
        for field, messages in exc.message_dict.items():
            key = (prefix.rstrip(".") or "__all__") if field == "__all__" else f"{prefix}{field}"
            errors[key] = messages
        return errors
    return {}


def locked(document: models.Model) -> models.Model:
    """The document re-read under a row lock, so two writes to one document run one after the other."""
    return type(document).objects.select_for_update().get(pk=document.pk)


def copy_into(target: models.Model, source: models.Model) -> None:
    """Give the caller's instance the stored values (and drop its stale prefetched lines)."""
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    if hasattr(target, "_prefetched_objects_cache"):
        target._prefetched_objects_cache = {}


def status_transition(
    *,
    document: models.Model,
    user,
    verb: str,
    past: str,
    allowed_from: tuple[str, ...],
    to: str,
    extra: dict | None = None,
    before_save: Callable[[models.Model], None] | None = None,
) -> models.Model:
    """Move a document (with `status`) from one of `allowed_from` to `to`, audited as `<model>.<verb>`.

    Callers check the capability first and run inside their transaction. A refused move raises
    ApplicationError (code invalid_transition, HTTP 400) and writes nothing.
    """
    row = locked(document)
    if row.status not in allowed_from:
        raise ApplicationError(
            f"A {row.get_status_display().lower()} {row._meta.verbose_name} cannot be {past}.",
            field="status",
            code="invalid_transition",
        )
    before = row.status
    row.status = to
    row.updated_by_id = user.pk
    if before_save:
        before_save(row)
    row.save()
    audit_record(
        action=f"{row._meta.model_name}.{verb}",
        actor=user,
        target=row,
        changes={"status": [before, to], **(extra or {})},
    )
    copy_into(document, row)
    return document
