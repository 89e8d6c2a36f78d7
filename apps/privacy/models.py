"""Data protection: each schema's encryption keys (wrapped by a master key from the environment).

The table exists in every tenant schema and in `public` (platform secrets such as TOTP keys). A row is
a data key (`purpose=data`, one per version; the highest encrypts) or the blind-index key
(`purpose=index`, version 1). Deleting a schema's rows shreds everything encrypted under them.
"""

from django.db import models


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
