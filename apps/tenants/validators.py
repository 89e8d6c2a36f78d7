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
