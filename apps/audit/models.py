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
    # How `hash` is computed (apps.audit.chain): 1 = rows of earlier releases (their db_default), 2 = the
    # actor's e-mail and IP address covered by `actor_ref` instead of being hashed in clear.
    chain_version = models.PositiveSmallIntegerField(default=1, db_default=1, editable=False)
    actor_ref = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action}"

    @property
    def actor_label(self) -> str:
        """Who, for people: the e-mail, "erased person #id" once erased (apps.privacy), else "system"."""
        if self.actor_email:
            return self.actor_email
        return f"erased person #{self.actor_id}" if self.actor_id is not None else "system"

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


class AuditCheckpoint(models.Model):
    """Where a pruned audit log now starts: rows up to `up_to_id` were removed by the retention job, and
    the first remaining row links to `head_hash` (the hash of the last pruned row). Append-only like the
    log (trigger, migration 0004); the log's trigger lets DELETE through only for rows a checkpoint covers.
    """

    up_to_id = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    pruned_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-up_to_id"]

    def __str__(self) -> str:
        return f"audit log pruned up to id {self.up_to_id}"
