"""Verified self-service signup: the e-mail address is confirmed by a signed, expiring link before any
account or tenant exists.

Step 1 (`signup_request`) checks the form and mails a link to the address; it answers the same whether
the address has an account or not. Step 2 (`signup_confirm`, from the link) creates the tenant: a new
address chooses its password there; an address that already has an account types no password at all
and signs in on the new workspace's login page like anywhere else (authenticate(), django-axes, MFA).
The link is single-use because the subdomain it names is taken once it has been used.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django_tenants.utils import schema_context

from apps.accounts.models import User
from backend.exceptions import ApplicationError
from backend.provisioning import template_prepare

from .models import Client
from .selectors import signup_subdomain_problem
from .services import _platform_audit, _validated_email, tenant_create
from .validators import subdomain_schema_name, validate_signup_subdomain

_SALT = "apps.tenants.signup.confirm"
LINK_EXPIRED = "This confirmation link has expired or is not valid. Please sign up again."
ACCOUNT_APPEARED = (
    "An account for {email} was created while you were confirming, so the password you chose was not used "
    "and no workspace was created. Open the confirmation link again to create it for that account."
)


@dataclass(frozen=True)
class SignupClaims:
    company_name: str
    subdomain: str
    email: str


def _public_url(path: str) -> str:
    port = f":{settings.LINK_PORT}" if settings.LINK_PORT else ""
    return f"{settings.LINK_SCHEME}://{settings.BASE_DOMAIN}{port}{path}"


def signup_token(claims: SignupClaims) -> str:
    data = {"c": claims.company_name, "s": claims.subdomain, "e": claims.email}
    return signing.dumps(data, salt=_SALT, compress=True)


def signup_claims(*, token: str) -> SignupClaims:
    """What a valid, unexpired confirmation link asks for; ApplicationError for anything else."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.SIGNUP_LINK_SECONDS)
        return SignupClaims(company_name=str(data["c"]), subdomain=str(data["s"]), email=str(data["e"]))
    except (signing.BadSignature, KeyError, TypeError):
        raise ApplicationError(LINK_EXPIRED, code="invalid_link") from None


def _validated_claims(*, company_name: str, subdomain: str, email: str) -> SignupClaims:
    company_name = (company_name or "").strip()
    if not company_name:
        raise ApplicationError("This field is required.", field="company_name")
    label = validate_signup_subdomain(subdomain)
    problem = signup_subdomain_problem(subdomain=label)
    if problem:
        raise ApplicationError(problem, field="subdomain")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError("Enter a valid email address.", field="email") from None
    return SignupClaims(company_name=company_name, subdomain=label, email=email)


def signup_request(*, company_name: str, subdomain: str, email: str) -> SignupClaims:
    """Check the signup form and mail the confirmation link. Nothing is stored; the link carries it all."""
    claims = _validated_claims(company_name=company_name, subdomain=subdomain, email=email)
    context = {
        "claims": claims,
        "link": _public_url(f"/signup/confirm/{signup_token(claims)}/"),
        "hours": max(1, settings.SIGNUP_LINK_SECONDS // 3600),
        "host": f"{claims.subdomain}.{settings.BASE_DOMAIN}",
    }
    subject = f"Confirm your ProjectMeats workspace {claims.company_name}"
    send_mail(subject, render_to_string("tenants/email/signup_confirm.txt", context), None, [claims.email])
    return claims


def signup_account_exists(*, claims: SignupClaims) -> bool:
    return User.objects.filter(email__iexact=claims.email).exists()


def signup_confirm(*, token: str, password: str | None = None) -> tuple[Client, User, bool]:
    """Create the workspace a confirmation link asks for. Returns (tenant, owner, new_account).

    A new address needs `password`; for an existing account any `password` is ignored: its owner proves
    who they are by signing in on the new workspace, never through this form.
    """
    claims = signup_claims(token=token)
    existing = User.objects.filter(email__iexact=claims.email).first()
    tenant = tenant_signup(
        company_name=claims.company_name,
        subdomain=claims.subdomain,
        email=claims.email,
        password=None if existing is not None else (password or ""),
    )
    owner = User.objects.get(email__iexact=claims.email)
    return tenant, owner, existing is None


def tenant_signup(*, company_name: str, subdomain: str, email: str, password: str | None) -> Client:
    """A new customer creates a tenant on `<subdomain>.<BASE_DOMAIN>` and becomes its owner.

    Called only once the address is confirmed (apps/tenants/signup.py). A new e-mail gets an account
    with `password`; an e-mail that already has an account gets no password check here (`password` must
    be None): its owner signs in on the new workspace like anywhere else. At most
    SIGNUP_MAX_TENANTS_PER_OWNER workspaces per owner. The welcome e-mail goes out from a tenant job
    queued in the same transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        template_prepare()
    return _tenant_signup(company_name=company_name, subdomain=subdomain, email=email, password=password)


@transaction.atomic
def _tenant_signup(*, company_name: str, subdomain: str, email: str, password: str | None) -> Client:
    from apps.accounts.models import Membership, User

    from .tasks import send_welcome_email

    label = validate_signup_subdomain(subdomain)
    problem = signup_subdomain_problem(subdomain=label)
    if problem:
        raise ApplicationError(problem, field="subdomain")
    email = _validated_email((email or "").strip().lower(), field="email")
    existing = User.objects.select_for_update().filter(email__iexact=email).first()
    if existing is not None:
        if password is not None:
            # The page asked for a new account's password, but an account for the address appeared since
            # (an invitation accepted elsewhere meanwhile). Never set or check its password here.
            raise ApplicationError(ACCOUNT_APPEARED.format(email=email), code="account_exists")
        if not existing.is_active:
            raise ApplicationError("This account is disabled.", field="email")
        owned = Membership.objects.filter(user=existing, role=Membership.Role.OWNER).count()
        if owned >= settings.SIGNUP_MAX_TENANTS_PER_OWNER:
            raise ApplicationError(
                f"You already own {owned} workspaces, the most one person can create by signing up. "
                "Contact us for more.",
                field="email",
                code="tenant_cap",
            )
    else:
        try:
            validate_password(password or "", user=User(email=email, full_name=company_name))
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="password") from None
    try:
        tenant = tenant_create(
            schema_name=subdomain_schema_name(label),
            name=company_name,
            domain=f"{label}.{settings.BASE_DOMAIN}",
            owner_email=email,
            plan=Client.Plan.STARTER,
            onboard_owner=False,  # the owner chose a password at confirmation / already has one
        )
    except ApplicationError as exc:
        field = {"schema_name": "subdomain", "domain": "subdomain", "name": "company_name", "owner_email": "email"}
        raise ApplicationError(exc.message, field=field.get(exc.field, exc.field)) from None
    owner = User.objects.get(email__iexact=email)
    if existing is None:
        owner.set_password(password)
        owner.save(update_fields=["password"])
    _platform_audit(
        action="tenant.signup", actor=owner, tenant=tenant, changes={"subdomain": label, "owner": owner.email}
    )
    with schema_context(tenant.schema_name):
        send_welcome_email.defer(user_id=owner.pk)
    return tenant
