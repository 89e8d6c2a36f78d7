"""The append-only audit log: one table per schema (each tenant's, and `public` for platform events).

Rows are never updated or deleted: a database trigger refuses UPDATE, DELETE and TRUNCATE (migration
0003), and each row's `hash` chains it to its predecessor's (`apps.audit.chain`), so `verify_audit_log`
finds any row altered or removed behind the trigger's back. Rows are written only by
`apps.audit.services.audit_record`.
"""

import json

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    # Set by audit_record before the insert (not auto_now_add) because the timestamp is part of the hash.
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # The actor lives in the shared schema; keep its id and e-mail as they were, not a foreign key,
    # so the log survives the user's erasure and never cascades.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # sha256 hex of the previous row's `hash` + this row's canonical content (apps.audit.chain).
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action}"

    def change_lines(self) -> list[str]:
        """`changes` for people: "field: before → after" for [before, after] pairs, else the JSON value."""

        def shown(value) -> str:
            return "—" if value in (None, "") else (value if isinstance(value, str) else json.dumps(value))

        from apps.privacy.subjects import unseal_changes

        lines = []
        changes = unseal_changes(self.changes or {}, subject_type=self.object_type, subject_id=self.object_id)
        for field, value in changes.items():
            if isinstance(value, list) and len(value) == 2:
                lines.append(f"{field}: {shown(value[0])} → {shown(value[1])}")
            else:
                lines.append(f"{field}: {shown(value)}")
        return lines
