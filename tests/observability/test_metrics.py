"""/metrics: refused to untrusted callers; after traffic it exposes the request, job, sign-in and fleet series."""

from __future__ import annotations

import pytest
from django.test import Client as DjangoClient
from django_tenants.utils import schema_context
from prometheus_client.parser import text_string_to_metric_families

from apps.operations.services import fleet_check_run
from backend.jobs import tenant_task

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.20.0.0/16"]
    return settings


@tenant_task(name="tests.metrics_probe")
def metrics_probe(*, fail: bool = False) -> None:
    if fail:
        raise RuntimeError("probe failed on purpose")


def scrape(**headers) -> dict[tuple[str, tuple], float]:
    response = DjangoClient(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.parametrize(
    ("headers", "remote"),
    [
        ({}, "127.0.0.1"),
        ({"HTTP_AUTHORIZATION": "Bearer wrong-token"}, "127.0.0.1"),
        ({"HTTP_AUTHORIZATION": TOKEN}, "127.0.0.1"),  # not a Bearer header
        ({}, "10.21.0.1"),  # outside the allowed range
    ],
)
def test_untrusted_callers_are_refused(db, world, metrics_settings, headers, remote):
    response = DjangoClient(HTTP_HOST="localhost").get("/metrics", REMOTE_ADDR=remote, **headers)
    assert response.status_code == 403
    assert b"projectmeats" not in response.content


def test_token_or_allowed_address_is_served_on_any_host(db, world, metrics_settings):
    assert DjangoClient(HTTP_HOST="localhost").get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert DjangoClient(HTTP_HOST="alpha.localhost").get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    token = DjangoClient(HTTP_HOST="nowhere.example").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert token.status_code == 200


def test_forwarded_address_counts_only_as_the_proxy_reports_the_real_client(db, world, settings):
    # nginx connects from 127.0.0.1: allowing loopback must not allow the public behind nginx.
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1"]
    client = DjangoClient(HTTP_HOST="localhost")
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403
    # A forged header from an untrusted peer is dropped: the peer itself is judged.
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403


def test_nothing_configured_refuses_everyone(db, world, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert DjangoClient(HTTP_HOST="localhost").get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_requests_are_counted_by_route_pattern_and_status_without_tenant_labels(tenant_a, client_for, metrics_settings):
    before = scrape()
    client = client_for(tenant_a, tenant_a.staff)
    client.get("/suppliers/")
    client.get("/suppliers/")
    client.get("/suppliers/999999/")
    after = scrape()
    ok = {"method": "GET", "route": "/suppliers/", "status": "200"}
    assert (
        value(after, "projectmeats_http_requests_total", **ok) - value(before, "projectmeats_http_requests_total", **ok)
        == 2
    )
    missing = {"method": "GET", "route": "/suppliers/<int:pk>/", "status": "404"}
    assert (
        value(after, "projectmeats_http_requests_total", **missing)
        - value(before, "projectmeats_http_requests_total", **missing)
        == 1
    )
    count = "projectmeats_http_request_duration_seconds_count"
    assert (
        value(after, count, method="GET", route="/suppliers/") - value(before, count, method="GET", route="/suppliers/")
        == 2
    )
    queries = "projectmeats_http_request_db_queries_sum"
    assert value(after, queries, route="/suppliers/") > value(before, queries, route="/suppliers/")
    for name, labels in after:
        assert all(label not in ("tenant", "user", "schema") for label, _v in labels), name
        assert "alpha" not in dict(labels).values()


def test_sign_in_failures_and_lockouts_are_counted(tenant_a, client_for, metrics_settings):
    before = scrape()
    client = client_for(tenant_a, REMOTE_ADDR="10.99.0.7")
    for _ in range(6):
        client.post("/login/", {"email": "staff@alpha.test", "password": "wrong-password-1"})
    after = scrape()
    assert value(after, "projectmeats_signin_failures_total") - value(before, "projectmeats_signin_failures_total") >= 5
    assert value(after, "projectmeats_signin_lockouts_total") - value(before, "projectmeats_signin_lockouts_total") >= 1


def test_fleet_gauges_tenants_pool_queue_and_schemas_behind(tenant_a, tenant_b, metrics_settings):
    with schema_context("alpha"):
        metrics_probe.defer()  # into the real queue table (the test transaction holds the row)
    fleet_check_run()
    samples = scrape()
    assert value(samples, "projectmeats_tenants", status="active", plan="business") >= 2
    assert ("projectmeats_tenant_warm_pool_size", ()) in samples
    assert value(samples, "projectmeats_job_queue_depth", queue="default", status="todo") >= 1
    assert value(samples, "projectmeats_schemas_behind") == 0
    assert value(samples, "projectmeats_metrics_collect_errors") == 0
    assert 0 <= value(samples, "projectmeats_fleet_check_age_seconds") < 60


def test_jobs_are_counted_by_task_and_outcome_with_their_duration(world, db, metrics_settings):
    from procrastinate import testing
    from procrastinate.contrib.django import app

    before = scrape()
    with app.replace_connector(testing.InMemoryConnector()):
        with schema_context("alpha"):
            metrics_probe.defer()
            metrics_probe.defer(fail=True)
        app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
    after = scrape()
    runs = "projectmeats_jobs_total"
    for outcome in ("succeeded", "failed"):
        labels = {"task": "tests.metrics_probe", "outcome": outcome}
        assert value(after, runs, **labels) - value(before, runs, **labels) == 1, outcome
    seconds = "projectmeats_job_duration_seconds_count"
    assert value(after, seconds, task="tests.metrics_probe") - value(before, seconds, task="tests.metrics_probe") == 2
