from django.apps import AppConfig


class NumberingConfig(AppConfig):
    name = "apps.numbering"
    default_auto_field = "django.db.models.BigAutoField"
