"""Generic writes for business records: capability check → validate → write → audit, in one transaction.

Each business app wraps these in its own named services (`supplier_create(*, user, data)`), so callers and
tests read the domain's language while the rules for every record stay in one place.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from apps.privacy.subjects import seal_changes
from backend.exceptions import ApplicationError

Record = TypeVar("Record", bound=models.Model)


class RecordInvalid(ApplicationError):
    """Validation failed on one or more fields; `as_dict()` carries every field's messages (HTTP 400)."""

    def __init__(self, errors: dict[str, list[str]]):
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=first_field)
        self.errors = errors

    def as_dict(self) -> dict[str, list[str]]:
        return {("non_field_errors" if field == "__all__" else field): msgs for field, msgs in self.errors.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal | datetime.date | datetime.datetime):
        return str(value)
    return value


def _editable_values(record: models.Model) -> dict[str, Any]:
    return {
        field.name: _jsonable(getattr(record, field.name))
        for field in record._meta.concrete_fields
        if field.editable and not field.primary_key
    }


def _validate(record: models.Model) -> None:
    try:
        record.full_clean()
    except ValidationError as exc:
        raise RecordInvalid(exc.message_dict) from exc


def _action(record: models.Model, verb: str) -> str:
    return f"{record._meta.model_name}.{verb}"


@transaction.atomic
def record_create(*, model: type[Record], user, data: dict[str, Any]) -> Record:
    require_capability(user=user, capability=Capability.EDIT)
    record = model(**data)
    _validate(record)
    record.created_by_id = record.updated_by_id = user.pk
    record.save()
    after = _editable_values(record)
    audit_record(
        action=_action(record, "create"),
        actor=user,
        target=record,
        changes=seal_changes(
            record, {field: [None, value] for field, value in after.items() if value not in (None, "")}
        ),
    )
    return record


@transaction.atomic
def record_update(*, record: Record, user, data: dict[str, Any]) -> Record:
    require_capability(user=user, capability=Capability.EDIT)
    if getattr(record, "is_archived", False):
        raise ApplicationError("Archived records cannot be edited.", code="archived")
    before = _editable_values(record)
    for field, value in data.items():
        setattr(record, field, value)
    _validate(record)
    after = _editable_values(record)
    changes = {field: [before[field], after[field]] for field in after if before[field] != after[field]}
    if changes:
        record.updated_by_id = user.pk
        record.save()
        audit_record(action=_action(record, "update"), actor=user, target=record, changes=seal_changes(record, changes))
    return record


@transaction.atomic
def record_archive(*, record: Record, user) -> Record:
    require_capability(user=user, capability=Capability.EDIT)
    if record.is_archived:
        raise ApplicationError("This record is already archived.", code="archived")
    record.is_archived = True
    record.updated_by_id = user.pk
    record.save(update_fields=["is_archived", "updated_by_id", "updated_at"])
    audit_record(action=_action(record, "archive"), actor=user, target=record, changes={"is_archived": [False, True]})
    return record
