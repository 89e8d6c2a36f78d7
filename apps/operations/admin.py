from django.contrib import admin

from .models import FleetCheck, TenantUsage


@admin.register(TenantUsage)
class TenantUsageAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the app processes and the hourly snapshot."""

    list_display = ("day", "tenant", "requests", "api_calls", "storage_bytes", "members")
    list_filter = ("day",)
    search_fields = ("tenant__name", "tenant__schema_name")
    list_select_related = ("tenant",)
    date_hierarchy = "day"
    ordering = ("-day", "-requests")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FleetCheck)
class FleetCheckAdmin(admin.ModelAdmin):
    list_display = ("checked_at", "tenants", "behind_count", "duration_ms")

    @admin.display(description="schemas behind")
    def behind_count(self, obj: FleetCheck) -> int:
        return len(obj.schemas_behind)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
