from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"
    verbose_name = "Tenants"

    def ready(self) -> None:
        from . import (
            scale_readiness,  # noqa: F401  (registers the `scale` system check)
            signals,  # noqa: F401  (connects the routing-cache invalidation)
        )
