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
