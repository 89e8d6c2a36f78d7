"""Document pages: company details (/settings/company/), PDFs of invoices, purchase orders, sales-order
confirmations and claims, and "Send by e-mail" for each. Every record is fetched through its app's
`get_<entity>_for_user`, so another tenant's id is the same 404 as a missing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.permissions import Capability, has_capability
from apps.records.pages import form_errors_from
from apps.records.selectors import record_get_for_user
from apps.records.services import RecordInvalid
from backend.exceptions import ApplicationError

from . import builders, rendering, selectors, services
from .forms import CompanyDetailsForm, SendForm
from .models import DocumentSend


def refuse(request: HttpRequest, capability: Capability) -> HttpResponse | None:
    """Sign-in redirect for visitors, 403 for members without `capability`, None when allowed."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not has_capability(user=request.user, capability=capability):
        raise PermissionDenied
    return None


def fetch(request: HttpRequest, queryset, pk: int):
    try:
        return record_get_for_user(queryset=queryset, user=request.user, pk=pk)
    except ApplicationError as exc:
        if exc.code == "permission_denied":
            raise PermissionDenied from exc
        raise Http404 from exc


def pdf_response(content: bytes, filename: str, *, download: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- company details -----------------------------------------------------------------------------------


def company_details(request: HttpRequest) -> HttpResponse:
    if refused := refuse(request, Capability.ADMINISTER):
        return refused
    details = selectors.company_details_get()
    form = CompanyDetailsForm(request.POST or None, instance=details)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in services.COMPANY_FIELDS}
            try:
                services.company_details_update(user=request.user, data=data)
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, "Company details saved.")
                return redirect("documents:company_details")
        status = 400
    return render(request, "documents/company_details.html", {"form": form}, status=status)


# --- PDFs ----------------------------------------------------------------------------------------------

PDF_KINDS = {
    "invoice": (rendering.invoice_queryset, builders.invoice_pdf, "invoice"),
    "purchaseorder": (rendering.purchase_order_queryset, builders.purchase_order_pdf, "purchase-order"),
    "salesorder": (rendering.sales_order_queryset, builders.sales_order_pdf, "order-confirmation"),
    "claim": (rendering.claim_queryset, builders.claim_pdf, "claim"),
}


def document_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The document as a PDF: shown in the browser (the print view), or downloaded with ?download=1."""
    if refused := refuse(request, Capability.READ):
        return refused
    queryset, build, title = PDF_KINDS[kind]
    record = fetch(request, queryset(), pk)
    content = build(record)
    number = getattr(record, "number", None) or str(record.pk)
    return pdf_response(content, builders.filename(title, number), download="download" in request.GET)


# --- sending -------------------------------------------------------------------------------------------

SEND_KINDS = {
    "invoice": (DocumentSend.Kind.INVOICE, rendering.invoice_queryset, "invoice-detail"),
    "purchaseorder": (DocumentSend.Kind.PURCHASE_ORDER, rendering.purchase_order_queryset, "purchaseorder-detail"),
    "salesorder": (DocumentSend.Kind.SALES_ORDER, rendering.sales_order_queryset, "salesorder-detail"),
    "claim": (DocumentSend.Kind.CLAIM, rendering.claim_queryset, "claim-detail"),
}


UNSENDABLE_ORDER_STATUSES = ("draft", "cancelled")


def contact_choices(partner) -> list[tuple[str, str]]:
    """The partner's own address and its contacts' addresses, as (e-mail, label) choices."""
    choices = []
    if partner.email:
        choices.append((partner.email, f"{partner.name} <{partner.email}>"))
    for contact in partner.contacts.filter(is_archived=False).exclude(email="").order_by("name"):
        if contact.email.lower() not in (email.lower() for email, _label in choices):
            choices.append((contact.email, f"{contact.name} <{contact.email}>"))
    return choices


def document_partner(kind: str, record):
    """Who a document goes to: the invoice's or order's customer, the purchase order's supplier, and the
    claim's customer (a sales-line claim) or supplier (a purchase-line claim)."""
    if kind == "purchaseorder":
        return record.supplier
    if kind == "claim":
        return record.party
    return record.customer


def document_number(kind: str, record) -> str:
    return f"#{record.pk}" if kind == "claim" else record.number


def document_send(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Choose recipients among the partner's contacts (or type others) and queue the e-mail."""
    if refused := refuse(request, Capability.APPROVE):
        return refused
    send_kind, queryset, detail = SEND_KINDS[kind]
    record = fetch(request, queryset(), pk)
    if kind == "salesorder" and record.status in UNSENDABLE_ORDER_STATUSES:
        # A confirmation of an order that is not confirmed (or is cancelled) would tell the customer otherwise.
        messages.error(
            request, f"{record.number} is {record.get_status_display().lower()}: there is nothing to confirm."
        )
        return redirect(detail, record.pk)
    return send_page(
        request,
        record=record,
        partner=document_partner(kind, record),
        kind=send_kind,
        number=document_number(kind, record),
        back_url=reverse(detail, args=[record.pk]),
        pdf_url=reverse(f"{kind}-pdf", args=[record.pk]),
    )


def send_page(request, *, record, partner, kind, number, back_url, pdf_url, period=None, document=None):
    """The send form and its POST: shared by invoices, purchase orders and statements."""
    form = SendForm(request.POST or None, choices=contact_choices(partner))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.document_send(
                    user=request.user,
                    kind=kind,
                    document=document or record,
                    number=number,
                    recipients=form.recipients(),
                    message=form.cleaned_data["message"],
                    period=period,
                )
            except RecordInvalid as exc:
                for error in exc.as_dict().get("recipients", []) or [exc.message]:
                    form.add_error("other", error)
            else:
                messages.success(request, f"{number} is queued to be e-mailed to {', '.join(form.recipients())}.")
                return redirect(back_url)
        status = 400
    context = {
        "form": form,
        "record": record,
        "partner": partner,
        "number": number,
        "back_url": back_url,
        "pdf_url": pdf_url,
        "kind_label": DocumentSend.Kind(kind).label,
        "history": selectors.document_sends(kind=kind, object_id=(document or record).pk),
    }
    return render(request, "documents/send.html", context, status=status)
