"""Privacy pages on tenant hosts: a member's or a contact's personal data (export, erase), one's own data
export, and the retention periods. Every export and erasure goes through apps.privacy.services (audited).

/privacy/members/<membership_id>/          admins: what is held, export, erase (form)
/privacy/members/<membership_id>/export/   admins, or the member themself: JSON download
/privacy/members/<membership_id>/erase/    admins, POST with confirm=ERASE
/privacy/contacts/<pk>/  …/export/  …/erase/   the same for a contact (admins)
/privacy/my-data/  and  /privacy/my-data/export/   any member: their own data
/privacy/retention/                        admins see it, owners change it
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.models import Membership
from apps.accounts.permissions import Capability, capability_required, has_capability
from apps.audit.models import AuditCheckpoint, AuditEvent
from apps.partners.selectors import get_contact_for_user
from backend.exceptions import ApplicationError

from .forms import EraseForm, RetentionForm
from .retention import FIELDS, retention_policy, retention_policy_update
from .services import contact_erase, contact_export, member_erase, member_export


def _raise_refusal(error: ApplicationError) -> None:
    if error.code == "permission_denied":
        raise PermissionDenied(error.message)
    if error.code == "not_found":
        raise Http404


def _download(document: dict, name: str) -> JsonResponse:
    response = JsonResponse(document, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _membership(request: HttpRequest, membership_id: int) -> Membership:
    """A membership of this tenant (another tenant's id is simply not found)."""
    found = (
        Membership.objects.select_related("user").filter(pk=membership_id, tenant_id=request.tenant.pk).first()
        if 0 < membership_id < 2**63
        else None
    )
    if found is None:
        raise Http404
    return found


def _member_page(request: HttpRequest, membership: Membership, form: EraseForm, status: int = 200) -> HttpResponse:
    erasable = membership.user_id != request.user.pk and membership.role != Membership.Role.OWNER
    context = {
        "member": membership,
        "form": form,
        "erasable": erasable,
        "events_as_actor": AuditEvent.objects.filter(actor_id=membership.user_id).count(),
    }
    return render(request, "privacy/member.html", context, status=status)


@capability_required(Capability.ADMINISTER)
def member_page(request: HttpRequest, membership_id: int) -> HttpResponse:
    return _member_page(request, _membership(request, membership_id), EraseForm())


@capability_required(Capability.READ)
def member_export_download(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        document = member_export(user=request.user, member_id=membership.user_id)
    except ApplicationError as error:
        _raise_refusal(error)
        raise
    return _download(document, f"member-{membership.user_id}.json")


@require_POST
@capability_required(Capability.ADMINISTER)
def member_erase_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    form = EraseForm(request.POST)
    if form.is_valid():
        try:
            result = member_erase(user=request.user, member_id=membership.user_id, confirm=form.cleaned_data["confirm"])
        except ApplicationError as error:
            _raise_refusal(error)
            form.add_error("confirm" if error.field == "confirm" else None, error.message)
        else:
            kept = result["kept_before_v2"]
            note = (
                f" {kept} older audit event(s) keep the e-mail until the audit retention period ends." if kept else ""
            )
            messages.success(request, f"The member's personal data in this workspace was erased.{note}")
            return redirect("accounts:member_list")
    return _member_page(request, membership, form, status=400)


def _contact(request: HttpRequest, pk: int):
    try:
        return get_contact_for_user(user=request.user, pk=pk)
    except ApplicationError as error:
        _raise_refusal(error)
        raise


@capability_required(Capability.ADMINISTER)
def contact_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "privacy/contact.html", {"contact": _contact(request, pk), "form": EraseForm()})


@capability_required(Capability.ADMINISTER)
def contact_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    return _download(contact_export(user=request.user, contact_id=contact.pk), f"contact-{contact.pk}.json")


@require_POST
@capability_required(Capability.ADMINISTER)
def contact_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = EraseForm(request.POST)
    if form.is_valid():
        try:
            contact_erase(user=request.user, contact_id=contact.pk, confirm=form.cleaned_data["confirm"])
        except ApplicationError as error:
            _raise_refusal(error)
            form.add_error("confirm" if error.field == "confirm" else None, error.message)
        else:
            messages.success(request, "The contact's personal data was erased.")
            return redirect("contact-detail", pk=contact.pk)
    return render(request, "privacy/contact.html", {"contact": contact, "form": form}, status=400)


@capability_required(Capability.READ)
def my_data(request: HttpRequest) -> HttpResponse:
    membership = Membership.objects.select_related("user").get(user=request.user, tenant_id=request.tenant.pk)
    return render(request, "privacy/my_data.html", {"member": membership})


@capability_required(Capability.READ)
def my_data_export(request: HttpRequest) -> HttpResponse:
    document = member_export(user=request.user, member_id=request.user.pk)
    return _download(document, f"my-data-{connection.tenant.schema_name}.json")


@capability_required(Capability.ADMINISTER)
def retention(request: HttpRequest) -> HttpResponse:
    editable = has_capability(user=request.user, capability=Capability.OWN)
    policy = retention_policy()
    checkpoint = AuditCheckpoint.objects.order_by("-up_to_id").first()
    initial = {field: getattr(policy, field) for field in FIELDS}
    if request.method != "POST":
        form = RetentionForm(initial=initial, editable=editable)
        context = {"form": form, "editable": editable, "policy": policy, "checkpoint": checkpoint}
        return render(request, "privacy/retention.html", context)
    if not editable:
        raise PermissionDenied("Only owners change the retention periods.")
    form = RetentionForm(request.POST, initial=initial)
    if form.is_valid():
        try:
            retention_policy_update(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _raise_refusal(error)
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Retention periods saved; they apply from tonight's run.")
            return redirect("privacy:retention")
    context = {"form": form, "editable": editable, "policy": policy, "checkpoint": checkpoint}
    return render(request, "privacy/retention.html", context, status=400)
