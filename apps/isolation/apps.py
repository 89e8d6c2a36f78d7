from django.apps import AppConfig


class IsolationConfig(AppConfig):
    name = "apps.isolation"
    label = "isolation"
    verbose_name = "Isolation checks"
