"""Data protection: each schema's encryption keys (wrapped by a master key from the environment).

The table exists in every tenant schema and in `public` (platform secrets such as TOTP keys). A row is
a data key (`purpose=data`, one per version; the highest encrypts) or the blind-index key
(`purpose=index`, version 1). Deleting a schema's rows shreds everything encrypted under them.
"""

from django.db import models

from backend.fields import EncryptedTextField


class DataKey(models.Model):
    class Purpose(models.TextChoices):
        DATA = "data", "Data encryption"
        INDEX = "index", "Blind index"

    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    version = models.PositiveIntegerField()
    # Which ENCRYPTION_MASTER_KEYS entry wraps it; `rotate_encryption_keys --master` re-wraps.
    master_key_id = models.CharField(max_length=40)
    wrapped = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "version"], name="privacy_datakey_unique_version")]
        ordering = ["purpose", "version"]

    def __str__(self) -> str:
        return f"{self.purpose} key v{self.version} (master {self.master_key_id})"


class SubjectKey(models.Model):
    """A per-person key sealing that person's values in the audit log (apps.privacy.subjects).

    Erasing the person deletes the key: the sealed audit values become unreadable while every audit row,
    and so the hash chain, stays exactly as written. The key itself is encrypted with the tenant's data key.
    """

    subject_type = models.CharField(max_length=100)  # a model label, e.g. partners.contact
    subject_id = models.CharField(max_length=64)
    key = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="privacy_subjectkey_unique_subject")
        ]

    def __str__(self) -> str:
        return f"key of {self.subject_type} {self.subject_id}"


class RetentionPolicy(models.Model):
    """How long this tenant keeps each kind of record (one row per schema; empty = keep forever).

    Applied every night by `privacy.retention` (apps.privacy.retention). Owners edit it on
    /privacy/retention/; admins see it.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    # Audit events older than this are pruned behind a checkpoint (apps.audit.services.audit_prune).
    audit_days = models.PositiveIntegerField(null=True, blank=True)
    # Superseded evidence versions (never the current one) uploaded longer ago are deleted with their file.
    evidence_version_days = models.PositiveIntegerField(null=True, blank=True)
    # Whole-workspace export zips (<schema>/exports/) older than this are deleted.
    export_days = models.PositiveIntegerField(null=True, blank=True)
    # Browser sessions bound to this tenant longer ago than this end, however active.
    session_days = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="privacy_retentionpolicy_singleton")]

    def __str__(self) -> str:
        return "retention policy"
