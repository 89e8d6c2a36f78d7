"""Reads for documents: the tenant's company details, its letterhead, and the send history of a document."""

from __future__ import annotations

from django.db import connection

from apps.tenants.models import Client

from .models import CompanyDetails, DocumentSend
from .pdf import Formatter, Letterhead, logo_bytes


def company_details_get() -> CompanyDetails:
    """The tenant's company details (an unsaved blank row until someone fills them in)."""
    return CompanyDetails.objects.filter(key=1).first() or CompanyDetails()


def current_client() -> Client:
    """The connection's tenant as a full `Client` (jobs run under `schema_context`, which has no fields)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Client):
        return tenant
    return Client.objects.get(schema_name=connection.schema_name)


def letterhead(*, client: Client | None = None, details: CompanyDetails | None = None) -> Letterhead:
    client = client or current_client()
    details = details or company_details_get()
    city_line = " ".join(part for part in [details.city, details.state, details.postal_code] if part)
    address = [line for line in [details.street, city_line, details.country if details.street else ""] if line]
    contact = " · ".join(part for part in [details.phone, details.email] if part)
    return Letterhead(
        name=details.legal_name or client.name,
        address_lines=address,
        contact_line=contact,
        tax_id=details.tax_id,
        remit_to=details.remit_to,
        bank_details=details.bank_details,
        note=details.document_note,
        brand=client.primary_color or "",
        logo=logo_bytes(client.logo),
        currency=client.currency,
        locale=client.locale,
    )


def formatter_for(head: Letterhead) -> Formatter:
    return Formatter(currency=head.currency, locale=head.locale)


def document_sends(*, kind: str, object_id: int) -> list[DocumentSend]:
    """The e-mailings of one document, newest first (its send history)."""
    return list(DocumentSend.objects.filter(kind=kind, object_id=object_id).order_by("-created_at", "-pk"))
