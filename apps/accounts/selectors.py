"""Reads about members and invitations; `get_*_for_user` fetch and authorize together (404 when not yours)."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from backend.exceptions import ApplicationError

from .models import Invitation, Membership, User
from .permissions import Capability, require_capability

# PostgreSQL bigint: larger ids cannot exist, and must read as "not found" rather than a database error.
_MAX_ID = 2**63 - 1


def member_list(*, tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant_id=tenant.pk).select_related("user").order_by("user__email")


def pending_invitation_list(*, tenant) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            tenant_id=tenant.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def get_membership_for_user(*, user: User, membership_id: int, tenant) -> Membership:
    """A membership of `tenant` that `user` may administer; another tenant's id is simply not found."""
    require_capability(user=user, capability=Capability.ADMINISTER, tenant=tenant)
    if not 0 < membership_id <= _MAX_ID:
        raise Http404
    found = Membership.objects.select_related("user", "tenant").filter(pk=membership_id, tenant_id=tenant.pk).first()
    if found is None:
        raise Http404
    return found


def get_invitation_for_user(*, user: User, invitation_id: int, tenant) -> Invitation:
    require_capability(user=user, capability=Capability.ADMINISTER, tenant=tenant)
    if not 0 < invitation_id <= _MAX_ID:
        raise Http404
    found = Invitation.objects.select_related("tenant").filter(pk=invitation_id, tenant_id=tenant.pk).first()
    if found is None:
        raise Http404
    return found


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationUnusable(ApplicationError):
    """The link is unknown, expired, used or revoked (`code` says which, for the HTTP status)."""


def invitation_for_token(*, token: str, lock: bool = False) -> Invitation:
    """The pending invitation behind `token`, or InvitationUnusable with a message for the visitor."""
    queryset = Invitation.objects.select_related("tenant")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(token_hash=invitation_token_hash(token or "")).first()
    if invitation is None:
        raise InvitationUnusable(
            "This invitation link is not valid. Check that you copied all of it.", code="not_found"
        )
    if invitation.revoked_at is not None:
        raise InvitationUnusable("This invitation was withdrawn. Ask an administrator for a new one.", code="gone")
    if invitation.accepted_at is not None:
        raise InvitationUnusable("This invitation has already been used. Sign in instead.", code="gone")
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable("This invitation has expired. Ask an administrator for a new one.", code="gone")
    return invitation
