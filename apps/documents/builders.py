"""What each business document says: invoice, purchase order, sales-order confirmation and customer statement
as a `pdf.Document` (and the statement as CSV), written in the tenant's locale."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from apps.accounting.ledgers import Ledger
from apps.accounting.models import ZERO, Invoice
from apps.purchasing.models import PurchaseOrder
from apps.sales.models import SalesOrder
from backend.clock import tenant_today
from backend.csv_safe import csv_writer

from . import pdf
from .pdf import Document, Formatter, Letterhead
from .selectors import formatter_for, letterhead

MM = 2.8346  # points per millimetre
LINE_WIDTHS = [70 * MM, 18 * MM, 30 * MM, 30 * MM, 32 * MM]


def _address(partner) -> list[str]:
    city = " ".join(part for part in [partner.city, partner.state, partner.postal_code] if part)
    return [partner.name, partner.street, city]


def _goods_lines(fmt: Formatter, lines, price_field: str) -> list[list[str]]:
    rows = []
    for line in lines:
        unit = getattr(line.product, "unit", "")
        weight = getattr(line, "billed_weight", line.weight)
        rows.append(
            [
                f"{line.product.code} · {line.product.name}",
                fmt.number(line.cases),
                f"{fmt.number(weight)} {unit}".strip(),
                fmt.money(getattr(line, price_field)),
                fmt.money(line.amount),
            ]
        )
    return rows


GOODS_COLUMNS = [("Product", False), ("Cases", True), ("Weight", True), ("Price / unit", True), ("Amount", True)]


def invoice_document(invoice: Invoice, fmt: Formatter) -> Document:
    order = invoice.sales_order
    payments = sum((allocation.amount for allocation in invoice.allocations.all()), ZERO)
    credits = sum((application.amount for application in invoice.credit_applications.all()), ZERO)
    totals = [("Total", fmt.money(invoice.total))]
    if payments:
        totals.append(("Payments", fmt.money(-payments)))
    if credits:
        totals.append(("Credits applied", fmt.money(-credits)))
    totals.append(("Balance due", fmt.money(invoice.balance)))
    remarks = [f"Terms: {invoice.customer.get_payment_terms_display()}."]
    if invoice.status == Invoice.Status.DRAFT:
        remarks.insert(0, "DRAFT — not yet issued.")
    return Document(
        title="Invoice",
        number=invoice.number,
        facts=[
            ("Issued", fmt.day(invoice.issued_on)),
            ("Due", fmt.day(invoice.due_on)),
            ("Sales order", order.number),
            ("Customer", invoice.customer.code),
        ],
        parties=[("Bill to", _address(invoice.customer)), ("Ship to", _address(order.ship_to))],
        columns=GOODS_COLUMNS,
        rows=_goods_lines(fmt, order.lines.all(), "unit_price"),
        totals=totals,
        widths=LINE_WIDTHS,
        remarks=remarks,
        payment_details=True,
    )


def purchase_order_document(order: PurchaseOrder, fmt: Formatter) -> Document:
    plant = order.plant
    parties = [
        ("Supplier", _address(order.supplier)),
        ("Pickup at", [*_address(plant), f"EST. {plant.establishment_number}"]),
    ]
    if order.carrier_id:
        parties.append(("Carrier", [order.carrier.name, order.carrier.phone]))
    remarks = [f"Terms: {order.get_terms_display()}."] + ([order.notes] if order.notes else [])
    return Document(
        title="Purchase order",
        number=order.number,
        facts=[
            ("Date", fmt.day(order.created_at.date() if order.created_at else None)),
            ("Pickup", fmt.day(order.pickup_date)),
            ("Status", order.get_status_display()),
        ],
        parties=parties,
        columns=[*GOODS_COLUMNS[:3], ("Cost / unit", True), ("Amount", True)],
        rows=_goods_lines(fmt, order.lines.all(), "unit_cost"),
        totals=[("Total", fmt.money(order.total))],
        widths=LINE_WIDTHS,
        remarks=remarks,
    )


def sales_order_document(order: SalesOrder, fmt: Formatter) -> Document:
    return Document(
        title="Order confirmation",
        number=order.number,
        facts=[("Delivery", fmt.day(order.delivery_date)), ("Status", order.get_status_display())],
        parties=[("Customer", _address(order.customer)), ("Ship to", _address(order.ship_to))],
        columns=GOODS_COLUMNS,
        rows=_goods_lines(fmt, order.lines.all(), "unit_price"),
        totals=[("Total", fmt.money(order.total))],
        widths=LINE_WIDTHS,
        remarks=[order.notes] if order.notes else [],
    )


def claim_document(claim, fmt: Formatter) -> Document:
    """A claim against a sales line (the customer's) or a purchase line (ours, against the supplier)."""
    line, order, party = claim.line, claim.order, claim.party
    price = getattr(line, "unit_price", None) or getattr(line, "unit_cost", None)
    remarks = [claim.description] if claim.description else []
    credit = claim.credit or claim.supplier_credit
    if credit is not None:
        remarks.append(f"Settled {fmt.day(claim.settled_on)}: credit of {fmt.money(credit.amount)}.")
    return Document(
        title="Claim",
        number=f"#{claim.pk}",
        facts=[
            ("Date", fmt.day(claim.created_at.date() if claim.created_at else None)),
            ("Order", order.number),
            ("Reason", claim.get_reason_display()),
            ("Status", claim.get_status_display()),
        ],
        parties=[("Supplier" if claim.is_purchase else "Customer", _address(party))],
        columns=[("Product", False), ("Cases", True), ("Weight", True), ("Price / unit", True), ("Claimed", True)],
        rows=[
            [
                f"{line.product.code} · {line.product.name}",
                fmt.number(line.cases),
                fmt.number(line.weight),
                fmt.money(price),
                fmt.money(claim.amount),
            ]
        ],  # fmt: skip
        totals=[("Claimed", fmt.money(claim.amount))],
        widths=LINE_WIDTHS,
        remarks=remarks,
    )


STATEMENT_KINDS = {"invoice": "Invoice", "payment": "Payment", "credit": "Credit", "order": "Purchase order"}


def statement_document(ledger: Ledger, fmt: Formatter, *, aging: dict[str, Decimal] | None = None) -> Document:
    customer = ledger.partner
    rows = [[fmt.day(ledger.start), "", "", "Opening balance", "", "", fmt.money(ledger.opening)]]
    for entry in ledger.entries:
        rows.append(
            [
                fmt.day(entry.date),
                STATEMENT_KINDS.get(entry.kind, entry.kind),
                entry.reference,
                entry.description[:60],
                fmt.money(entry.debit) if entry.debit else "",
                fmt.money(entry.credit) if entry.credit else "",
                fmt.money(entry.balance),
            ]
        )
    remarks = []
    if aging:
        remarks.append("Aging: " + " · ".join(f"{label} {fmt.money(amount)}" for label, amount in aging.items()))
    return Document(
        title="Statement",
        number=customer.code,
        facts=[
            ("Period", f"{fmt.day(ledger.start)} – {fmt.day(ledger.end)}"),
            ("Date", fmt.day(tenant_today())),
        ],
        parties=[("To", _address(customer))],
        columns=[
            ("Date", False),
            ("Type", False),
            ("Reference", False),
            ("Description", False),
            ("Charges", True),
            ("Payments / credits", True),
            ("Balance", True),
        ],
        rows=rows,
        totals=[("Amount due", fmt.money(ledger.closing))],
        widths=[22 * MM, 18 * MM, 26 * MM, 46 * MM, 22 * MM, 24 * MM, 22 * MM],
        remarks=remarks,
        payment_details=True,
    )


def _pdf(build, record, head: Letterhead | None = None, **options) -> bytes:
    head = head or letterhead()
    return pdf.render(head, build(record, formatter_for(head), **options))


def invoice_pdf(invoice: Invoice, head: Letterhead | None = None) -> bytes:
    return _pdf(invoice_document, invoice, head)


def purchase_order_pdf(order: PurchaseOrder, head: Letterhead | None = None) -> bytes:
    return _pdf(purchase_order_document, order, head)


def sales_order_pdf(order: SalesOrder, head: Letterhead | None = None) -> bytes:
    return _pdf(sales_order_document, order, head)


def claim_pdf(claim, head: Letterhead | None = None) -> bytes:
    return _pdf(claim_document, claim, head)


def statement_pdf(ledger: Ledger, head: Letterhead | None = None, aging: dict | None = None) -> bytes:
    return _pdf(statement_document, ledger, head, aging=aging)


def statement_csv(ledger: Ledger) -> str:
    """The statement as CSV: plain ISO dates and decimal amounts (for spreadsheets, not people)."""
    out = io.StringIO()
    writer = csv_writer(out)  # cells a spreadsheet would run as formulas are defused
    writer.writerow(["date", "type", "reference", "description", "charges", "payments_credits", "balance"])
    writer.writerow([ledger.start.isoformat(), "opening", "", "Opening balance", "", "", ledger.opening])
    for entry in ledger.entries:
        writer.writerow(
            [
                entry.date.isoformat(),
                entry.kind,
                entry.reference,
                entry.description,
                entry.debit or "",
                entry.credit or "",
                entry.balance,
            ]
        )
    writer.writerow([ledger.end.isoformat(), "closing", "", "Closing balance", ledger.debits, ledger.credits,
                     ledger.closing])  # fmt: skip
    return out.getvalue()


def filename(title: str, number: str, day: datetime.date | None = None) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in number)
    return f"{title.lower().replace(' ', '-')}-{safe}{'-' + day.isoformat() if day else ''}.pdf"
