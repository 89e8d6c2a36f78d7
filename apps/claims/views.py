"""Claim pages: list, open a claim, detail with approve / reject / settle for approvers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse

from apps.accounts.permissions import Capability, has_capability
from apps.records.pages import Column, RecordPages, confirmation
from apps.records.resources import RecordResource
from backend.exceptions import ApplicationError

from . import forms, selectors, services
from .models import Claim

CLAIMS = RecordResource(
    model=Claim,
    form_class=forms.ClaimForm,
    filterset_class=selectors.ClaimFilter,
    queryset=selectors.claim_queryset,
    list=selectors.claim_list,
    get_for_user=selectors.get_claim_for_user,
    create=services.claim_create,
    update=None,  # a claim is decided, not edited
    archive=None,
)
TRANSITIONS = {
    "approve": ("Approve", (Claim.Status.OPEN,), services.claim_approve),
    "reject": ("Reject", (Claim.Status.OPEN,), services.claim_reject),
    "settle": ("Settle (credit the account)", (Claim.Status.APPROVED,), services.claim_settle),
}


class ClaimPages(RecordPages):
    resource = CLAIMS
    columns = [
        Column("created_at", "Opened", sort="created_at", link=True),
        Column("order.number", "Order"),
        Column("party.name", "Customer / supplier"),
        Column("reason", "Reason"),
        Column("amount", "Amount", sort="amount", kind="money", total=True),
        Column("status", "Status", sort="status"),
    ]

    def urls(self):
        return [
            path("claims/", self.list_view, name="claim-list"),
            path("claims/new/", self.create_view, name="claim-create"),
            path("claims/<int:pk>/", self.detail_view, name="claim-detail"),
            path("claims/<int:pk>/<str:verb>/", self.transition_view, name="claim-transition"),
        ]

    def detail_view(
        self, request: HttpRequest, pk: int, error: str = "", status: int = 200, confirm: dict | None = None
    ) -> HttpResponse:
        if refused := self._require(request, Capability.READ):
            return refused
        claim = self._get(request, pk)
        can_approve = has_capability(user=request.user, capability=Capability.APPROVE)
        actions = [
            {"verb": verb, "label": label, "url": reverse("claim-transition", args=[claim.pk, verb])}
            for verb, (label, statuses, _service) in TRANSITIONS.items()
            if can_approve and claim.status in statuses
        ]
        context = self._context(
            request, record=claim, actions=actions, error=error, confirm=confirm, can_approve_documents=can_approve
        )
        return render(request, "claims/detail.html", context, status=status)

    def transition_view(self, request: HttpRequest, pk: int, verb: str) -> HttpResponse:
        if verb not in TRANSITIONS:
            raise Http404
        if refused := self._require(request, Capability.APPROVE):
            return refused
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        claim = self._get(request, pk)
        if confirm := confirmation(
            request,
            danger=verb == "reject",
            label=TRANSITIONS[verb][0],
            record=claim,
            action_url=request.path,
            cancel_url=reverse("claim-detail", args=[claim.pk]),
        ):
            return self.detail_view(request, pk, confirm=confirm)
        try:
            TRANSITIONS[verb][2](claim=claim, user=request.user)
        except ApplicationError as exc:
            if exc.code == "permission_denied":
                raise PermissionDenied from exc
            return self.detail_view(request, pk, error=exc.message, status=400)
        messages.success(request, f"{claim} is now {claim.get_status_display().lower()}.")
        return redirect("claim-detail", pk=claim.pk)
