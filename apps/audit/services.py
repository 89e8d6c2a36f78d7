"""The one helper every service uses to write the audit log of the active schema."""

from __future__ import annotations

from typing import Any

from django.db import models

from backend.request_context import current

from .models import AuditEvent


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
    """
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or target.pk
    context = current()
    actor_is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor.pk if actor_is_user else None,
        actor_email=actor.email if actor_is_user else "",
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        changes=changes or {},
        ip_address=context.ip_address,
        request_id=context.request_id,
    )
