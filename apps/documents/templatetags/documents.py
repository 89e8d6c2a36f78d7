"""`{% document_history "invoice" record.pk %}`: a document's e-mail history on its own page (the record's
app does not depend on documents; the page asks for the history here)."""

from django import template

from apps.documents.selectors import document_sends

register = template.Library()


@register.inclusion_tag("documents/partials/send_history.html")
def document_history(kind: str, object_id: int) -> dict:
    return {"sends": document_sends(kind=kind, object_id=object_id)}


@register.simple_tag
def company_details():
    """`{% company_details as company %}`: the tenant's letterhead details for a printable page."""
    from apps.documents.selectors import company_details_get

    return company_details_get()
