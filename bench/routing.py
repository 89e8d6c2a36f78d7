"""Benchmark: per-request cost of routing a request to its tenant, plain django-tenants vs ours.

Times the middleware alone (RequestFactory requests for a known tenant host) and counts queries per
request, both in the same run against a throwaway embedded PostgreSQL (or DATABASE_URL, a scratch DB).

    .venv/bin/python bench/routing.py [--requests 5000] [--hosts 20] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectmeats.settings.test")

from common import parse_args, smoke_database  # noqa: E402 (bench/ is the script's folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=20, help="tenants, one host each, the requests go round")
    args = parse_args(parser, smoke={"requests": 20, "hosts": 2})
    smoke_database(args.smoke)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django_tenants.middleware.main import TenantMainMiddleware

    from apps.tenants.services import super_tenant_ensure, tenant_create
    from backend.tenancy import TenantMiddleware

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    super_tenant_ensure()
    for i in range(args.hosts):
        tenant_create(schema_name=f"r{i}", name=f"R{i}", domain=f"r{i}.localhost", owner_email=f"o@r{i}.test")
    factory = RequestFactory()
    requests = [factory.get("/", HTTP_HOST=f"r{i % args.hosts}.localhost") for i in range(args.requests)]

    def run(middleware) -> tuple[float, float]:
        for request in requests[:100]:  # warm caches and connections
            middleware.process_request(request)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            for request in requests:
                middleware.process_request(request)
            elapsed = time.perf_counter() - started
        return elapsed / len(requests) * 1e6, len(queries.captured_queries) / len(requests)

    # CaptureQueriesContext forces a debug cursor that adds overhead to both sides equally.
    plain_us, plain_q = run(TenantMainMiddleware(lambda r: HttpResponse()))
    ours_us, ours_q = run(TenantMiddleware(lambda r: HttpResponse()))
    print(f"requests: {len(requests)} over {args.hosts} tenant hosts")
    print(f"{'middleware':<22} {'µs/request':>11} {'queries/request':>16}")
    print(f"{'plain django-tenants':<22} {plain_us:11.1f} {plain_q:16.2f}")
    print(f"{'ours (cached)':<22} {ours_us:11.1f} {ours_q:16.2f}")
    print(f"ours is {plain_us / ours_us:.1f}x faster per request")


if __name__ == "__main__":
    main()
