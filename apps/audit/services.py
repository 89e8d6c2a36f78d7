"""The one helper every service uses to write the audit log of the active schema."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from backend.request_context import current

from .chain import CURRENT_VERSION, GENESIS_HASH, ref_subject_id, ref_values, row_hash
from .models import AuditEvent

# pg_advisory_xact_lock(key1, key2): key1 marks "audit chain", key2 the schema, so appends serialise per
# schema while different tenants never wait for each other.
_CHAIN_LOCK_CLASS = 0x41554454  # "AUDT"


def _json_safe(changes: dict[str, Any] | None) -> dict[str, Any]:
    """`changes` as plain JSON (Decimals, dates, UUIDs become strings), exactly what jsonb will store."""
    return json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder, allow_nan=False))


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def audit_record(
    *,
    action: str,
    actor=None,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the active schema's audit log (public for platform events).

    `action` is a dotted verb such as `supplier.create`; `changes` maps field -> [before, after].

    Appends to one schema's log are serialised by a transaction-scoped advisory lock taken before the
    previous row's hash is read, so two concurrent writers cannot both chain onto the same row. The lock
    is held until the caller's transaction commits: call this last in a service, after its other writes.
    Relies on READ COMMITTED (Django's default), where the read after the lock sees the latest commit.
    """
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
    context = current()
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        action=action,
        actor_id=actor.pk if actor_is_user else None,
        actor_email=actor.email if actor_is_user else "",
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        changes=_json_safe(changes),
        ip_address=_valid_ip(context.ip_address),
        request_id=context.request_id,
        chain_version=CURRENT_VERSION,
    )
    subject_id = ref_subject_id(event.__dict__)
    with_ref = subject_id is not None and bool(event.actor_email or event.ip_address)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [_CHAIN_LOCK_CLASS])
        # A new statement after the lock: its snapshot includes the row the previous holder committed.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id')),"
            " (SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1)"
        )
        event.id, last_hash = cursor.fetchone()
        event.created_at = timezone.now()
        event.prev_hash = last_hash or GENESIS_HASH
        if with_ref:  # the id is part of what the reference covers
            from apps.privacy.subjects import actor_ref

            event.actor_ref = actor_ref(user_id=subject_id, values=ref_values(event.__dict__))
        event.hash = row_hash(prev_hash=event.prev_hash, row=event.__dict__)
        event.save(force_insert=True)
    return event


def platform_audit_record(**kwargs: Any) -> AuditEvent:
    """`audit_record` into the PUBLIC log (platform events: admin actions, tenant lifecycle, platform
    sign-ins), whatever schema is active."""
    with schema_context(get_public_schema_name()):
        return audit_record(**kwargs)


@transaction.atomic
def audit_prune(*, before, actor=None) -> int:
    """Remove the active schema's audit events created before `before`, keeping the chain verifiable.

    The last pruned row's hash becomes a checkpoint (AuditCheckpoint) that the first remaining row links
    to; the table's trigger lets DELETE through only for rows a checkpoint covers. The pruning is itself
    recorded as an `audit.prune` event. Returns how many rows were removed.
    """
    from .models import AuditCheckpoint

    with connection.cursor() as cursor:
        # The chain's append lock: no row is appended between reading the head and deleting.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [_CHAIN_LOCK_CLASS])
    head = AuditEvent.objects.filter(created_at__lt=before).order_by("-id").values("id", "hash").first()
    if head is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent WHERE id <= %s", [head["id"]])
        count = cursor.fetchone()[0]
        AuditCheckpoint.objects.create(up_to_id=head["id"], head_hash=head["hash"], pruned_count=count)
        cursor.execute("DELETE FROM audit_auditevent WHERE id <= %s", [head["id"]])
    audit_record(
        action="audit.prune",
        actor=actor,
        object_type="audit.auditcheckpoint",
        changes={"up_to_id": head["id"], "head_hash": head["hash"], "pruned": count},
    )
    return count
