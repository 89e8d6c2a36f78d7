"""Benchmark: invoice PDFs and the customer account page (ledger) of a customer with 10,000 invoices.

Loads one customer with N issued invoices (one line each) over three years, receipts on half of them,
and one 50-line invoice into a fresh tenant, then times, in the same run:

- the 50-line invoice PDF over HTTP (Django's test client, full middleware stack), and the same PDF built
  from a naively fetched invoice (no prefetching: a query per line and per product);
- the customer account page (balance, aging, open invoices, credits, three months of ledger: the newest 100
  rows, paged in SQL), against the same page built naively (the whole period's ledger in Python and rendered,
  receipts on account by a subquery per receipt), and the ledger computed naively (every invoice and payment
  of the customer loaded, balances summed in Python).

Prints p50/p95 (ms) and queries per case. Target: the account page p95 under 200 ms.

    .venv/bin/python bench/documents_ledgers.py [--invoices 10000] [--runs 40] [--smoke]
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


def load(tenant, invoices: int):
    """(customer, the 50-line invoice)."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from apps.accounting.models import Invoice, Payment, PaymentAllocation
    from apps.partners.models import Customer, Location
    from apps.products.models import Product
    from apps.sales.models import SalesOrder, SalesOrderLine
    from backend.clock import tenant_today

    today = tenant_today(tenant)
    with tenant_context(tenant):
        products = Product.objects.bulk_create(
            Product(code=f"P{i:03d}", description=f"Bench cut {i}", protein="beef", case_weight=60) for i in range(50)
        )
        customer = Customer.objects.create(code="BIG", name="Big Buyer Foodservice", credit_limit=Decimal("9e9"))
        dock = Location.objects.create(code="DOCK", name="Dock", kind="ship_to", customer=customer, street="1 Pier")
        orders = SalesOrder.objects.bulk_create(
            (
                SalesOrder(
                    number=f"SO-B-{i:07d}",
                    status="invoiced",
                    customer=customer,
                    ship_to=dock,
                    delivery_date=today - datetime.timedelta(days=(i * 1095) // max(invoices, 1)),
                    total=Decimal("1000.00") + i % 500,
                )
                for i in range(invoices + 1)
            ),
            batch_size=5000,
        )
        lines = [
            SalesOrderLine(order=order, product=products[0], cases=10, weight=Decimal("600"),
                           unit_price=Decimal("2"), amount=order.total)
            for order in orders[:-1]
        ]  # fmt: skip
        big = orders[-1]
        lines += [
            SalesOrderLine(order=big, product=products[i], cases=5, weight=Decimal("300"), unit_price=Decimal("3.25"),
                           amount=Decimal("975.00"))
            for i in range(50)
        ]  # fmt: skip
        SalesOrderLine.objects.bulk_create(lines, batch_size=5000)
        big.total = Decimal("975.00") * 50
        big.save(update_fields=["total"])
        statuses = ["paid", "issued"]
        rows = Invoice.objects.bulk_create(
            (
                Invoice(
                    number=f"INV-B-{i:07d}",
                    status=statuses[i % 2],
                    sales_order=order,
                    customer=customer,
                    issued_on=order.delivery_date,
                    due_on=order.delivery_date + datetime.timedelta(days=30),
                    total=order.total,
                    paid=order.total if i % 2 == 0 else Decimal("0"),
                )
                for i, order in enumerate(orders)
            ),
            batch_size=5000,
        )
        payments = Payment.objects.bulk_create(
            (
                Payment(kind="receipt", customer=customer, received_on=invoice.issued_on, amount=invoice.total)
                for invoice in rows[::2]
            ),
            batch_size=5000,
        )
        PaymentAllocation.objects.bulk_create(
            (
                PaymentAllocation(payment=payment, invoice=invoice, amount=invoice.total)
                for payment, invoice in zip(payments, rows[::2], strict=True)
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return customer, rows[-1]


def measure(function, runs: int) -> tuple[float, float, int]:
    """p50 and p95 in ms over `runs` calls, and the queries one call makes."""
    from django.db import connection

    for _ in range(min(3, runs)):  # warm caches (fewer only in a smoke run)
        function()
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        function()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(round(0.95 * (len(samples) - 1)))], len(queries)


def naive_ledger(customer, start: datetime.date, end: datetime.date) -> Decimal:
    """What a first version would do: every invoice and receipt of the customer in Python, in date order."""
    from apps.accounting.models import Invoice, Payment

    events = [(i.issued_on, i.total) for i in Invoice.objects.filter(customer=customer).exclude(status="void")]
    events += [(p.received_on, -p.amount) for p in Payment.objects.filter(customer=customer, kind="receipt")]
    balance, shown = Decimal(0), []
    for day, amount in sorted(events, key=lambda event: event[0]):
        balance += amount
        if start <= day <= end:
            shown.append((day, amount, balance))
    return balance


def naive_unallocated_receipts(*, customer):
    """The first version of `customer_unallocated_receipts`: a correlated subquery per receipt."""
    from django.db.models import F, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from apps.accounting.ledgers import MONEY
    from apps.accounting.models import ZERO, Payment, PaymentAllocation

    allocated = PaymentAllocation.objects.filter(payment=OuterRef("pk")).values("payment").annotate(total=Sum("amount"))
    return list(
        Payment.objects.filter(customer=customer, kind=Payment.Kind.RECEIPT)
        .annotate(allocated=Coalesce(Subquery(allocated.values("total")), Value(ZERO), output_field=MONEY))
        .annotate(unallocated=F("amount") - F("allocated"))
        .filter(unallocated__gt=0)
        .order_by("received_on", "pk")
    )


def naive_page(get):
    """The account page as first written: the whole period's ledger built in Python and rendered (no paging
    in SQL), receipts on account by a subquery per receipt. Same view, same template."""
    from apps.accounting import ledgers

    def run():
        paged, receipts = ledgers.customer_ledger_page, ledgers.customer_unallocated_receipts
        ledgers.customer_ledger_page = lambda *, customer, start, end, **_: ledgers.customer_ledger(
            customer=customer, start=start, end=end
        )
        ledgers.customer_unallocated_receipts = naive_unallocated_receipts
        try:
            get()
        finally:
            ledgers.customer_ledger_page, ledgers.customer_unallocated_receipts = paged, receipts

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parse_args(parser, smoke={"invoices": 40, "runs": 1})
    smoke_database(args.smoke)

    import django

    django.setup()
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from apps.accounting.ledgers import customer_ledger
    from apps.accounting.models import Invoice
    from apps.accounts.services import membership_ensure, user_ensure
    from apps.documents import builders, rendering
    from apps.documents.ledger_views import default_period
    from apps.tenants.services import super_tenant_ensure, tenant_create
    from backend.clock import tenant_today

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    super_tenant_ensure()
    tenant = tenant_create(schema_name="bench", name="Bench", domain="bench.localhost", owner_email="owner@bench.test")
    user = user_ensure(email="viewer@bench.test", full_name="Bench Viewer")
    membership_ensure(user=user, tenant=tenant, role="viewer")

    started = time.perf_counter()
    customer, big = load(tenant, args.invoices)
    seconds = time.perf_counter() - started
    print(f"loaded {args.invoices} invoices for 1 customer and one 50-line invoice in {seconds:.1f} s")

    client = signed_in_client(user=user, host="bench.localhost", schema_name=tenant.schema_name)
    start, end = default_period(tenant_today(tenant))

    def http(url: str):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    with tenant_context(tenant):
        head = builders.letterhead()

        def pdf_ours():
            builders.invoice_pdf(rendering.invoice_queryset().get(pk=big.pk), head)

        def pdf_naive():
            builders.invoice_pdf(Invoice.objects.get(pk=big.pk), head)

        cases = [
            ("invoice PDF 50 lines, HTTP (ours)", http(f"/invoices/{big.pk}/pdf/")),
            ("invoice PDF 50 lines, build (ours)", pdf_ours),
            ("invoice PDF 50 lines, build (naive)", pdf_naive),
            ("customer account page (ours)", http(f"/customers/{customer.pk}/account/")),
            ("customer account page (naive)", naive_page(http(f"/customers/{customer.pk}/account/"))),
            ("ledger 3 months (ours)", lambda: customer_ledger(customer=customer, start=start, end=end)),
            ("ledger 3 months (naive, all rows)", lambda: naive_ledger(customer, start, end)),
            ("statement PDF 3 months (ours)", http(f"/customers/{customer.pk}/statement.pdf")),
        ]
        print(f"{'case':40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for label, function in cases:
            p50, p95, queries = measure(function, args.runs)
            print(f"{label:40} {p50:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
