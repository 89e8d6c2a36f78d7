from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from django.contrib.admin.models import LogEntry
        from django.db.models.signals import post_save

        from .admin_mirror import log_entry_saved

        # Django admin writes LogEntry rows itself; this is the platform hook for IAM-19 (see admin_mirror).
        post_save.connect(log_entry_saved, sender=LogEntry, dispatch_uid="audit.mirror_admin_log_entry")
