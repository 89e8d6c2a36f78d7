"""Plans, quotas and feature flags per tenant.

Each plan defines limits (None = unlimited) and a set of features; a tenant's `quota_overrides` and
`feature_overrides` (set by platform superusers in admin) win over its plan. Enforcement lives where the
thing happens: members in apps.accounts.services (invitations, memberships), storage in apps.tenants.quotas,
API requests per minute in apps.tenants.throttling, features where the feature is used (`feature_enabled`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from backend.exceptions import ApplicationError

MB = 1024 * 1024
GB = 1024 * MB

# name -> what the owner sees on /settings/plan/
FEATURES: dict[str, str] = {
    "api_access": "REST API and API tokens",
    "custom_domains": "Custom domains",
}
LIMITS: dict[str, str] = {
    "max_members": "Members",
    "max_storage_bytes": "File storage",
    "api_requests_per_minute": "API requests per minute",
}

PLANS: dict[str, dict] = {
    "starter": {
        "limits": {"max_members": 5, "max_storage_bytes": 500 * MB, "api_requests_per_minute": 60},
        "features": {"api_access": False, "custom_domains": False},
    },
    "business": {
        "limits": {"max_members": 25, "max_storage_bytes": 10 * GB, "api_requests_per_minute": 300},
        "features": {"api_access": True, "custom_domains": True},
    },
    "enterprise": {
        "limits": {"max_members": None, "max_storage_bytes": 100 * GB, "api_requests_per_minute": 1200},
        "features": {"api_access": True, "custom_domains": True},
    },
}


class QuotaExceeded(ApplicationError):
    """A plan limit was reached (HTTP 400 with the field's message; `code="quota_exceeded"`)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, code="quota_exceeded")


class FeatureUnavailable(ApplicationError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, code="feature_unavailable")


@dataclass(frozen=True)
class Limits:
    max_members: int | None
    max_storage_bytes: int | None
    api_requests_per_minute: int | None


def _plan(tenant) -> dict:
    return PLANS.get(getattr(tenant, "plan", "") or "", PLANS["business"])


def plan_label(tenant) -> str:
    from .models import Client

    return dict(Client.Plan.choices).get(tenant.plan, tenant.plan)


def tenant_limits(tenant) -> Limits:
    values = dict(_plan(tenant)["limits"])
    for key, value in (getattr(tenant, "quota_overrides", None) or {}).items():
        if key in LIMITS:
            values[key] = value
    return Limits(**values)


def tenant_features(tenant) -> dict[str, bool]:
    values = dict(_plan(tenant)["features"])
    for key, value in (getattr(tenant, "feature_overrides", None) or {}).items():
        if key in FEATURES:
            values[key] = bool(value)
    return values


def feature_enabled(tenant, name: str) -> bool:
    """Is feature `name` on for `tenant` (its plan, then its overrides)? Unknown names are an error."""
    if name not in FEATURES:
        raise KeyError(f"unknown feature {name!r}; known: {', '.join(sorted(FEATURES))}")
    return tenant_features(tenant)[name]


def require_feature(tenant, name: str, *, field: str | None = None) -> None:
    if not feature_enabled(tenant, name):
        raise FeatureUnavailable(f"{FEATURES[name]} are not included in the {plan_label(tenant)} plan.", field=field)


def validate_overrides(*, quota_overrides, feature_overrides) -> None:
    """Shape check for the JSON override fields (admin form errors rather than surprises later)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(quota_overrides, dict):
        errors["quota_overrides"] = ['Enter an object, e.g. {"max_members": 40}.']
    else:
        for key, value in quota_overrides.items():
            if key not in LIMITS:
                errors.setdefault("quota_overrides", []).append(f"Unknown limit {key!r} ({', '.join(LIMITS)}).")
            elif value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                errors.setdefault("quota_overrides", []).append(f"{key} must be a whole number ≥ 0 or null.")
    if not isinstance(feature_overrides, dict):
        errors["feature_overrides"] = ['Enter an object, e.g. {"custom_domains": true}.']
    else:
        for key, value in feature_overrides.items():
            if key not in FEATURES:
                errors.setdefault("feature_overrides", []).append(f"Unknown feature {key!r} ({', '.join(FEATURES)}).")
            elif not isinstance(value, bool):
                errors.setdefault("feature_overrides", []).append(f"{key} must be true or false.")
    if errors:
        raise ValidationError(errors)


def member_quota_check(*, tenant, pending_invitations: bool, field: str | None = None) -> None:
    """Refuse one more member (or invitation) when the tenant is at its plan's member limit.

    Locks the tenant row so two concurrent additions cannot both pass the check. Counts active
    memberships, plus pending invitations when a new invitation is being created.
    """
    from django.utils import timezone

    from apps.accounts.models import Invitation, Membership

    from .models import Client

    locked = Client.objects.select_for_update().get(pk=tenant.pk)
    limit = tenant_limits(locked).max_members
    if limit is None:
        return
    members = Membership.objects.filter(tenant_id=locked.pk, is_active=True).count()
    pending = 0
    if pending_invitations:
        pending = Invitation.objects.filter(
            tenant_id=locked.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).count()
    if members + pending >= limit:
        detail = f"{members} members" + (f" and {pending} pending invitations" if pending else "")
        raise QuotaExceeded(
            f"The {plan_label(locked)} plan allows {limit} members and you have {detail}. "
            "Remove a member or revoke an invitation, or ask us to upgrade your plan.",
            field=field,
        )


@dataclass(frozen=True)
class Usage:
    label: str
    used: int
    limit: int | None
    unit: str = ""

    @property
    def percent(self) -> int | None:
        if not self.limit:
            return None
        return min(100, round(self.used * 100 / self.limit))


def plan_usage(tenant) -> list[Usage]:
    """Usage against limits for the owner's plan page (members, pending invitations, storage)."""
    from django.utils import timezone

    from apps.accounts.models import Invitation, Membership

    from .models import Client

    current = Client.objects.get(pk=tenant.pk)
    limits = tenant_limits(current)
    members = Membership.objects.filter(tenant_id=current.pk, is_active=True).count()
    pending = Invitation.objects.filter(
        tenant_id=current.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    return [
        Usage("Members (incl. pending invitations)", members + pending, limits.max_members),
        Usage("File storage", current.storage_bytes_used, limits.max_storage_bytes, unit="bytes"),
    ]
