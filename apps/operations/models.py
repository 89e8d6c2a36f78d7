"""Per-tenant usage by day and the fleet's migration checks (public schema; platform operators only)."""

from django.db import models


class TenantUsage(models.Model):
    """One tenant's day (UTC): requests and API calls counted by every app process (backend.usage),
    storage and active members as last snapshotted that day (`usage_snapshot`, hourly)."""

    tenant = models.ForeignKey("tenants.Client", on_delete=models.CASCADE, related_name="usage_days")
    day = models.DateField()
    requests = models.BigIntegerField(default=0, db_default=0)
    api_calls = models.BigIntegerField(default=0, db_default=0)
    storage_bytes = models.BigIntegerField(default=0, db_default=0)
    members = models.IntegerField(default=0, db_default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "tenant"]
        verbose_name = "tenant usage (day)"
        verbose_name_plural = "tenant usage"
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="tenantusage_unique_tenant_day")]
        # The fleet page sums the last days across all tenants (top tenants by usage).
        indexes = [models.Index(fields=["day"], name="tenantusage_day_idx")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.day}"


class FleetCheck(models.Model):
    """The outcome of one check of every schema's migrations (backend.migration_state.schemas_behind):
    run every 10 minutes by a job and on demand from the fleet page; the page and /metrics read the latest."""

    checked_at = models.DateTimeField(db_index=True)
    tenants = models.IntegerField()
    schemas_behind = models.JSONField(default=dict, blank=True)  # {"schema": migrations needed}
    duration_ms = models.FloatField()

    class Meta:
        ordering = ["-checked_at"]
        get_latest_by = "checked_at"

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} ({len(self.schemas_behind)} behind)"
