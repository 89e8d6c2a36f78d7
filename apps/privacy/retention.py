"""Retention: each tenant's periods (RetentionPolicy), how owners change them, and the nightly pruning.

What each period removes, in the active tenant's schema:
- audit events: rows older than the period, behind a checkpoint, so `verify_audit_log` still verifies
  (apps.audit.services.audit_prune);
- evidence versions: superseded versions (never an evidence's newest) uploaded longer ago, with their
  files (deleted after the commit, so a rolled-back run loses no file);
- exports: whole-workspace export zips under `<schema>/exports/` last modified longer ago;
- sessions: browser sessions bound to the tenant longer ago (public `django_session`; one pass over the
  table for all tenants, `sessions_prune`).
Each run that removes something is audited (`retention.apply`, and `audit.prune` for the log).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery

from apps.accounts.permissions import Capability, require_capability
from apps.audit.services import audit_prune, audit_record
from backend.chunks import keyset_iterator
from backend.clock import now as clock_now
from backend.exceptions import ApplicationError
from backend.tenant_export import EXPORTS_DIR, storage_files

from .models import RetentionPolicy


@dataclass(frozen=True)
class Bounds:
    minimum: int
    maximum: int = 3650


# The shortest period each kind may be set to: the audit log must cover at least a year (AUD rules of
# thumb for trading records); the rest may be short.
BOUNDS = {
    "audit_days": Bounds(365),
    "evidence_version_days": Bounds(30),
    "export_days": Bounds(1),
    "session_days": Bounds(1, 90),
}
FIELDS = tuple(BOUNDS)


def retention_policy() -> RetentionPolicy:
    """The active schema's policy (unsaved defaults — keep everything — when none was stored)."""
    return RetentionPolicy.objects.filter(pk=RetentionPolicy.SINGLETON).first() or RetentionPolicy()


@transaction.atomic
def retention_policy_update(*, user, **periods: int | None) -> RetentionPolicy:
    """Owners set the periods (days; None = keep forever). Out-of-range values are refused per field."""
    require_capability(user=user, capability=Capability.OWN)
    unknown = set(periods) - set(FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown retention field {sorted(unknown)[0]}.")
    for field, value in periods.items():
        bounds = BOUNDS[field]
        if value is not None and not bounds.minimum <= value <= bounds.maximum:
            raise ApplicationError(
                f"Choose between {bounds.minimum} and {bounds.maximum} days, or leave empty to keep forever.",
                field=field,
            )
    policy, _ = RetentionPolicy.objects.select_for_update().get_or_create(pk=RetentionPolicy.SINGLETON)
    changes = {
        field: [getattr(policy, field), value] for field, value in periods.items() if getattr(policy, field) != value
    }
    for field, value in periods.items():
        setattr(policy, field, value)
    policy.updated_by_id = user.pk
    policy.save()
    if changes:
        audit_record(action="retention.update", actor=user, target=policy, changes=changes)
    return policy


def _cutoff(now: datetime.datetime, days: int | None) -> datetime.datetime | None:
    return None if days is None else now - datetime.timedelta(days=days)


def _evidence_versions_prune(before: datetime.datetime) -> int:
    """Superseded versions uploaded before `before`; their files go after the commit, bytes back to the quota."""
    from apps.compliance.models import EvidenceVersion
    from apps.tenants.models import Client
    from apps.tenants.quotas import storage_delete

    newest = EvidenceVersion.objects.filter(evidence_id=OuterRef("evidence_id")).order_by("-number").values("number")
    old = EvidenceVersion.objects.filter(uploaded_at__lt=before).annotate(newest=Subquery(newest[:1]))
    old = list(old.filter(number__lt=F("newest")).values_list("pk", "file"))
    if not old:
        return 0
    EvidenceVersion.objects.filter(pk__in=[pk for pk, _ in old]).delete()
    tenant = Client.objects.get(schema_name=connection.schema_name)
    names = [name for _, name in old]
    transaction.on_commit(lambda: [storage_delete(tenant=tenant, name=name) for name in names])
    return len(old)


def _exports_prune(before: datetime.datetime) -> int:
    prefix = f"{connection.schema_name}/{EXPORTS_DIR}"
    names = [
        name for name in storage_files(default_storage, prefix) if default_storage.get_modified_time(name) < before
    ]
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return len(names)


@transaction.atomic
def retention_apply(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Apply the active tenant's policy (not sessions: `sessions_prune`); returns what was removed."""
    now = now or clock_now()
    policy = retention_policy()
    removed = {"audit_events": 0, "evidence_versions": 0, "exports": 0}
    if (before := _cutoff(now, policy.evidence_version_days)) is not None:
        removed["evidence_versions"] = _evidence_versions_prune(before)
    if (before := _cutoff(now, policy.export_days)) is not None:
        removed["exports"] = _exports_prune(before)
    if any(removed.values()):
        audit_record(action="retention.apply", object_type="privacy.retentionpolicy", changes=removed)
    # Last: the log prunes behind a checkpoint and records `audit.prune` itself.
    if (before := _cutoff(now, policy.audit_days)) is not None:
        removed["audit_events"] = audit_prune(before=before)
    return removed


def sessions_prune(*, session_days: dict[str, int], now: datetime.datetime | None = None) -> int:
    """End sessions bound to a tenant (schema -> days) longer ago than its period; returns how many."""
    from apps.accounts.sessions import SESSION_BOUND_AT_KEY, SESSION_TENANT_KEY

    if not session_days:
        return 0
    now = now or clock_now()
    expired = []
    for session in keyset_iterator(Session.objects.filter(expire_date__gt=now).order_by("pk"), chunk_size=1000):
        data = session.get_decoded()
        days = session_days.get(data.get(SESSION_TENANT_KEY))
        bound_at = data.get(SESSION_BOUND_AT_KEY)
        if days is not None and bound_at is not None and float(bound_at) < (now.timestamp() - days * 86400):
            expired.append(session.pk)
    Session.objects.filter(pk__in=expired).delete()
    return len(expired)
