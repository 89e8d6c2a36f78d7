"""Prometheus metrics (prometheus-client): what every process counts, and `/metrics` that serves them.

Counted in each process (requests, jobs, sign-in failures) — with gunicorn's several workers, each
writes its samples to files in PROMETHEUS_MULTIPROC_DIR and a scrape adds them up (prometheus-client's
multiprocess mode; deploy/gunicorn.conf.py empties the folder at start-up and drops a dead worker's
gauges). Without the variable (runserver, tests) the process's own registry is served.

Read at scrape time from the database (`FleetCollector`, a few cheap queries, no per-tenant labels):
tenants by status and plan, warm-pool size, job queue depth by queue and status, schemas behind on
migrations (from the latest stored fleet check, see apps.operations).

Labels are bounded: the route is the URL pattern (`/partners/<int:pk>/`), never the path; no tenant,
user or id label anywhere. Per-tenant numbers live in the usage table (apps.operations).

Access (`metrics_allowed`): `Authorization: Bearer <METRICS_TOKEN>`, or a client address (as
backend.client_ip decides it, so through nginx the real client, not nginx) inside METRICS_ALLOWED_IPS.
Neither configured → nobody. Everyone else gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from backend.client_ip import client_ip

logger = logging.getLogger(__name__)

PREFIX = "projectmeats"
# Any process with the variable set (gunicorn workers, the job worker, a command run with the app's
# environment) writes its samples there: the folder must exist before the first metric is created.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
QUERY_BUCKETS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

REQUESTS = Counter(f"{PREFIX}_http_requests", "HTTP requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    f"{PREFIX}_http_request_duration_seconds", "Time to answer a request", ["method", "route"], buckets=LATENCY_BUCKETS
)
REQUEST_QUERIES = Histogram(
    f"{PREFIX}_http_request_db_queries", "Database queries per request", ["route"], buckets=QUERY_BUCKETS
)
JOBS = Counter(f"{PREFIX}_jobs", "Background jobs run", ["task", "outcome"])
JOB_SECONDS = Histogram(f"{PREFIX}_job_duration_seconds", "Time a job ran", ["task"], buckets=JOB_BUCKETS)
SIGNIN_FAILURES = Counter(f"{PREFIX}_signin_failures", "Failed sign-in attempts (wrong password, locked out)")
LOCKOUTS = Counter(f"{PREFIX}_signin_lockouts", "Sign-in lockouts (django-axes: e-mail + address locked)")


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class FleetCollector(Collector):
    """Gauges read from the database at scrape time. `read` returns {metric: [(labels, value)]}."""

    def __init__(self, read: Callable[[], dict[str, list[tuple[dict[str, str], float]]]]):
        self.read = read

    HELP = {
        "tenants": ("Tenants by status and plan", ["status", "plan"]),
        "tenant_warm_pool_size": ("Pre-provisioned schemas ready in the warm pool", []),
        "job_queue_depth": ("Jobs waiting or running, by queue and status", ["queue", "status"]),
        "schemas_behind": ("Tenant schemas behind on migrations at the latest fleet check", []),
        "fleet_check_age_seconds": ("Seconds since the latest fleet migration check", []),
        "metrics_collect_errors": ("1 when the database could not be read for this scrape", []),
    }

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            values = self.read()
            failed = 0.0
        except Exception as exc:  # a scrape must answer even with the database away
            logger.warning("metrics: fleet gauges unavailable: %s", exc.__class__.__name__)
            values, failed = {}, 1.0
        values["metrics_collect_errors"] = [({}, failed)]
        for name, (text, labels) in self.HELP.items():
            if name not in values:
                continue
            family = GaugeMetricFamily(f"{PREFIX}_{name}", text, labels=labels)
            for label_values, value in values[name]:
                family.add_metric([label_values[label] for label in labels], value)
            yield family


# Set by apps.operations at start-up (backend never imports apps).
fleet_reader: Callable[[], dict[str, list[tuple[dict[str, str], float]]]] | None = None


def render() -> bytes:
    """The exposition text: every worker's counters (multiprocess) or this process's, plus fleet gauges."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    if fleet_reader is not None:
        registry.register(FleetCollector(fleet_reader))
    return generate_latest(registry)


def _address_allowed(address: str | None) -> bool:
    entries = [entry for entry in getattr(settings, "METRICS_ALLOWED_IPS", []) if entry.strip()]
    if not address or not entries:
        return False
    try:
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)
    except ValueError:
        return False


def metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    return _address_allowed(client_ip(request))


def metrics_response(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
