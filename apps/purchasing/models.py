"""Purchase orders (PRODUCT.md §5): what the broker buys from a supplier's plant, line by line.

Catch-weight products are invoiced on the weight actually received, so each line keeps the ordered weight
and, once received, the received weight; amounts use the received weight when there is one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from apps.partners.models import Carrier, PaymentTerms, Plant, Supplier
from apps.products.models import Product
from apps.records.models import TrackedRecord, search_document, search_index
from backend.money import line_amount

PICKUP_RANGE = (datetime.date(1900, 1, 1), datetime.date(2999, 12, 31))
POSITIVE = MinValueValidator(Decimal("0.01"), message="Must be greater than zero.")


class PurchaseOrder(TrackedRecord):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CONFIRMED = "confirmed", "Confirmed"
        RECEIVED = "received", "Received"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=20, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    plant = models.ForeignKey(Plant, on_delete=models.PROTECT, related_name="purchase_orders")
    carrier = models.ForeignKey(
        Carrier, null=True, blank=True, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    pickup_date = models.DateField()
    terms = models.PositiveSmallIntegerField(choices=PaymentTerms.choices, default=PaymentTerms.NET_30)
    notes = models.TextField(blank=True)
    search_text = search_document("number", "notes")

    class Meta:
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["status", "pickup_date"], name="po_status_pickup_idx"),
            models.Index(fields=["pickup_date"], name="po_pickup_idx"),
            search_index("purchaseorder"),
        ]

    def __str__(self) -> str:
        return self.number or "New purchase order"

    def clean(self) -> None:
        super().clean()
        if self.supplier_id and self.plant_id and self.plant.supplier_id != self.supplier_id:
            raise ValidationError({"plant": "This plant belongs to another supplier."})
        # Payables count the terms' days forward from pickup: 9999-12-31 + 30 days answered 500 there.
        if self.pickup_date is not None and not PICKUP_RANGE[0] <= self.pickup_date <= PICKUP_RANGE[1]:
            raise ValidationError(
                {"pickup_date": f"Enter a date between {PICKUP_RANGE[0]:%Y-%m-%d} and {PICKUP_RANGE[1]:%Y-%m-%d}."}
            )

    @property
    def total(self) -> Decimal:
        """Sum of the lines' amounts (use with prefetched lines)."""
        return sum((line.amount for line in self.lines.all()), Decimal("0.00"))


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="purchase_order_lines")
    cases = models.PositiveIntegerField(validators=[MinValueValidator(1, message="Order at least one case.")])
    weight = models.DecimalField(max_digits=12, decimal_places=2, validators=[POSITIVE])
    unit_cost = models.DecimalField("cost per unit", max_digits=12, decimal_places=4, validators=[POSITIVE])
    received_weight = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[POSITIVE], editable=False
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.order} · {self.product.code} · {self.cases} cs"

    @property
    def billed_weight(self) -> Decimal:
        """The received weight once known (catch weight), else the ordered weight."""
        return self.received_weight if self.received_weight is not None else self.weight

    @property
    def amount(self) -> Decimal:
        return line_amount(self.billed_weight, self.unit_cost)
