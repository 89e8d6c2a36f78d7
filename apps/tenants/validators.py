"""Rules for tenant schema names and host names, shared by commands, admin and signup."""

from __future__ import annotations

import re

from django.conf import settings

from backend.exceptions import ApplicationError

# Lower-case letters, digits and underscores, starting with a letter; ≤ 50 characters (TEN-04).
SCHEMA_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def validate_schema_name(name: str) -> str:
    if not SCHEMA_NAME_RE.fullmatch(name or ""):
        raise ApplicationError(
            f"Invalid schema name {name!r}: use 1-50 lower-case letters, digits or underscores, "
            "starting with a letter.",
            field="schema_name",
        )
    if name.startswith("pg_") or name in settings.RESERVED_SCHEMA_NAMES:
        raise ApplicationError(f"Schema name {name!r} is reserved.", field="schema_name")
    return name


def validate_domain(domain: str) -> str:
    domain = (domain or "").strip().lower().rstrip(".")
    labels = domain.split(".")
    if not domain or len(domain) > 253 or not all(HOST_LABEL_RE.fullmatch(label) for label in labels):
        raise ApplicationError(f"Invalid domain {domain!r}.", field="domain")
    if domain == settings.BASE_DOMAIN:
        raise ApplicationError(f"Domain {domain!r} is the public host.", field="domain")
    return domain


def is_platform_subdomain(domain: str) -> bool:
    """True for `<label>.<BASE_DOMAIN>` hosts, which ProjectMeats assigns (and so are verified by definition)."""
    return domain.lower().endswith("." + settings.BASE_DOMAIN.lower())


SIGNUP_SUBDOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]{1,29}(?<!-)$")


def validate_signup_subdomain(label: str) -> str:
    """A self-service subdomain: 2-30 lower-case letters, digits or hyphens, not reserved. Returns it."""
    label = (label or "").strip().lower()
    if not SIGNUP_SUBDOMAIN_RE.fullmatch(label) or "--" in label:
        raise ApplicationError(
            "Use 2-30 lower-case letters, digits or single hyphens, starting with a letter.", field="subdomain"
        )
    if label in settings.RESERVED_SCHEMA_NAMES or subdomain_schema_name(label) in settings.RESERVED_SCHEMA_NAMES:
        raise ApplicationError(f"{label!r} is reserved; please choose another.", field="subdomain")
    try:
        validate_schema_name(subdomain_schema_name(label))
    except ApplicationError as exc:
        raise ApplicationError(exc.message, field="subdomain") from None
    return label


def subdomain_schema_name(label: str) -> str:
    # Host labels allow hyphens, schema names underscores; underscores never occur in valid host labels,
    # so the mapping is one-to-one.
    return label.replace("-", "_")
