"""Document e-mails (procrastinate autodiscovers this module): build the PDF in the job, attach it, send."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from backend.jobs import tenant_task

from .models import DocumentSend
from .rendering import render_send
from .selectors import company_details_get, current_client
from .services import document_send_finish

logger = logging.getLogger(__name__)


@tenant_task(name="documents.send_document")
def send_document(*, send_id: int) -> str:
    """E-mail one queued document with its PDF attached; the send records sent or failed."""
    with transaction.atomic():
        send = DocumentSend.objects.select_for_update().filter(pk=send_id).first()
        if send is None or send.status != DocumentSend.Status.QUEUED:
            return "skipped"
        client = current_client()
        details = company_details_get()
        try:
            subject, body, filename, content = render_send(send, client=client, details=details)
        except LookupError as exc:  # the document is gone: record it, do not retry
            document_send_finish(send=send, error=str(exc))
            return "failed"
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=send.recipients,
            reply_to=[details.email] if details.email else None,
        )
        message.attach(filename, content, "application/pdf")
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 — the mail server refused: shown on the history, not retried blindly
            logger.warning("sending %s %s failed: %s", send.kind, send.number, exc)
            document_send_finish(send=send, error=f"The mail server refused it: {exc}")
            return "failed"
        document_send_finish(send=send)
    logger.info("sent %s %s to %d recipients", send.kind, send.number, len(send.recipients))
    return "sent"
