"""Accounting (PRODUCT.md §5): invoices raised from delivered sales orders, and payments — customer receipts
allocated across invoices, supplier payments allocated to purchase orders. All amounts in the tenant's
currency, Decimal, rounded to cents (backend.money)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.partners.models import Customer, Supplier
from apps.purchasing.models import PurchaseOrder
from apps.records.models import TrackedRecord, search_document, search_index
from apps.sales.models import SalesOrder
from backend.clock import tenant_today

ZERO = Decimal("0.00")
POSITIVE = MinValueValidator(Decimal("0.01"), message="Must be greater than zero.")


class Invoice(TrackedRecord):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    # Issued and not fully paid: counted as receivables (aging, credit exposure).
    OPEN_STATUSES = (Status.ISSUED, Status.PARTIALLY_PAID)
    # Owed or about to be: counted against the customer's credit limit (drafts included).
    UNPAID_STATUSES = (Status.DRAFT, Status.ISSUED, Status.PARTIALLY_PAID)

    number = models.CharField(max_length=20, unique=True, editable=False)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.DRAFT, editable=False)
    sales_order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="invoices", editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices", editable=False)
    issued_on = models.DateField(null=True, blank=True, editable=False)
    due_on = models.DateField(null=True, blank=True, editable=False)
    total = models.DecimalField(max_digits=14, decimal_places=2, editable=False)
    paid = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO, editable=False)
    search_text = search_document("number", "status")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["sales_order"], condition=~Q(status="void"), name="invoice_one_live_per_sales_order"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="invoice_status_due_idx"),
            models.Index(fields=["customer", "status"], name="invoice_customer_status_idx"),
            search_index("invoice"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid

    @property
    def days_late(self) -> int | None:
        """Days past due for an overdue invoice (tenant's calendar), else None."""
        if not self.is_overdue:
            return None
        return (tenant_today() - self.due_on).days

    @property
    def is_overdue(self) -> bool:
        """Open (issued or partly paid) and past its due date in the tenant's calendar."""
        return self.status in self.OPEN_STATUSES and self.due_on is not None and self.due_on < tenant_today()


class Payment(TrackedRecord):
    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Customer receipt"
        SUPPLIER = "supplier", "Supplier payment"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField("date")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[POSITIVE])
    reference = models.CharField(max_length=100, blank=True, help_text="Cheque or wire reference")
    search_text = search_document("reference", "kind")

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="receipt", customer__isnull=False, supplier__isnull=True)
                | Q(kind="supplier", customer__isnull=True, supplier__isnull=False),
                name="payment_partner_matches_kind",
                violation_error_message="A receipt comes from a customer; a supplier payment goes to a supplier.",
            )
        ]
        indexes = [models.Index(fields=["kind", "received_on"], name="payment_kind_date_idx"), search_index("payment")]

    def __str__(self) -> str:
        partner = self.customer or self.supplier
        return f"{self.get_kind_display()} {self.received_on:%Y-%m-%d} · {partner} · {self.amount}"

    @property
    def partner(self):
        return self.customer or self.supplier


class PaymentAllocation(models.Model):
    """Part of a payment applied to one invoice (receipts) or one purchase order (supplier payments)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations")
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_allocations"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[POSITIVE])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(invoice__isnull=False, purchase_order__isnull=True)
                | Q(invoice__isnull=True, purchase_order__isnull=False),
                name="allocation_exactly_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} → {self.invoice or self.purchase_order}"


class CustomerCredit(TrackedRecord):
    """Money the broker owes back to a customer (a settled claim): it reduces the customer's open balance."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credits")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[POSITIVE])
    issued_on = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        indexes = [models.Index(fields=["customer"], name="credit_customer_idx")]

    def __str__(self) -> str:
        return f"Credit {self.amount} · {self.customer} · {self.reason}"


class CreditApplication(models.Model):
    """Part of a customer credit applied to one of that customer's open invoices: it pays the invoice down
    (its balance due falls) and shows where the credit went."""

    credit = models.ForeignKey(CustomerCredit, on_delete=models.PROTECT, related_name="applications")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_applications")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[POSITIVE])
    applied_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["applied_on", "pk"]
        indexes = [
            models.Index(fields=["credit"], name="creditapp_credit_idx"),
            models.Index(fields=["invoice"], name="creditapp_invoice_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of credit #{self.credit_id} → {self.invoice}"


class SupplierCredit(TrackedRecord):
    """Money a supplier owes back to the broker against one purchase order (a settled claim on one of its
    lines): it reduces what is still payable on that order (payables due, supplier payment limits)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="credits")
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="supplier_credits")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[POSITIVE])
    issued_on = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        indexes = [
            models.Index(fields=["supplier"], name="supcredit_supplier_idx"),
            models.Index(fields=["purchase_order"], name="supcredit_po_idx"),
        ]

    def __str__(self) -> str:
        return f"Supplier credit {self.amount} · {self.supplier} · {self.reason}"


class SupplierBill(models.Model):
    """The supplier's own invoice for one purchase order (suppliers bill per load): its number, date and
    amount as the supplier states them. A received order without one is "received, not invoiced" — goods
    the broker owes for but has no bill for yet. Payables and the supplier's balance still come from the
    orders themselves (the broker's figure); the bill records that the supplier has billed, and any
    difference between its amount and the order's received amount."""

    purchase_order = models.OneToOneField(PurchaseOrder, on_delete=models.PROTECT, related_name="supplier_bill")
    number = models.CharField("supplier's invoice number", max_length=60)
    billed_on = models.DateField("invoice date")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[POSITIVE])
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-billed_on", "-pk"]

    def __str__(self) -> str:
        return f"Supplier invoice {self.number} for {self.purchase_order}"
