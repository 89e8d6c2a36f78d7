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
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.template.loader import render_to_string

from apps.accounts.models import User
from backend.exceptions import ApplicationError

from .models import Client
from .selectors import signup_subdomain_problem
from .services import tenant_signup
from .validators import validate_signup_subdomain

_SALT = "apps.tenants.signup.confirm"
LINK_EXPIRED = "This confirmation link has expired or is not valid. Please sign up again."


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
