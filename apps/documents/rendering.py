"""Fetch a document with everything its PDF prints (a fixed number of queries, whatever its length) and
render it: for the download views and the e-mail job alike."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.template.loader import render_to_string

from apps.accounting.ledgers import Ledger, customer_ledger
from apps.accounting.models import CreditApplication, Invoice, PaymentAllocation
from apps.partners.models import Customer
from apps.purchasing.models import PurchaseOrder
from apps.reports.selectors import AGING_BUCKETS, customer_aging
from apps.sales.models import SalesOrder, SalesOrderLine
from apps.tenants.models import Client

from . import builders
from .models import CompanyDetails, DocumentSend
from .pdf import Letterhead
from .selectors import letterhead


def invoice_queryset():
    return Invoice.objects.select_related("customer", "sales_order__ship_to", "sales_order__customer").prefetch_related(
        Prefetch("sales_order__lines", queryset=SalesOrderLine.objects.select_related("product").order_by("pk")),
        Prefetch("allocations", queryset=PaymentAllocation.objects.only("pk", "amount", "invoice_id")),
        Prefetch("credit_applications", queryset=CreditApplication.objects.only("pk", "amount", "invoice_id")),
    )


def purchase_order_queryset():
    return PurchaseOrder.objects.select_related("supplier", "plant", "carrier").prefetch_related("lines__product")


def claim_queryset():
    from apps.claims.selectors import claim_queryset as claims

    return claims().select_related("credit", "supplier_credit")


def sales_order_queryset():
    return SalesOrder.objects.select_related("customer", "ship_to").prefetch_related("lines__product")


@dataclass(frozen=True)
class Statement:
    ledger: Ledger
    aging: dict[str, object]

    @property
    def filename(self) -> str:
        return builders.filename("statement", self.ledger.partner.code, self.ledger.end)


def statement(*, customer: Customer, start: datetime.date, end: datetime.date) -> Statement:
    ledger = customer_ledger(customer=customer, start=start, end=end)
    row = customer_aging(customer_id=customer.pk, as_of=end)
    aging = {label: row[key] for key, label, *_ in AGING_BUCKETS}
    return Statement(ledger=ledger, aging=aging)


def statement_pdf(item: Statement, head: Letterhead | None = None) -> bytes:
    return builders.statement_pdf(item.ledger, head, aging=item.aging)


def render_send(send: DocumentSend, *, client: Client, details: CompanyDetails) -> tuple[str, str, str, bytes]:
    """(subject, body, attachment name, PDF) for a queued send; LookupError when the document is gone."""
    head = letterhead(client=client, details=details)
    if send.kind == DocumentSend.Kind.INVOICE:
        document = invoice_queryset().filter(pk=send.object_id).first()
        if document is None:
            raise LookupError(f"Invoice {send.number} no longer exists.")
        content = builders.invoice_pdf(document, head)
        title, filename = "Invoice", builders.filename("invoice", document.number)
    elif send.kind == DocumentSend.Kind.PURCHASE_ORDER:
        document = purchase_order_queryset().filter(pk=send.object_id).first()
        if document is None:
            raise LookupError(f"Purchase order {send.number} no longer exists.")
        content = builders.purchase_order_pdf(document, head)
        title, filename = "Purchase order", builders.filename("purchase-order", document.number)
    elif send.kind == DocumentSend.Kind.SALES_ORDER:
        document = sales_order_queryset().filter(pk=send.object_id).first()
        if document is None:
            raise LookupError(f"Sales order {send.number} no longer exists.")
        content = builders.sales_order_pdf(document, head)
        title, filename = "Order confirmation", builders.filename("order-confirmation", document.number)
    elif send.kind == DocumentSend.Kind.CLAIM:
        document = claim_queryset().filter(pk=send.object_id).first()
        if document is None:
            raise LookupError(f"Claim {send.number} no longer exists.")
        content = builders.claim_pdf(document, head)
        title, filename = "Claim", builders.filename("claim", str(document.pk))
    else:
        customer = Customer.objects.filter(pk=send.object_id).first()
        if customer is None or send.period_start is None or send.period_end is None:
            raise LookupError("The statement's customer or period is missing.")
        item = statement(customer=customer, start=send.period_start, end=send.period_end)
        content, title, filename = statement_pdf(item, head), "Statement", item.filename
    context = {"send": send, "title": title, "sender": head.name, "details": details}
    subject = f"{title} {send.number} from {head.name}"
    body = render_to_string("documents/email/document.txt", context)
    return subject, body, filename, content
