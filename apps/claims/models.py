"""Claims (PRODUCT.md §5): a complaint against a sales-order line (the customer's, against the broker) or a
purchase-order line (the broker's, against the supplier) — shortage, damage, temperature, quality. Exactly
one of the two lines is set (a database check). Settling an approved claim credits the customer's account
(sales line) or records a supplier credit that lowers what is payable on the purchase order (purchase line)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from apps.accounting.models import CustomerCredit, SupplierCredit
from apps.purchasing.models import PurchaseOrderLine
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

    sales_line = models.ForeignKey(
        SalesOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    purchase_line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
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
    supplier_credit = models.OneToOneField(
        SupplierCredit, null=True, blank=True, on_delete=models.PROTECT, related_name="claim", editable=False
    )
    # The day the claim was settled (its credit's issue date), kept on the claim itself.
    settled_on = models.DateField(null=True, blank=True, editable=False)
    search_text = search_document("reason", "description")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status"], name="claim_status_idx"), search_index("claim")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(sales_line__isnull=False, purchase_line__isnull=True)
                    | models.Q(sales_line__isnull=True, purchase_line__isnull=False)
                ),
                name="claim_exactly_one_line",
                violation_error_message="A claim is against exactly one sales or purchase order line.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="settled") | models.Q(settled_on__isnull=False),
                name="claim_settled_has_date",
                violation_error_message="A settled claim has a settlement date.",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.pk} · {self.get_reason_display()} · {self.amount}"

    @property
    def line(self) -> SalesOrderLine | PurchaseOrderLine:
        return self.sales_line if self.sales_line_id else self.purchase_line

    @property
    def is_purchase(self) -> bool:
        return self.purchase_line_id is not None

    @property
    def order(self):
        return self.line.order

    @property
    def party(self):
        """The customer (sales-line claim) or the supplier (purchase-line claim)."""
        order = self.order
        return order.supplier if self.is_purchase else order.customer
