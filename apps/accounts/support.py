"""Audited support sessions: a platform superuser views a tenant as one of its members.

- Only while the tenant's owner grants support access (`Client.support_access_until`, a grant that
  expires; withdrawing it ends every open session).
- Only a superuser who signed in to the platform admin with a one-time password, with a written reason,
  as an active member of that tenant, for at most SUPPORT_SESSION_MAX_MINUTES.
- Read-only unless the superuser explicitly elevates (with a reason). Even elevated, a support session
  never reaches the member's own credentials (password, two-factor, API tokens, sessions), memberships and
  roles (so no ownership transfer), security settings, domains, support access itself or offboarding.
- Entered on the tenant's host through a single-use link valid SUPPORT_ENTRY_SECONDS; the browser session
  there is bound to the support session and ends with it.
- Start, elevation and end go to the public audit log and the tenant's own log; every other event written
  during the session carries `changes["support"]` naming the superuser (backend.request_context).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.audit.services import audit_record, platform_audit_record
from backend.exceptions import ApplicationError

from .models import Membership, SupportSession
from .permissions import Capability, require_capability

SUPPORT_SESSION_KEY = "_support_session_id"
SUPPORT_ENTRY_SECONDS = 120
_ENTRY_SALT = "apps.accounts.support.enter"

# Never during a support session, whatever the method (the member's own credentials and the tenant's
# consent), and never written even when elevated (people, roles, ownership, security, domains).
NEVER_PATHS = (
    "/account/",
    "/api/v1/auth/",
    "/api/v1/privacy/members/",
    "/privacy/members/",
    "/privacy/my-data/",
    "/settings/support/",
    "/settings/offboarding/",
    "/password-reset/",
)
NEVER_WRITE_PATHS = (
    "/members/",
    "/invitations/",
    "/settings/security/",
    "/settings/domains/",
    "/settings/plan/",
    "/api/v1/privacy/",  # erasure cannot be undone
    "/privacy/",
)
# The session's own controls, always allowed.
CONTROL_PATHS = ("/support/end/", "/support/elevate/", "/logout/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ACCESS_CHOICES_HOURS = (1, 24, 24 * 7)


def support_label(session: SupportSession) -> str:
    return f"{session.superuser.email} as {session.user.email} (support session {session.pk})"


def _record(session: SupportSession, *, action: str, actor, changes: dict) -> None:
    """Support events go to both logs: the platform's and the tenant's own (its admins see who, when, why)."""
    changes = {"support_session": session.pk, **changes}
    platform_audit_record(action=action, actor=actor, target=session, changes=changes)
    with schema_context(session.tenant.schema_name):
        audit_record(action=action, actor=actor, target=session, changes=changes)


def support_access_open(*, tenant, now=None) -> bool:
    until = tenant.support_access_until
    return until is not None and until > (now or timezone.now())


def support_session_refusal(*, session: SupportSession, tenant, now=None) -> str:
    """Why `session` cannot act on `tenant` right now ("" when it can)."""
    now = now or timezone.now()
    if session.tenant_id != tenant.pk:
        return "This support session is for another workspace."
    if session.ended_at is not None:
        return "This support session has ended."
    if session.expires_at <= now:
        return "This support session has expired."
    if not support_access_open(tenant=tenant, now=now):
        return "This workspace no longer allows support access."
    return ""


def support_request_refusal(*, session: SupportSession, method: str, path: str) -> str:
    """Why this request is not allowed within a support session ("" when it is)."""
    if path.startswith(CONTROL_PATHS):
        return ""
    if path.startswith(NEVER_PATHS):
        return "A support session cannot open a member's own account, tokens or the workspace's support settings."
    if method in SAFE_METHODS:
        return ""
    if path.startswith(NEVER_WRITE_PATHS):
        return "A support session cannot change members, roles, security settings, domains or erase personal data."
    if session.elevated_at is None:
        return "This support session is read-only. Elevate it (with a reason) to make changes."
    return ""


@transaction.atomic
def support_session_start(*, superuser, tenant, user_email: str, reason: str) -> SupportSession:
    """Open a support session on `tenant` as the member with `user_email`. The caller (the admin view)
    has checked the one-time password; `superuser.is_verified()` is checked again here."""
    if not (getattr(superuser, "is_superuser", False) and superuser.is_active):
        raise ApplicationError("Only platform superusers can open support sessions.", code="permission_denied")
    verified = getattr(superuser, "is_verified", None)
    if not (callable(verified) and verified()):
        raise ApplicationError("Sign in with a one-time password first.", code="mfa_required")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ApplicationError("Write the reason for this support session (at least 10 characters).", field="reason")
    if tenant.status != tenant.Status.ACTIVE:
        raise ApplicationError(f"{tenant.name} is not active.", field="tenant")
    if not support_access_open(tenant=tenant):
        raise ApplicationError(f"{tenant.name} does not allow support access.", field="tenant", code="no_consent")
    membership = (
        Membership.objects.select_related("user")
        .filter(tenant=tenant, is_active=True, user__is_active=True, user__email__iexact=(user_email or "").strip())
        .first()
    )
    if membership is None:
        raise ApplicationError("No active member of this workspace has that e-mail address.", field="user_email")
    if membership.user.pk == superuser.pk:
        raise ApplicationError("Sign in normally to use your own membership.", field="user_email")
    now = timezone.now()
    minutes = min(settings.SUPPORT_SESSION_MAX_MINUTES, 30)
    session = SupportSession.objects.create(
        superuser=superuser,
        user=membership.user,
        tenant=tenant,
        reason=reason,
        started_at=now,
        expires_at=min(now + timedelta(minutes=minutes), tenant.support_access_until),
    )
    _record(
        session,
        action="support.start",
        actor=superuser,
        changes={"as": membership.user.email, "reason": reason, "expires_at": session.expires_at.isoformat()},
    )
    return session


def support_entry_token(*, session: SupportSession) -> str:
    return signing.dumps({"s": session.pk}, salt=_ENTRY_SALT)


@transaction.atomic
def support_session_enter(*, token: str, tenant) -> SupportSession:
    """Use the single-use entry link on the tenant's host. ApplicationError when unusable (the view: 404)."""
    try:
        pk = int(signing.loads(token, salt=_ENTRY_SALT, max_age=SUPPORT_ENTRY_SECONDS)["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ApplicationError("This support link is not valid.", code="invalid_link") from None
    session = (
        SupportSession.objects.select_for_update(of=("self",))
        .select_related("superuser", "user", "tenant")
        .filter(pk=pk, tenant_id=tenant.pk)
        .first()
    )
    if session is None or session.entered_at is not None:
        raise ApplicationError("This support link is not valid.", code="invalid_link")
    refusal = support_session_refusal(session=session, tenant=tenant)
    if refusal:
        raise ApplicationError(refusal, code="support_ended")
    session.entered_at = timezone.now()
    session.save(update_fields=["entered_at"])
    return session


@transaction.atomic
def support_session_elevate(*, session: SupportSession, reason: str) -> SupportSession:
    """The superuser explicitly allows changes for the rest of the session (still never the excluded ones)."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ApplicationError("Write why changes are needed (at least 10 characters).", field="reason")
    locked = SupportSession.objects.select_for_update(of=("self",)).select_related("superuser", "user", "tenant")
    locked = locked.get(pk=session.pk)
    if not locked.is_active():
        raise ApplicationError("This support session has ended.", code="support_ended")
    if locked.elevated_at is None:
        locked.elevated_at = timezone.now()
        locked.elevation_reason = reason
        locked.save(update_fields=["elevated_at", "elevation_reason"])
        _record(locked, action="support.elevate", actor=locked.superuser, changes={"reason": reason})
    return locked


@transaction.atomic
def support_session_end(*, session: SupportSession, actor=None, how: str = SupportSession.EndReason.ENDED) -> None:
    """End a session: by its superuser, revoked by the tenant (`actor` an owner), or noticed expired."""
    locked = SupportSession.objects.select_for_update(of=("self",)).select_related("superuser", "user", "tenant")
    locked = locked.get(pk=session.pk)
    if locked.ended_at is not None:
        return
    locked.ended_at = locked.expires_at if how == SupportSession.EndReason.EXPIRED else timezone.now()
    locked.end_reason = how
    locked.ended_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["ended_at", "end_reason", "ended_by"])
    _record(locked, action="support.end", actor=actor, changes={"how": str(how), "as": locked.user.email})


def support_session_revoke(*, tenant, session_id: int, actor) -> None:
    """The tenant's owner ends a support session on their workspace (another workspace's: 404-style error)."""
    require_capability(user=actor, capability=Capability.OWN, tenant=tenant)
    session = SupportSession.objects.filter(pk=session_id, tenant_id=tenant.pk).first()
    if session is None:
        raise ApplicationError("No such support session.", code="not_found")
    support_session_end(session=session, actor=actor, how=SupportSession.EndReason.REVOKED)


@transaction.atomic
def support_access_set(*, tenant, actor, hours: int | None):
    """The owner grants support access for `hours` (one of ACCESS_CHOICES_HOURS) or withdraws it (None).
    Withdrawing ends every open support session on the workspace."""
    from apps.tenants.models import Client

    require_capability(user=actor, capability=Capability.OWN, tenant=tenant)
    if hours is not None and hours not in ACCESS_CHOICES_HOURS:
        raise ApplicationError("Choose how long support may access this workspace.", field="hours")
    locked = Client.objects.select_for_update().get(pk=tenant.pk)
    before = locked.support_access_until
    locked.support_access_until = timezone.now() + timedelta(hours=hours) if hours is not None else None
    locked.save(update_fields=["support_access_until", "updated_at"])  # signals refresh cached routing
    tenant.support_access_until = locked.support_access_until
    if hours is None:
        for session in SupportSession.objects.filter(tenant_id=locked.pk, ended_at__isnull=True):
            support_session_end(session=session, actor=actor, how=SupportSession.EndReason.REVOKED)
    changes = {"support_access_until": [before, locked.support_access_until]}
    with schema_context(locked.schema_name):
        audit_record(action="tenant.support_access", actor=actor, target=locked, changes=changes)
    return locked


def support_session_list(*, tenant, limit: int = 50) -> list[SupportSession]:
    return list(
        SupportSession.objects.filter(tenant_id=tenant.pk).select_related("superuser", "user", "ended_by")[:limit]
    )


def support_session_for_request(*, pk) -> SupportSession | None:
    try:
        return SupportSession.objects.select_related("superuser", "user").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None
