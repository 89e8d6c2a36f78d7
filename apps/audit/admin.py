"""The platform audit log (public schema) in Django admin: read-only, and admin actions mirrored into it."""

from django.contrib import admin

from .admin_mirror import delete_selected
from .models import AuditEvent

# Replace the site-wide bulk delete so its LogEntry rows reach the audit log too (see admin_mirror).
admin.site.add_action(delete_selected, "delete_selected")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_email", "action", "object_type", "object_id", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_email", "action", "object_type", "object_id", "request_id")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    # AUD-02: nobody edits or deletes audit events, superusers included (the database refuses anyway).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
