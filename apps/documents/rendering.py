"""Fetch a document with everything its PDF prints (a fixed number of queries, whatever its length) and
render it: for the download views and the e-mail job alike."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import Prefetch, QuerySet
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


class _SentDocument(NamedTuple):
    queryset: Callable[[], QuerySet]
    build: Callable[..., bytes]  # (document, letterhead) -> PDF
    noun: str  # what the document is ("Sales order")
    title: str  # what the e-mail calls it ("Order confirmation")
    slug: str  # the attachment's file name
    number: Callable[[Any], str]


_SENT_DOCUMENTS = {
    DocumentSend.Kind.INVOICE: _SentDocument(
        invoice_queryset, builders.invoice_pdf, "Invoice", "Invoice", "invoice", lambda d: d.number
    ),
    DocumentSend.Kind.PURCHASE_ORDER: _SentDocument(
        purchase_order_queryset,
        builders.purchase_order_pdf,
        "Purchase order",
        "Purchase order",
        "purchase-order",
        lambda d: d.number,
    ),
    DocumentSend.Kind.SALES_ORDER: _SentDocument(
        sales_order_queryset,
        builders.sales_order_pdf,
        "Sales order",
        "Order confirmation",
        "order-confirmation",
        lambda d: d.number,
    ),
    DocumentSend.Kind.CLAIM: _SentDocument(
        claim_queryset, builders.claim_pdf, "Claim", "Claim", "claim", lambda d: str(d.pk)
    ),
}


def render_send(send: DocumentSend, *, client: Client, details: CompanyDetails) -> tuple[str, str, str, bytes]:
    """(subject, body, attachment name, PDF) for a queued send; LookupError when the document is gone."""
    head = letterhead(client=client, details=details)
    if send.kind in _SENT_DOCUMENTS:
        kind = _SENT_DOCUMENTS[send.kind]
        document = kind.queryset().filter(pk=send.object_id).first()
        if document is None:
            raise LookupError(f"{kind.noun} {send.number} no longer exists.")
        content, title = kind.build(document, head), kind.title
        filename = builders.filename(kind.slug, kind.number(document))
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
