"""Sign-in rules shared by the login page, the MFA challenge and the API token endpoint.

Who may sign in on a tenant host (an active member, IAM-02), and the audit events of signing in and out.
Failed sign-ins are audited only for members of the tenant: an unknown e-mail is nobody's business.
"""

from __future__ import annotations

from django.core import signing
from django.db import connection, transaction
from django.urls import reverse
from django_tenants.utils import get_public_schema_name

from apps.audit.services import audit_record
from backend.exceptions import ApplicationError

from .models import User
from .permissions import membership_for

BAD_CREDENTIALS_MESSAGE = "Enter a correct e-mail address and password."


def on_tenant_schema() -> bool:
    return connection.schema_name != get_public_schema_name()


def signin_allowed_check(*, user: User, tenant) -> None:
    """Raise unless `user` may sign in on `tenant`'s host: an active member of an active tenant (IAM-18).

    A non-member gets the same words as a wrong password (code "invalid_login"): telling them "no access"
    would confirm to whoever typed it that the password is right. The real reason goes to the audit log
    (`signin_record_failure`), never to the screen.
    """
    membership = membership_for(user=user, tenant=tenant)
    if membership is None:
        raise ApplicationError(BAD_CREDENTIALS_MESSAGE, code="invalid_login")
    if tenant.status == tenant.Status.OFFBOARDING and membership.role == membership.Role.OWNER:
        return  # to download their export: the tenant middleware serves them only OFFBOARDING_OPEN_PATHS
    if tenant.status != tenant.Status.ACTIVE:
        raise ApplicationError(
            f"{tenant.name} is {tenant.get_status_display().lower()}: signing in is paused.", code="permission_denied"
        )


def signin_landing(*, tenant, default: str) -> str:
    """Where a fresh session goes: an offboarding tenant's owner to the export page (nothing else opens)."""
    if tenant.status == tenant.Status.OFFBOARDING:
        return reverse("tenants:offboarding")
    return default


@transaction.atomic
def signin_record_success(*, user: User, method: str) -> None:
    if on_tenant_schema():
        audit_record(action="auth.login", actor=user, target=user, changes={"method": method})


@transaction.atomic
def signin_record_failure(*, email: str, reason: str, tenant) -> None:
    """Audit a failed sign-in on `tenant` when the e-mail belongs to one of its members."""
    if not on_tenant_schema() or not email:
        return
    user = User.objects.filter(email__iexact=email.strip(), memberships__tenant=tenant).first()
    if user is not None:
        audit_record(action="auth.login_failed", target=user, changes={"reason": reason})


@transaction.atomic
def signin_record_logout(*, user: User) -> None:
    if on_tenant_schema():
        audit_record(action="auth.logout", actor=user, target=user)


# --- One-time sign-in links (signup) -------------------------------------------------------------------
# A new owner signs up on the public host; their workspace lives on another host whose session cookie the
# public host cannot set. The confirmation page links to the workspace with a signed token naming the user
# and the tenant; it expires after WELCOME_LINK_SECONDS and works once (it carries the user's last_login,
# which signing in changes).
WELCOME_LINK_SECONDS = 30 * 60
_WELCOME_SALT = "apps.accounts.signin.welcome"


def welcome_token(*, user: User, schema_name: str) -> str:
    last = user.last_login.isoformat() if user.last_login else ""
    return signing.dumps({"u": user.pk, "s": schema_name, "l": last}, salt=_WELCOME_SALT, compress=True)


def welcome_user(*, token: str, schema_name: str) -> User | None:
    """The user a valid, unused, unexpired link on this tenant's host names; None for anything else."""
    try:
        data = signing.loads(token, salt=_WELCOME_SALT, max_age=WELCOME_LINK_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != schema_name:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or (user.last_login.isoformat() if user.last_login else "") != data.get("l"):
        return None
    return user
