"""Benchmark: the dashboard and the AR aging report (page and API) with 100,000 invoices in one tenant.

Loads customers, delivered-and-invoiced sales orders with one line each, and issued / partly paid / paid
invoices spread over two years of due dates into a fresh tenant on a throwaway embedded PostgreSQL, then
times each URL through Django's test client (full middleware stack, no network) and prints p50/p95 and
the number of queries per request. Target: p95 under 200 ms.

    .venv/bin/python bench/orders_reports.py [--invoices 100000] [--customers 2000] [--runs 40] [--smoke]
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectmeats.settings.test")

from common import parse_args, signed_in_client, smoke_database  # noqa: E402 (bench/ is the script's folder)


def load(tenant, invoices: int, customers: int) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from apps.accounting.models import Invoice
    from apps.partners.models import Customer, Location
    from apps.products.models import Product
    from apps.sales.models import SalesOrder, SalesOrderLine
    from backend.clock import tenant_today

    today = tenant_today(tenant)
    with tenant_context(tenant):
        product = Product.objects.create(code="BENCH", description="Bench ribeye", protein="beef", case_weight=60)
        buyers = Customer.objects.bulk_create(
            Customer(code=f"C{i:05d}", name=f"Customer {i}", credit_limit=Decimal("1000000")) for i in range(customers)
        )
        docks = Location.objects.bulk_create(
            Location(code=f"L{i:05d}", name="Dock", kind="ship_to", customer=customer)
            for i, customer in enumerate(buyers)
        )
        orders = SalesOrder.objects.bulk_create(
            (
                SalesOrder(
                    number=f"SO-B-{i:07d}",
                    status="invoiced",
                    customer=buyers[i % customers],
                    ship_to=docks[i % customers],
                    delivery_date=today - datetime.timedelta(days=i % 730),
                    total=Decimal("1000.00") + i % 500,
                    margin=Decimal("80.00"),
                )
                for i in range(invoices)
            ),
            batch_size=5000,
        )
        SalesOrderLine.objects.bulk_create(
            (
                SalesOrderLine(
                    order=order,
                    product=product,
                    cases=10,
                    weight=Decimal("600"),
                    unit_price=Decimal("2"),
                    amount=order.total,
                    cost=order.total - order.margin,
                )
                for order in orders
            ),
            batch_size=5000,
        )
        statuses = ["issued", "partially_paid", "paid", "issued", "void"]
        Invoice.objects.bulk_create(
            (
                Invoice(
                    number=f"INV-B-{i:07d}",
                    status=statuses[i % 5],
                    sales_order=order,
                    customer_id=order.customer_id,
                    issued_on=order.delivery_date,
                    due_on=order.delivery_date + datetime.timedelta(days=30),
                    total=order.total,
                    paid={"paid": order.total, "partially_paid": Decimal("100.00")}.get(statuses[i % 5], Decimal(0)),
                )
                for i, order in enumerate(orders)
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection

    for _ in range(min(3, runs)):  # warm caches (fewer only in a smoke run)
        client.get(url)
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(round(0.95 * (len(samples) - 1)))], len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parse_args(parser, smoke={"invoices": 50, "customers": 5, "runs": 1})
    smoke_database(args.smoke)

    import django

    django.setup()
    from django.core.management import call_command

    from apps.accounts.services import membership_ensure, user_ensure
    from apps.tenants.services import super_tenant_ensure, tenant_create
    from backend.clock import tenant_today

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    super_tenant_ensure()
    tenant = tenant_create(schema_name="bench", name="Bench", domain="bench.localhost", owner_email="owner@bench.test")
    user = user_ensure(email="viewer@bench.test", full_name="Bench Viewer")
    membership_ensure(user=user, tenant=tenant, role="viewer")

    started = time.perf_counter()
    load(tenant, args.invoices, args.customers)
    print(f"loaded {args.invoices} invoices for {args.customers} customers in {time.perf_counter() - started:.1f} s")

    client = signed_in_client(user=user, host="bench.localhost", schema_name=tenant.schema_name)
    cases = [
        ("dashboard /", "/"),
        ("AR aging page", "/reports/ar-aging/"),
        ("AR aging API", "/api/v1/reports/ar-aging/"),
        ("margin by month page", "/reports/margin/?by=month"),
        ("invoices list page", "/invoices/"),
        ("invoices API, overdue filter", f"/api/v1/invoices/?status=issued&due_to={tenant_today(tenant)}"),
    ]
    print(f"{'case':32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, url in cases:
        p50, p95, queries = timed(client, url, args.runs)
        print(f"{label:32} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
