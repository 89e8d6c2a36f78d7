from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "apps.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from backend import metrics, usage

        from . import selectors, services, signals  # noqa: F401  (signals: sign-in failure counters)

        # backend never imports apps: hand it the writer of usage counters and the fleet gauges.
        usage.flusher = services.usage_write_counts
        metrics.fleet_reader = selectors.fleet_gauges
