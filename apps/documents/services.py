"""Writes for documents: the company details (administrators) and e-mailing a document (managers and up:
the same people who issue invoices and confirm orders). Each is audited; sending is queued on the job queue
after the transaction commits, and the job records the outcome on the send (the document's history)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django_tenants.utils import schema_context

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_record
from apps.records.documents import validation_errors
from apps.records.services import RecordInvalid
from backend.clock import now

from .models import CompanyDetails, DocumentSend

COMPANY_FIELDS = [
    "legal_name",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "tax_id",
    "phone",
    "email",
    "remit_to",
    "bank_details",
    "document_note",
]
MAX_RECIPIENTS = 10


@transaction.atomic
def company_details_update(*, user, data: dict[str, Any]) -> CompanyDetails:
    require_capability(user=user, capability=Capability.ADMINISTER)
    # One row per tenant: created on the first save, locked so two administrators' saves queue.
    CompanyDetails.objects.get_or_create(key=1)
    details = CompanyDetails.objects.select_for_update().get(key=1)
    before = {name: getattr(details, name) for name in COMPANY_FIELDS}
    for name in COMPANY_FIELDS:
        if name in data:
            setattr(details, name, data[name])
    errors = validation_errors(details, exclude=[])
    if errors:
        raise RecordInvalid(errors)
    details.updated_by_id = user.pk
    details.save()
    changes = {
        name: [before[name], getattr(details, name)]
        for name in COMPANY_FIELDS
        if before[name] != getattr(details, name)
    }
    audit_record(action="companydetails.update", actor=user, target=details, changes=changes)
    return details


def _clean_recipients(recipients: list[str]) -> list[str]:
    cleaned: list[str] = []
    for address in recipients:
        address = address.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError as exc:
            raise RecordInvalid({"recipients": [f"{address} is not an e-mail address."]}) from exc
        if address.lower() not in (known.lower() for known in cleaned):
            cleaned.append(address)
    if not cleaned:
        raise RecordInvalid({"recipients": ["Choose at least one recipient."]})
    if len(cleaned) > MAX_RECIPIENTS:
        raise RecordInvalid({"recipients": [f"At most {MAX_RECIPIENTS} recipients."]})
    return cleaned


@transaction.atomic
def document_send(
    *,
    user,
    kind: str,
    document,
    number: str,
    recipients: list[str],
    message: str = "",
    period: tuple[datetime.date, datetime.date] | None = None,
) -> DocumentSend:
    """Queue an e-mail of `document` (an Invoice, PurchaseOrder or Customer for a statement) with its PDF."""
    require_capability(user=user, capability=Capability.APPROVE)
    if kind not in DocumentSend.Kind.values:
        raise RecordInvalid({"kind": ["Unknown document kind."]})
    send = DocumentSend.objects.create(
        kind=kind,
        object_id=document.pk,
        number=number,
        recipients=_clean_recipients(recipients),
        message=message.strip()[:2000],
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        created_by_id=user.pk,
    )
    audit_record(
        action=f"{document._meta.model_name}.send",
        actor=user,
        target=document,
        changes={"send": [None, send.pk], "recipients": [None, send.recipients], "document": [None, number]},
    )
    schema = connection.schema_name

    def queue() -> None:
        from .tasks import send_document

        with schema_context(schema):
            send_document.defer(send_id=send.pk)

    transaction.on_commit(queue)
    return send


def document_send_finish(*, send: DocumentSend, error: str = "") -> DocumentSend:
    """Record the job's outcome on the send (and in the audit log)."""
    send.status = DocumentSend.Status.FAILED if error else DocumentSend.Status.SENT
    send.error = error[:300]
    send.sent_at = None if error else now()
    send.save(update_fields=["status", "error", "sent_at"])
    audit_record(
        action="documentsend.failed" if error else "documentsend.sent",
        target=send,
        changes={"status": [DocumentSend.Status.QUEUED, send.status], "recipients": [None, send.recipients]},
    )
    return send
