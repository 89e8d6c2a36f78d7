"""Backups taken on the schedule (or by hand) and restore drills of them (public schema, operators only)."""

from django.db import models


class Backup(models.Model):
    """One encrypted bundle in the backups storage: a tenant's (dump, public rows, files) or the whole
    database's. `tier` is the retention tier it was taken for (apps.backups.schedule)."""

    class Kind(models.TextChoices):
        TENANT = "tenant", "Tenant"
        DATABASE = "database", "Whole database"

    class Tier(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"
        MANUAL = "manual", "Manual"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The tenant may be purged later; its schema name stays on the record (and its bundles age out).
    tenant = models.ForeignKey("tenants.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    schema_name = models.CharField(max_length=63, blank=True, default="")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    storage_name = models.CharField(max_length=500, unique=True)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    tables = models.IntegerField()
    rows = models.BigIntegerField()
    files = models.IntegerField(default=0)
    seconds = models.FloatField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "schema_name", "-created_at"], name="backup_kind_schema_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.schema_name or 'database'} {self.created_at:%Y-%m-%d %H:%M} ({self.tier})"


class RestoreDrill(models.Model):
    """One restore of a backup into a scratch database, verified against its manifest (apps.backups.drill)."""

    backup = models.ForeignKey(Backup, on_delete=models.SET_NULL, null=True, blank=True, related_name="drills")
    kind = models.CharField(max_length=10, choices=Backup.Kind.choices)
    tenant = models.ForeignKey("tenants.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    schema_name = models.CharField(max_length=63, blank=True, default="")
    ok = models.BooleanField()
    message = models.TextField(blank=True, default="")
    tables = models.IntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    files = models.IntegerField(default=0)
    seconds = models.FloatField()
    finished_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "ok", "-finished_at"], name="restoredrill_tenant_ok_idx")]

    def __str__(self) -> str:
        outcome = "ok" if self.ok else "FAILED"
        return f"drill {self.schema_name or 'database'} {outcome} {self.finished_at:%Y-%m-%d %H:%M}"
