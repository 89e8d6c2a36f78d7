"""Partner ledgers (reads): a customer's or supplier's account over a date range — opening balance, each
invoice / payment / credit (or purchase order / supplier payment / supplier credit) with a running balance,
closing balance — and what is open or unapplied today. Statements (PDF, CSV) and the account pages read
these, so they cannot disagree.

Customer balance = invoices issued − receipts − credits (drafts and voided invoices are not on the account).
Supplier balance = purchase orders confirmed or later (dated by pickup) − supplier payments − supplier credits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round

from apps.partners.models import Customer, Supplier
from apps.purchasing.models import PurchaseOrder, PurchaseOrderLine

from .models import ZERO, CreditApplication, CustomerCredit, Invoice, Payment, PaymentAllocation, SupplierCredit
from .services import PAYABLE_PO_STATUSES

MONEY = DecimalField(max_digits=16, decimal_places=2)
# Invoices that are on the customer's account: issued at some point and not voided.
POSTED_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID, Invoice.Status.PAID)


@dataclass(frozen=True)
class Entry:
    """One line of a ledger: `debit` raises what the partner owes (or is owed), `credit` lowers it."""

    date: datetime.date
    kind: str  # invoice / payment / credit (customers); order / payment / credit (suppliers)
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal
    url: str = ""


@dataclass
class Ledger:
    partner: Customer | Supplier
    start: datetime.date
    end: datetime.date
    opening: Decimal
    entries: list[Entry] = field(default_factory=list)

    @property
    def debits(self) -> Decimal:
        return sum((entry.debit for entry in self.entries), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((entry.credit for entry in self.entries), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debits - self.credits


def _sum(queryset, expression="amount") -> Decimal:
    return queryset.aggregate(total=Coalesce(Sum(expression), Value(ZERO), output_field=MONEY))["total"]


def _running(opening: Decimal, rows: list[tuple]) -> list[Entry]:
    """rows: (date, order within a day, pk, kind, reference, description, debit, credit, url)."""
    balance, entries = opening, []
    for day, _rank, _pk, kind, reference, description, debit, credit, url in sorted(rows, key=lambda r: r[:3]):
        balance += debit - credit
        entries.append(Entry(day, kind, reference, description, debit, credit, balance, url))
    return entries


# --- customers -------------------------------------------------------------------------------------------


def customer_balance(*, customer: Customer, as_of: datetime.date | None = None, before: bool = False) -> Decimal:
    """Invoices − receipts − credits dated on or before `as_of` (strictly before it with `before`)."""
    day = "lt" if before else "lte"
    invoices = Invoice.objects.filter(customer=customer, status__in=POSTED_STATUSES)
    receipts = Payment.objects.filter(customer=customer, kind=Payment.Kind.RECEIPT)
    credits = CustomerCredit.objects.filter(customer=customer)
    if as_of is not None:
        invoices = invoices.filter(**{f"issued_on__{day}": as_of})
        receipts = receipts.filter(**{f"received_on__{day}": as_of})
        credits = credits.filter(**{f"issued_on__{day}": as_of})
    return _sum(invoices, "total") - _sum(receipts) - _sum(credits)


def customer_ledger(*, customer: Customer, start: datetime.date, end: datetime.date) -> Ledger:
    """The customer's account from `start` to `end` (inclusive) with a running balance. Four queries."""
    rows: list[tuple] = []
    invoices = Invoice.objects.filter(
        customer=customer, status__in=POSTED_STATUSES, issued_on__gte=start, issued_on__lte=end
    ).values_list("pk", "number", "issued_on", "due_on", "total")
    for pk, number, issued_on, due_on, total in invoices:
        description = f"Invoice, due {due_on:%Y-%m-%d}" if due_on else "Invoice"
        rows.append((issued_on, 0, pk, "invoice", number, description, total, ZERO, f"/invoices/{pk}/"))
    receipts = Payment.objects.filter(
        customer=customer, kind=Payment.Kind.RECEIPT, received_on__gte=start, received_on__lte=end
    ).values_list("pk", "received_on", "reference", "amount")
    for pk, received_on, reference, amount in receipts:
        rows.append(
            (received_on, 1, pk, "payment", reference or f"Payment #{pk}", "Payment received", ZERO, amount,
             f"/payments/{pk}/")
        )  # fmt: skip
    credits = CustomerCredit.objects.filter(customer=customer, issued_on__gte=start, issued_on__lte=end).values_list(
        "pk", "issued_on", "reason", "amount"
    )
    for pk, issued_on, reason, amount in credits:
        rows.append((issued_on, 2, pk, "credit", f"Credit #{pk}", reason, ZERO, amount, ""))
    opening = customer_balance(customer=customer, as_of=start, before=True)
    return Ledger(partner=customer, start=start, end=end, opening=opening, entries=_running(opening, rows))


def customer_open_invoices(*, customer: Customer, limit: int = 50) -> tuple[list[Invoice], int]:
    """The oldest-due `limit` issued invoices with a balance, and how many there are in all."""
    open_invoices = Invoice.objects.filter(customer=customer, status__in=Invoice.OPEN_STATUSES)
    shown = list(
        open_invoices.order_by("due_on", "pk").only(
            "pk", "number", "status", "issued_on", "due_on", "total", "paid", "customer_id"
        )[:limit]
    )
    return shown, (len(shown) if len(shown) < limit else open_invoices.count())


def customer_credits(*, customer: Customer) -> list[CustomerCredit]:
    """Every credit of the customer with where it went (applications to invoices) and what is left."""
    credits = list(
        CustomerCredit.objects.filter(customer=customer)
        .prefetch_related(
            Prefetch("applications", queryset=CreditApplication.objects.select_related("invoice").order_by("pk"))
        )
        .select_related("claim")
        .order_by("-issued_on", "-pk")
    )
    for credit in credits:
        credit.applied = sum((application.amount for application in credit.applications.all()), ZERO)
        credit.unapplied = credit.amount - credit.applied
    return credits


def customer_unallocated_receipts(*, customer: Customer) -> list[Payment]:
    """Receipts with money not allocated to any invoice (on account)."""
    allocated = (
        PaymentAllocation.objects.filter(payment=OuterRef("pk"))
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return list(
        Payment.objects.filter(customer=customer, kind=Payment.Kind.RECEIPT)
        .annotate(allocated=Coalesce(Subquery(allocated), Value(ZERO), output_field=MONEY))
        .annotate(unallocated=F("amount") - F("allocated"))
        .filter(unallocated__gt=0)
        .order_by("received_on", "pk")
    )


# --- suppliers -------------------------------------------------------------------------------------------


def _line_amount(prefix: str = ""):
    """A purchase-order line's amount in SQL, as `PurchaseOrderLine.amount`: billed weight × cost, rounded to
    cents per line (PostgreSQL rounds numeric halves away from zero, like backend.money)."""
    weight = Coalesce(f"{prefix}received_weight", f"{prefix}weight")
    return Round(weight * F(f"{prefix}unit_cost"), 2, output_field=MONEY)


def _po_totals():
    return Sum(_line_amount("lines__"), output_field=MONEY)


def _orders(supplier: Supplier):
    return PurchaseOrder.objects.filter(supplier=supplier, status__in=PAYABLE_PO_STATUSES)


def supplier_balance(*, supplier: Supplier, as_of: datetime.date | None = None, before: bool = False) -> Decimal:
    """What the broker owes the supplier: payable purchase orders − supplier payments − supplier credits."""
    day = "lt" if before else "lte"
    orders = _orders(supplier)
    payments = Payment.objects.filter(supplier=supplier, kind=Payment.Kind.SUPPLIER)
    credits = SupplierCredit.objects.filter(supplier=supplier)
    if as_of is not None:
        orders = orders.filter(**{f"pickup_date__{day}": as_of})
        payments = payments.filter(**{f"received_on__{day}": as_of})
        credits = credits.filter(**{f"issued_on__{day}": as_of})
    lines = PurchaseOrderLine.objects.filter(order__in=orders.values("pk"))
    owed = _sum(lines, _line_amount())
    return owed - _sum(payments) - _sum(credits)


def supplier_ledger(*, supplier: Supplier, start: datetime.date, end: datetime.date) -> Ledger:
    """The supplier's account from `start` to `end` with a running balance (purchase orders by pickup date)."""
    rows: list[tuple] = []
    orders = (
        _orders(supplier)
        .filter(pickup_date__gte=start, pickup_date__lte=end)
        .annotate(amount=_po_totals())
        .values_list("pk", "number", "pickup_date", "terms", "amount")
    )
    for pk, number, pickup_date, terms, amount in orders:
        due = pickup_date + datetime.timedelta(days=terms)
        rows.append(
            (pickup_date, 0, pk, "order", number, f"Purchase order, due {due:%Y-%m-%d}", amount or ZERO, ZERO,
             f"/purchase-orders/{pk}/")
        )  # fmt: skip
    payments = Payment.objects.filter(
        supplier=supplier, kind=Payment.Kind.SUPPLIER, received_on__gte=start, received_on__lte=end
    ).values_list("pk", "received_on", "reference", "amount")
    for pk, day, reference, amount in payments:
        rows.append((day, 1, pk, "payment", reference or f"Payment #{pk}", "Payment made", ZERO, amount,
                     f"/payments/{pk}/"))  # fmt: skip
    credits = SupplierCredit.objects.filter(supplier=supplier, issued_on__gte=start, issued_on__lte=end).select_related(
        "purchase_order"
    )
    for credit in credits:
        rows.append(
            (credit.issued_on, 2, credit.pk, "credit", f"Credit #{credit.pk}",
             f"{credit.reason} (against {credit.purchase_order.number})", ZERO, credit.amount, "")
        )  # fmt: skip
    opening = supplier_balance(supplier=supplier, as_of=start, before=True)
    return Ledger(partner=supplier, start=start, end=end, opening=opening, entries=_running(opening, rows))


def supplier_open_orders(*, supplier: Supplier) -> list[PurchaseOrder]:
    """Purchase orders still owing money (payable, open amount > 0) plus drafts, oldest pickup first, each with
    `amount`, `paid`, `credited`, `open` and `due_on`."""
    paid = (
        PaymentAllocation.objects.filter(purchase_order=OuterRef("pk"))
        .values("purchase_order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    credited = (
        SupplierCredit.objects.filter(purchase_order=OuterRef("pk"))
        .values("purchase_order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    orders = (
        PurchaseOrder.objects.filter(supplier=supplier)
        .filter(Q(status__in=PAYABLE_PO_STATUSES) | Q(status=PurchaseOrder.Status.DRAFT))
        .annotate(
            amount=Coalesce(_po_totals(), Value(ZERO), output_field=MONEY),
            paid=Coalesce(Subquery(paid), Value(ZERO), output_field=MONEY),
            credited=Coalesce(Subquery(credited), Value(ZERO), output_field=MONEY),
        )
        .order_by("pickup_date", "pk")
    )
    result = []
    for order in orders:
        order.open = order.amount - order.paid - order.credited
        order.due_on = order.pickup_date + datetime.timedelta(days=order.terms)
        if order.status == PurchaseOrder.Status.DRAFT or order.open > ZERO:
            result.append(order)
    return result


def supplier_credits(*, supplier: Supplier) -> list[SupplierCredit]:
    return list(
        SupplierCredit.objects.filter(supplier=supplier).select_related("purchase_order").order_by("-issued_on", "-pk")
    )
