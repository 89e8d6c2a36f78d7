"""Global search: one query per kind of record, each on its trigram-indexed `search_text`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.urls import reverse

from apps.accounting.models import Invoice
from apps.accounts.permissions import Capability, require_capability
from apps.partners.models import Carrier, Customer, Plant, Supplier
from apps.products.models import Product
from apps.purchasing.models import PurchaseOrder
from apps.sales.models import SalesOrder

PER_KIND = 8
MAX_TERMS = 5
# (heading, model, detail URL name, the partner shown beside a document's number)
KINDS: tuple[tuple[str, type[models.Model], str, str], ...] = (
    ("Suppliers", Supplier, "supplier-detail", ""),
    ("Customers", Customer, "customer-detail", ""),
    ("Plants", Plant, "plant-detail", ""),
    ("Carriers", Carrier, "carrier-detail", ""),
    ("Products", Product, "product-detail", ""),
    ("Purchase orders", PurchaseOrder, "purchaseorder-detail", "supplier"),
    ("Sales orders", SalesOrder, "salesorder-detail", "customer"),
    ("Invoices", Invoice, "invoice-detail", "customer"),
)


@dataclass
class SearchGroup:
    label: str
    results: list[dict] = field(default_factory=list)
    more: bool = False


def global_search(*, user, query: str) -> list[SearchGroup]:
    """Records of every kind whose code, name or number matches all terms of `query` (live records only)."""
    require_capability(user=user, capability=Capability.READ)
    terms = query.split()[:MAX_TERMS]
    if not terms:
        return []
    groups = []
    for label, model, url_name, partner in KINDS:
        queryset = model.objects.select_related(partner) if partner else model.objects.all()
        if any(f.name == "is_archived" for f in model._meta.concrete_fields):
            queryset = queryset.filter(is_archived=False)
        for term in terms:
            queryset = queryset.filter(search_text__contains=term.upper())
        rows = list(queryset.order_by(*model._meta.ordering, "pk")[: PER_KIND + 1])
        if rows:
            results = [
                {
                    "label": str(row),
                    "detail": str(getattr(row, partner)) if partner else "",
                    "url": reverse(url_name, args=[row.pk]),
                }
                for row in rows[:PER_KIND]
            ]
            groups.append(SearchGroup(label, results, more=len(rows) > PER_KIND))
    return groups
