"""Benchmark: list and search latency of products and customers at scale in one tenant.

Loads 50,000 products and 20,000 customers into a fresh tenant on a throwaway embedded PostgreSQL, then
times the API list/search endpoints and the list pages through Django's test client (full middleware
stack: tenant routing, session, permission check, pagination, rendering; no network) and prints p50/p95.

    .venv/bin/python bench/partners_lists.py [--products 50000] [--customers 20000] [--runs 60] [--smoke]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "projectmeats.settings.test")

from common import parse_args, signed_in_client, smoke_database  # noqa: E402 (bench/ is the script's folder)

CUTS = ["ribeye", "striploin", "tenderloin", "brisket", "chuck roll", "short rib", "flank", "skirt", "loin", "butt"]
PROTEINS = ["beef", "pork", "poultry", "lamb", "veal", "other"]
WORDS = ["Harbor", "Prairie", "Summit", "Valley", "Coastal", "Metro", "Golden", "Pioneer", "Union", "Liberty"]
KINDS = ["Foods", "Markets", "Grocers", "Provisions", "Steakhouse", "Distributors", "Kitchens", "Meats"]


def load(tenant, products: int, customers: int) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from apps.partners.models import Customer
    from apps.products.models import Product

    with tenant_context(tenant):
        Product.objects.bulk_create(
            (
                Product(
                    code=f"P{i:06d}",
                    description=f"{PROTEINS[i % 6].title()} {CUTS[i % 10]} grade {i % 97}",
                    namp_code=f"{100 + i % 900}",
                    protein=PROTEINS[i % 6],
                    storage="frozen" if i % 3 else "fresh",
                    weight_type="catch" if i % 2 else "net",
                    case_weight=Decimal(20 + i % 60),
                )
                for i in range(products)
            ),
            batch_size=5000,
        )
        Customer.objects.bulk_create(
            (
                Customer(
                    code=f"C{i:06d}",
                    name=f"{WORDS[i % 10]} {KINDS[i % 8]} {i}",
                    city=WORDS[(i // 10) % 10] + "ville",
                    state="TX",
                    credit_limit=Decimal(i % 500) * 1000,
                    status="on_hold" if i % 17 == 0 else "active",
                )
                for i in range(customers)
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(client, url: str, runs: int) -> tuple[float, float, int]:
    for _ in range(min(5, runs)):  # warm caches and the connection (fewer only in a smoke run)
        client.get(url)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(round(0.95 * (len(samples) - 1)))], len(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parse_args(parser, smoke={"products": 200, "customers": 40, "runs": 1})
    smoke_database(args.smoke)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from apps.accounts.services import membership_ensure, user_ensure
    from apps.tenants.services import super_tenant_ensure, tenant_create

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    super_tenant_ensure()
    tenant = tenant_create(schema_name="bench", name="Bench", domain="bench.localhost", owner_email="owner@bench.test")
    user = user_ensure(email="viewer@bench.test", full_name="Bench Viewer")
    membership_ensure(user=user, tenant=tenant, role="viewer")

    started = time.perf_counter()
    load(tenant, args.products, args.customers)
    print(f"loaded {args.products} products and {args.customers} customers in {time.perf_counter() - started:.1f} s")

    client = signed_in_client(user=user, host="bench.localhost", schema_name=tenant.schema_name)
    # The middle page and the last codes' prefix, whatever the size: page 500 and 'P04999' (10 hits) at 50,000.
    middle = max(1, math.ceil(args.products / settings.REST_FRAMEWORK["PAGE_SIZE"]) // 2)
    prefix = f"P{(args.products - 1) // 10:05d}"
    hits = args.products - (args.products - 1) // 10 * 10
    cases = [
        ("API products, page 1", "/api/v1/products/"),
        (f"API products, page {middle}", f"/api/v1/products/?page={middle}"),
        ("API products, filter protein+storage", "/api/v1/products/?protein=pork&storage=frozen"),
        ("API products, search 'ribeye'", "/api/v1/products/?q=ribeye"),
        (f"API products, search '{prefix}' ({hits} hits)", f"/api/v1/products/?q={prefix}"),
        ("API products, order by -description", "/api/v1/products/?ordering=-description"),
        ("API customers, page 1", "/api/v1/customers/"),
        ("API customers, search 'harbor'", "/api/v1/customers/?q=harbor"),
        ("page products, page 1", "/products/"),
        ("page products, search 'ribeye'", "/products/?q=ribeye"),
        ("page customers, page 1", "/customers/"),
        ("page customers, search 'harbor'", "/customers/?q=harbor"),
        ("page customers, HTMX sort by name", "/customers/?ordering=name"),
    ]
    print(f"{'case':45} {'p50 ms':>8} {'p95 ms':>8} {'runs':>5}")
    for label, url in cases:
        headers = {"HTTP_HX_REQUEST": "true"} if "HTMX" in label else {}
        if headers:
            client.defaults.update(headers)
        p50, p95, runs = timed(client, url, args.runs)
        for key in headers:
            client.defaults.pop(key)
        print(f"{label:45} {p50:8.1f} {p95:8.1f} {runs:5d}")


if __name__ == "__main__":
    main()
