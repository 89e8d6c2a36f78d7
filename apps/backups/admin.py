"""Backups and restore drills in the admin (platform superusers): read-only records of what the jobs did."""

from django.contrib import admin

from .models import Backup, RestoreDrill


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # retention deletes backups (storage object and row together)


@admin.register(Backup)
class BackupAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "schema_name", "tier", "size_bytes", "tables", "rows", "files", "seconds")
    list_filter = ("kind", "tier")
    search_fields = ("schema_name", "storage_name")
    date_hierarchy = "created_at"


@admin.register(RestoreDrill)
class RestoreDrillAdmin(ReadOnlyAdmin):
    list_display = ("finished_at", "kind", "schema_name", "ok", "tables", "rows", "files", "seconds", "message")
    list_filter = ("ok", "kind")
    search_fields = ("schema_name", "message")
    date_hierarchy = "finished_at"
    list_select_related = ("backup",)
