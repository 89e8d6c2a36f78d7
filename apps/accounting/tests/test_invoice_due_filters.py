"""Invoice list: overdue badge and days late, the "Due" filter (overdue, next 7 days) on the page and API;
payables show no "days overdue" for orders not yet due."""

import datetime
import zoneinfo

import time_machine
from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice
from apps.partners.models import PaymentTerms
from apps.partners.tests.factories import CustomerFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import order_with_lines
from apps.records.testing import assert_list_queries_flat
from apps.reports.selectors import payables_due

NOW = datetime.datetime(2026, 11, 20, 9, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))
TODAY = NOW.date()


def _due(user, days_from_today: int):
    customer = CustomerFactory(payment_terms=PaymentTerms.NET_30, credit_limit=10**7)
    return issued_invoice(user, customer=customer, issued_on=TODAY + datetime.timedelta(days=days_from_today - 30))


@time_machine.travel(NOW, tick=False)
def test_due_filter_and_days_late(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        late = _due(tenant_a.manager, -12)
        soon = _due(tenant_a.manager, 6)
        later = _due(tenant_a.manager, 7)
        today = _due(tenant_a.manager, 0)
    client = client_for(tenant_a, tenant_a.viewer)
    overdue = client.get("/api/v1/invoices/", {"due": "overdue"}).json()
    numbers = {row["number"] for row in overdue.get("results", overdue)}
    assert numbers == {late.number}
    week = client.get("/api/v1/invoices/", {"due": "this_week"}).json()
    assert {row["number"] for row in week.get("results", week)} == {soon.number, today.number}
    assert later.number not in str(week)
    page = client.get("/invoices/", {"due": "overdue"}).content.decode()
    assert late.number in page and soon.number not in page and "Days late" in page and ">12<" in page
    assert "Overdue" in page
    assert client.get("/api/v1/invoices/", {"due": "someday"}).status_code == 400


@time_machine.travel(NOW, tick=False)
def test_due_filtered_list_query_count_is_flat(tenant_a, client_for):
    def rows(count):
        for _ in range(count):
            _due(tenant_a.manager, -3)

    assert_list_queries_flat(
        client=client_for(tenant_a, tenant_a.viewer),
        url="/invoices/?due=overdue",
        tenant=tenant_a.tenant,
        create_rows=rows,
    )


@time_machine.travel(NOW, tick=False)
def test_payables_leave_days_overdue_empty_for_orders_not_yet_due(tenant_a):
    with tenant_context(tenant_a.tenant):
        order_with_lines(status=PurchaseOrder.Status.CONFIRMED, pickup_date=TODAY - datetime.timedelta(days=40))
        order_with_lines(status=PurchaseOrder.Status.CONFIRMED, pickup_date=TODAY - datetime.timedelta(days=10))
        rows = payables_due(as_of=TODAY).rows
    assert [row["days_overdue"] for row in rows] == [10, None]


@time_machine.travel(NOW, tick=False)
def test_invoice_list_totals_the_open_balance_of_the_filtered_list(tenant_a, client_for):
    from decimal import Decimal

    from apps.accounting import services

    with tenant_context(tenant_a.tenant):
        late = _due(tenant_a.manager, -12)
        _due(tenant_a.manager, -2)
        _due(tenant_a.manager, 5)
        data = {"kind": "receipt", "customer": late.customer, "received_on": TODAY, "amount": Decimal("1000")}
        services.payment_record(
            user=tenant_a.manager, data=data, allocations=[{"invoice": late, "amount": Decimal("1000")}]
        )
    page = client_for(tenant_a, tenant_a.viewer).get("/invoices/", {"due": "overdue"}).content.decode()
    footer = page[page.index("<tfoot") : page.index("</tfoot>")]
    assert "$6,000.00" in footer and "$5,000.00" in footer  # total and open of the two overdue invoices
