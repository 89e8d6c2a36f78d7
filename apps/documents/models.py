"""Business documents (issue 19): the tenant's company details printed on every document, and the record of
each document sent by e-mail (its history)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from apps.records.models import AddressFields


class CompanyDetails(AddressFields):
    """The tenant's own letterhead: one row per tenant schema (`key` is always 1)."""

    key = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    legal_name = models.CharField(
        max_length=200, blank=True, help_text="Printed as the sender; the workspace name if empty"
    )
    tax_id = models.CharField("tax id", max_length=40, blank=True, help_text="e.g. EIN 12-3456789")
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True, help_text="Replies to e-mailed documents go here")
    remit_to = models.TextField(
        "remit to", blank=True, help_text="Where customers send payments, if not the address above"
    )
    bank_details = models.TextField(blank=True, help_text="Bank, routing and account number for wire payments")
    document_note = models.CharField(max_length=300, blank=True, help_text="A line at the foot of every document")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "company details"
        verbose_name_plural = "company details"

    def __str__(self) -> str:
        return self.legal_name or "Company details"


class DocumentSend(models.Model):
    """One e-mailing of a document (an invoice, a purchase order, a statement, an order confirmation, a
    claim): queued by a user, sent by the job queue with the PDF attached. The rows of one document are its
    send history."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        PURCHASE_ORDER = "purchase_order", "Purchase order"
        STATEMENT = "statement", "Statement"
        SALES_ORDER = "sales_order", "Order confirmation"
        CLAIM = "claim", "Claim"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    number = models.CharField(max_length=40, help_text="The document number (or the statement's period)")
    recipients = ArrayField(models.EmailField())
    message = models.TextField(blank=True)
    # A statement's period; empty for other documents.
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "object_id"], name="docsend_document_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} → {', '.join(self.recipients)}"
