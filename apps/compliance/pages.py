"""The compliance section other detail pages show (a plant's audits, a carrier's insurance)."""

from __future__ import annotations

from django.urls import reverse

from apps.records.pages import Column, Section

from .selectors import partner_items

PARTNER_COLUMNS = [
    Column("name", "Compliance item", link=True),
    Column("category", "Category"),
    Column("recurrence_label", "Repeats"),
    Column("next_due", "Next due"),
    Column("rag", "RAG"),
]


def compliance_section(partner) -> Section:
    """A supplier's, plant's or carrier's compliance items with their RAG, and an "Add" link prefilled."""
    field = partner._meta.model_name
    return Section(
        title="Compliance",
        columns=PARTNER_COLUMNS,
        records=partner_items(partner=partner),
        detail_url_name="complianceitem-detail",
        add_url=f"{reverse('complianceitem-create')}?{field}={partner.pk}",
    )
