"""Writes about users, memberships and invitations. Each checks the actor's capability and audits itself."""

from __future__ import annotations

import secrets

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.audit.services import audit_record, platform_audit_record
from backend.clock import tenant_time
from backend.exceptions import ApplicationError

from .links import tenant_url
from .lockout import lockout_message
from .models import Invitation, Membership, User
from .permissions import Capability, require_capability
from .revocation import credentials_revoke
from .selectors import invitation_for_token, invitation_token_hash

OWNER = Membership.Role.OWNER


@transaction.atomic
def user_ensure(*, email: str, password: str | None = None, full_name: str = "") -> User:
    """Return the user with this e-mail, creating it (with an unusable password unless given)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    return user


@transaction.atomic
def membership_ensure(*, user: User, tenant, role: str) -> Membership:
    """Give `user` an active membership in `tenant` with `role`, creating or updating it."""
    from apps.tenants.plans import member_quota_check

    membership = Membership.objects.filter(user=user, tenant=tenant).first()
    if membership is None or not membership.is_active:
        member_quota_check(tenant=tenant, pending_invitations=False)
    membership, created = Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": role})
    if not created and (membership.role != role or not membership.is_active):
        membership.role = role
        membership.is_active = True
        membership.save(update_fields=["role", "is_active", "updated_at"])
    return membership


def _audit(tenant, **event) -> None:
    """Record in `tenant`'s own audit log, whichever schema the connection is on. The target's personal
    fields in `changes` (an invitation's e-mail) are sealed under its subject key in that schema."""
    from apps.privacy.subjects import seal_changes

    def record() -> None:
        if event.get("target") is not None and event.get("changes"):
            event["changes"] = seal_changes(event["target"], event["changes"])
        audit_record(**event)

    if connection.schema_name == tenant.schema_name:
        record()
        return
    with tenant_context(tenant):
        record()


def _password_checked(password: str, *, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), field="password") from exc


# --- Passwords ----------------------------------------------------------------------------


@transaction.atomic
def user_password_set(*, user: User, password: str, tenant, reason: str) -> User:
    """Set a new password chosen by the user (`reason` is "change" or "reset"); audited in `tenant`."""
    if reason not in ("change", "reset"):
        raise ValueError(f"Unknown password reason {reason!r}.")
    _password_checked(password, user=user)
    user.set_password(password)
    user.must_change_password = False  # a password of their own choosing (IAM-14)
    user.save(update_fields=["password", "must_change_password"])
    credentials_revoke(user=user)  # tokens and other sessions were issued on the old password
    _audit(tenant, action=f"user.password_{reason}", actor=user, target=user)
    return user


@transaction.atomic
def user_sessions_revoke(*, user: User, tenant) -> int:
    """ "Sign out everywhere": every API token and every other browser session of `user` ends (the caller
    keeps its own session with update_session_auth_hash). Audited in `tenant`."""
    revoked = credentials_revoke(user=user)
    _audit(tenant, action="user.sessions_revoke", actor=user, target=user, changes={"tokens_revoked": revoked})
    return revoked


@transaction.atomic
def user_temporary_password_set(*, user: User, actor: User | None, password: str | None = None) -> str:
    """Give `user` a temporary password (generated unless given) that they must replace at their next
    sign-in before any other page opens (IAM-14). A platform event: audited in the public log.
    Returns the temporary password, to be handed over out of band."""

    password = password or secrets.token_urlsafe(12)
    _password_checked(password, user=user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    credentials_revoke(user=user)
    platform_audit_record(action="user.temporary_password_set", actor=actor, target=user, changes={})
    return password


# --- Members ------------------------------------------------------------------------------


def _require_owner_rule(*, actor: User, membership: Membership, new_role: str | None = None) -> None:
    """Only owners grant or take away the owner role (which includes deactivating an owner)."""
    if membership.role == OWNER or new_role == OWNER:
        require_capability(user=actor, capability=Capability.OWN, tenant=membership.tenant)


def _refuse_removing_last_owner(membership: Membership) -> None:
    if membership.role != OWNER or not membership.is_active:
        return
    # Lock the tenant's owner rows so two concurrent demotions cannot both see "another owner left".
    owners = list(
        Membership.objects.select_for_update()
        .filter(tenant_id=membership.tenant_id, role=OWNER, is_active=True, user__is_active=True)
        .values_list("pk", flat=True)
    )
    if not [pk for pk in owners if pk != membership.pk]:
        raise ApplicationError(
            "This is the last active owner; make another member owner first.", field="role", code="last_owner"
        )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=membership.tenant)
    if role not in Membership.Role.values:
        raise ApplicationError("Choose one of the listed roles.", field="role")
    _require_owner_rule(actor=actor, membership=membership, new_role=role)
    old = membership.role
    if role == old:
        return membership
    _refuse_removing_last_owner(membership)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    _audit(
        membership.tenant,
        action="membership.role_change",
        actor=actor,
        target=membership,
        changes={"role": [old, role]},
    )
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: User) -> Membership:
    """The member loses access on their next request; the last active owner and oneself are refused."""
    return _membership_set_active(membership=membership, actor=actor, active=False)


@transaction.atomic
def membership_reactivate(*, membership: Membership, actor: User) -> Membership:
    return _membership_set_active(membership=membership, actor=actor, active=True)


def _membership_set_active(*, membership: Membership, actor: User, active: bool) -> Membership:
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=membership.tenant)
    _require_owner_rule(actor=actor, membership=membership)
    if membership.is_active == active:
        raise ApplicationError(f"This member is already {'active' if active else 'deactivated'}.")
    if not active:
        _refuse_removing_last_owner(membership)
        if membership.user_id == actor.pk:
            raise ApplicationError("You cannot deactivate your own membership.")
    else:
        from apps.tenants.plans import member_quota_check

        member_quota_check(tenant=membership.tenant, pending_invitations=False)
    membership.is_active = active
    membership.save(update_fields=["is_active", "updated_at"])
    if not active:  # sessions are bound to one tenant and checked each request; tokens would revive
        credentials_revoke(user=membership.user, tenant=membership.tenant, sessions=False)
    _audit(
        membership.tenant,
        action="membership.reactivate" if active else "membership.deactivate",
        actor=actor,
        target=membership,
        changes={"is_active": [not active, active]},
    )
    return membership


@transaction.atomic
def membership_sign_out(*, membership: Membership, actor: User) -> Membership:
    """An admin ends a member's sessions and API tokens on this tenant (not on their other tenants);
    the member can sign in again. Only owners do this to owners."""
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=membership.tenant)
    _require_owner_rule(actor=actor, membership=membership)
    membership.sessions_revoked_at = timezone.now()
    membership.save(update_fields=["sessions_revoked_at", "updated_at"])
    revoked = credentials_revoke(user=membership.user, tenant=membership.tenant, sessions=False)
    _audit(
        membership.tenant,
        action="membership.sign_out",
        actor=actor,
        target=membership,
        changes={"tokens_revoked": revoked},
    )
    return membership


# --- Invitations --------------------------------------------------------------------------


def _send_invitation(*, invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "tenant": invitation.tenant,
        "inviter": invitation.invited_by,
        "link": tenant_url(tenant=invitation.tenant, path=f"/invitations/{token}/"),
        "expires_at": invitation.expires_at,
    }
    with tenant_time(invitation.tenant):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invitation_create(*, tenant, email: str, role: str, invited_by: User) -> Invitation:
    """Invite `email` into `tenant` with `role`; replaces any pending invitation for the same address.

    The raw token exists only in the e-mail; the database keeps its SHA-256.
    """
    require_capability(user=invited_by, capability=Capability.ADMINISTER, tenant=tenant)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError("Enter a valid e-mail address.", field="email") from exc
    if role not in Membership.Role.values:
        raise ApplicationError("Choose one of the listed roles.", field="role")
    if role == OWNER:
        require_capability(user=invited_by, capability=Capability.OWN, tenant=tenant)
    existing = Membership.objects.filter(tenant_id=tenant.pk, user__email=email).first()
    if existing is not None and existing.is_active:
        raise ApplicationError("This person is already a member.", field="email")
    if existing is not None:
        raise ApplicationError("This person is a deactivated member; reactivate them instead.", field="email")

    replaced = Invitation.objects.select_for_update().filter(
        tenant_id=tenant.pk, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for previous in replaced:
        _revoke(previous, actor=invited_by)
    from apps.tenants.plans import member_quota_check

    member_quota_check(tenant=tenant, pending_invitations=True, field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        tenant=tenant, email=email, role=role, token_hash=invitation_token_hash(token), invited_by=invited_by
    )
    _audit(
        tenant,
        action="invitation.create",
        actor=invited_by,
        target=invitation,
        changes={"email": [None, email], "role": [None, role]},
    )
    # Sent inside the transaction: if the mail server refuses, no invitation is left without its e-mail.
    _send_invitation(invitation=invitation, token=token)
    return invitation


def invitation_accept(
    *,
    token: str,
    password: str | None = None,
    user: User | None = None,
    full_name: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Use an invitation once: create the account (new address) or add the membership (existing one).

    An existing account proves itself by being signed in (`user`) or by its current `password`, checked
    through authenticate() with `request` like the login page (django-axes counts failures and refuses a
    locked-out account). Not atomic itself: the failure count must stick when the password is wrong.
    """
    if (user is None or not user.is_authenticated) and password:
        invitation = invitation_for_token(token=token)
        account = User.objects.filter(email__iexact=invitation.email).first()
        if account is not None and account.is_active:
            if request is None:
                raise ValueError("An existing account's password is checked only with the request (django-axes).")
            proven = authenticate(request, email=account.email, password=password)
            if proven is None:
                locked = getattr(request, "axes_locked_out", False)
                raise ApplicationError(
                    lockout_message() if locked else "That is not the password of this account.", field="password"
                )
            user = proven
    return _invitation_accept(token=token, password=password, user=user, full_name=full_name)


@transaction.atomic
def _invitation_accept(*, token: str, password: str | None, user: User | None, full_name: str) -> Membership:
    invitation = invitation_for_token(token=token, lock=True)
    account = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            raise ApplicationError(
                f"This invitation was sent to {invitation.email}; sign out and open the link again.",
                code="wrong_account",
            )
        account = user
    elif account is not None:
        if not account.is_active:
            raise ApplicationError("This account is disabled.", code="account_disabled")
        # With a password, invitation_accept() has already authenticated it and passed the user in.
        raise ApplicationError("That is not the password of this account.", field="password")
    else:
        if not password:
            raise ApplicationError("Choose a password.", field="password")
        _password_checked(password, user=User(email=invitation.email, full_name=full_name))
        account = User.objects.create_user(email=invitation.email, password=password, full_name=full_name.strip())

    if Membership.objects.filter(user=account, tenant_id=invitation.tenant_id, is_active=True).exists():
        raise ApplicationError(f"You are already a member of {invitation.tenant.name}.", code="already_member")
    membership = membership_ensure(user=account, tenant=invitation.tenant, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    _audit(
        invitation.tenant,
        action="invitation.accept",
        actor=account,
        target=invitation,
        changes={"email": [None, account.email], "role": [None, invitation.role]},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    require_capability(user=actor, capability=Capability.ADMINISTER, tenant=invitation.tenant)
    if invitation.accepted_at is not None:
        raise ApplicationError("This invitation has already been accepted.")
    if invitation.revoked_at is not None:
        raise ApplicationError("This invitation was already revoked.")
    return _revoke(invitation, actor=actor)


def _revoke(invitation: Invitation, *, actor: User) -> Invitation:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _audit(
        invitation.tenant,
        action="invitation.revoke",
        actor=actor,
        target=invitation,
        changes={"revoked_at": [None, invitation.revoked_at.isoformat()]},
    )
    return invitation
