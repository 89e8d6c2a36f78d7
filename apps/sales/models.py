"""Sales orders (PRODUCT.md §5): what the broker sells to a customer, each line traceable to the
purchase-order line it was bought on, so margin per line and per order is known."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from apps.partners.models import Customer, Location
from apps.products.models import Product
from apps.purchasing.models import PurchaseOrderLine
from apps.records.models import TrackedRecord, search_document, search_index

POSITIVE = MinValueValidator(Decimal("0.01"), message="Must be greater than zero.")


class SalesOrder(TrackedRecord):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CONFIRMED = "confirmed", "Confirmed"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        INVOICED = "invoiced", "Invoiced"
        CANCELLED = "cancelled", "Cancelled"

    # Confirmed but not yet invoiced: these count against the customer's credit limit.
    OPEN_STATUSES = (Status.CONFIRMED, Status.SHIPPED, Status.DELIVERED)

    number = models.CharField(max_length=20, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sales_orders")
    ship_to = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="sales_orders")
    delivery_date = models.DateField()
    notes = models.TextField(blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"), editable=False)
    # Sum of the sourced lines' margins (an unsourced line has no known cost).
    margin = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"), editable=False)
    credit_override_reason = models.TextField(blank=True, editable=False)
    search_text = search_document("number", "notes")

    class Meta:
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["customer", "status"], name="so_customer_status_idx"),
            models.Index(fields=["status", "delivery_date"], name="so_status_delivery_idx"),
            search_index("salesorder"),
        ]

    def __str__(self) -> str:
        return self.number or "New sales order"

    def clean(self) -> None:
        super().clean()
        if self.customer_id and self.ship_to_id and self.ship_to.customer_id != self.customer_id:
            raise ValidationError({"ship_to": "This location belongs to another partner."})
        if self.ship_to_id and self.ship_to.kind != Location.Kind.SHIP_TO:
            raise ValidationError({"ship_to": "Choose a ship-to location."})


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="sales_order_lines")
    source = models.ForeignKey(
        PurchaseOrderLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sales_lines",
        help_text="The purchase-order line this is sold from.",
    )
    cases = models.PositiveIntegerField(validators=[MinValueValidator(1, message="Sell at least one case.")])
    weight = models.DecimalField(max_digits=12, decimal_places=2, validators=[POSITIVE])
    unit_price = models.DecimalField("price per unit", max_digits=12, decimal_places=4, validators=[POSITIVE])
    # Rounded once when the line is written (backend.money), so reports sum stored cents.
    amount = models.DecimalField(max_digits=14, decimal_places=2, editable=False)
    cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, editable=False)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["source"], name="soline_source_idx")]

    def __str__(self) -> str:
        return f"{self.order} · {self.product.code} · {self.cases} cs"

    @property
    def margin(self) -> Decimal | None:
        return None if self.cost is None else self.amount - self.cost
