"""Claims (PRODUCT.md §5): a customer's complaint against a sales-order line (shortage, damage, temperature,
quality). Settling an approved claim credits the customer's account."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from apps.accounting.models import CustomerCredit
from apps.records.models import TrackedRecord, search_document, search_index
from apps.sales.models import SalesOrderLine


class Claim(TrackedRecord):
    class Reason(models.TextChoices):
        SHORTAGE = "shortage", "Shortage"
        DAMAGE = "damage", "Damage"
        TEMPERATURE = "temperature", "Temperature"
        QUALITY = "quality", "Quality"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SETTLED = "settled", "Settled"

    sales_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="claims")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), message="Must be greater than zero.")],
    )
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    credit = models.OneToOneField(
        CustomerCredit, null=True, blank=True, on_delete=models.PROTECT, related_name="claim", editable=False
    )
    search_text = search_document("reason", "description")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status"], name="claim_status_idx"), search_index("claim")]

    def __str__(self) -> str:
        return f"Claim #{self.pk} · {self.get_reason_display()} · {self.amount}"

    @property
    def order(self):
        return self.sales_line.order
