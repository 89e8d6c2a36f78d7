"""Reports: AR aging buckets on fixed dates (time-machine), payables due, margin groupings, open orders,
CSV/API agreement, the dashboard, refusals and isolation."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.accounting import services as accounting
from apps.accounting.models import Payment
from apps.accounting.tests.factories import issued_invoice
from apps.partners.tests.factories import CustomerFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderLineFactory
from apps.purchasing.tests.factories import order_with_lines as purchase_with_lines
from apps.records.testing import assert_list_queries_flat
from apps.reports import selectors
from apps.sales import services as sales
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import order_with_lines
from backend.clock import tenant_today

AS_OF = datetime.date(2026, 6, 30)


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a.tenant):
        yield tenant_a


def _invoice_due(user, customer, due_on: datetime.date):
    """An issued 3000.00 invoice due on `due_on` (Net 30 customer: issued 30 days earlier)."""
    return issued_invoice(user, customer=customer, issued_on=due_on - datetime.timedelta(days=30))


def test_aging_puts_each_balance_in_its_bucket_on_a_fixed_date(in_a):
    customer = CustomerFactory(name="Aged Foods", payment_terms=30)
    for days_overdue in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 400):
        _invoice_due(in_a.manager, customer, AS_OF - datetime.timedelta(days=days_overdue))
    with time_machine.travel(datetime.datetime(2026, 6, 30, 12, tzinfo=datetime.UTC), tick=False):
        report = selectors.ar_aging()
    (row,) = report.rows
    assert report.params["as_of"] == AS_OF
    assert row["customer"] == "Aged Foods"
    assert (row["current"], row["days_1_30"], row["days_31_60"], row["days_61_90"], row["days_over_90"]) == (
        Decimal("6000.00"),
        Decimal("6000.00"),
        Decimal("6000.00"),
        Decimal("6000.00"),
        Decimal("6000.00"),
    )
    assert row["total"] == Decimal("30000.00") and report.totals["total"] == Decimal("30000.00")


def test_aging_moves_an_invoice_to_the_next_bucket_as_days_pass(in_a):
    customer = CustomerFactory()
    _invoice_due(in_a.manager, customer, datetime.date(2026, 5, 31))
    for day, bucket in [
        ((2026, 5, 31), "current"),
        ((2026, 6, 1), "days_1_30"),
        ((2026, 6, 30), "days_1_30"),
        ((2026, 7, 1), "days_31_60"),
        ((2026, 7, 30), "days_31_60"),
        ((2026, 7, 31), "days_61_90"),
        ((2026, 8, 29), "days_61_90"),
        ((2026, 8, 30), "days_over_90"),
    ]:
        with time_machine.travel(datetime.datetime(*day, 9, tzinfo=datetime.UTC), tick=False):
            (row,) = selectors.ar_aging().rows
        assert row[bucket] == Decimal("3000.00"), (day, bucket, row)


def test_aging_counts_open_balances_only_and_subtracts_credits(in_a):
    customer = CustomerFactory()
    paid = _invoice_due(in_a.manager, customer, AS_OF)
    part = _invoice_due(in_a.manager, customer, AS_OF - datetime.timedelta(days=10))
    data = {"kind": Payment.Kind.RECEIPT, "customer": customer, "received_on": AS_OF, "amount": Decimal("4000")}
    accounting.payment_record(
        user=in_a.manager,
        data=data,
        allocations=[{"invoice": paid, "amount": Decimal("3000")}, {"invoice": part, "amount": Decimal("1000")}],
    )
    accounting.customer_credit_create(user=in_a.manager, customer=customer, amount=Decimal("150"), reason="Claim")
    voided = _invoice_due(in_a.manager, customer, AS_OF)
    accounting.invoice_void(invoice=voided, user=in_a.manager)
    (row,) = selectors.ar_aging(as_of=AS_OF + datetime.timedelta(days=400)).rows
    assert row["days_over_90"] == Decimal("2000.00") and row["credits"] == Decimal("150.00")
    assert row["total"] == Decimal("1850.00")


@time_machine.travel(datetime.datetime(2026, 6, 30, 12, tzinfo=zoneinfo.ZoneInfo("America/Chicago")), tick=False)
def test_dashboard_totals_agree_with_the_grouped_reports(in_a):
    """The dashboard reads ungrouped aggregates; they must equal the totals rows of the grouped reports."""
    owing, credited_only = CustomerFactory(), CustomerFactory()
    for days_overdue in (-5, 12, 45, 75, 200):
        _invoice_due(in_a.manager, owing, AS_OF - datetime.timedelta(days=days_overdue))
    _invoice_due(in_a.manager, CustomerFactory(), AS_OF + datetime.timedelta(days=3))
    accounting.customer_credit_create(user=in_a.manager, customer=owing, amount=Decimal("120"), reason="Claim")
    # A credit of a customer with nothing open is not in the aging (no row), so not in its totals either.
    accounting.customer_credit_create(user=in_a.manager, customer=credited_only, amount=Decimal("55"), reason="Claim")
    order_with_lines(status=SalesOrder.Status.CONFIRMED, delivery_date=AS_OF)
    as_of = tenant_today()
    assert as_of == AS_OF
    aging = selectors.ar_aging(as_of=as_of).totals
    assert selectors.ar_aging_totals(as_of=as_of) == aging and aging["credits"] == Decimal("120.00")
    month = selectors.margin_by(by="customer", date_from=AS_OF.replace(day=1), date_to=AS_OF).totals
    assert selectors.margin_totals(date_from=AS_OF.replace(day=1), date_to=AS_OF) == month
    assert month["sales"] == Decimal("3000.00")
    figures = selectors.dashboard(today=as_of)
    assert figures.receivables == aging["total"] and figures.receivables > 0


@time_machine.travel(datetime.datetime(2026, 6, 15, 21, 30, tzinfo=zoneinfo.ZoneInfo("America/Chicago")), tick=False)
def test_dashboard_this_month_is_the_margin_reports_current_month(in_a):
    """15 June, 21:30 in Chicago (already the 16th in UTC): "this month" is June on the tenant's calendar, all
    of it — a delivery later this month counts as it does in the margin-by-month report."""
    for delivery in (datetime.date(2026, 5, 31), datetime.date(2026, 6, 1), datetime.date(2026, 6, 25)):
        order_with_lines(status=SalesOrder.Status.CONFIRMED, delivery_date=delivery)
    order_with_lines(status=SalesOrder.Status.CONFIRMED, delivery_date=datetime.date(2026, 7, 1))
    june = next(row for row in selectors.margin_by(by="month").rows if row["group"] == "2026-06")
    figures = selectors.dashboard()
    assert (figures.month_sales, figures.month_margin) == (june["sales"], june["margin"])
    assert figures.month_sales == 2 * selectors.margin_by(by="month").rows[0]["sales"]


def test_report_pages_escape_every_cell(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        customer = CustomerFactory(name="<script>alert(1)</script> & Sons")
        _invoice_due(tenant_a.manager, customer, datetime.date(2026, 1, 1))
    page = client_for(tenant_a, tenant_a.viewer).get("/reports/ar-aging/").content.decode()
    assert "<script>alert(1)" not in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons</td>" in page
    assert '<td class="num">3,000.00</td>' in page  # amounts right-aligned with the locale's separators


def test_payables_due_lists_open_supplier_balances_by_due_date(in_a):
    received = purchase_with_lines(
        1, status=PurchaseOrder.Status.RECEIVED, pickup_date=datetime.date(2026, 6, 1), terms=14
    )
    purchase_with_lines(1, status=PurchaseOrder.Status.DRAFT, pickup_date=datetime.date(2026, 6, 1))
    later = purchase_with_lines(1, status=PurchaseOrder.Status.CONFIRMED, pickup_date=datetime.date(2026, 9, 1))
    data = {
        "kind": Payment.Kind.SUPPLIER,
        "supplier": received.supplier,
        "received_on": AS_OF,
        "amount": Decimal("100"),
    }
    accounting.payment_record(
        user=in_a.manager, data=data, allocations=[{"purchase_order": received, "amount": Decimal("100")}]
    )
    report = selectors.payables_due(as_of=AS_OF, within_days=30)
    assert [row["number"] for row in report.rows] == [received.number]
    (row,) = report.rows
    assert (
        row["due_on"] == datetime.date(2026, 6, 15) and row["days_overdue"] == 15 and row["open"] == Decimal("5000.00")
    )
    assert later.number in [r["number"] for r in selectors.payables_due(as_of=AS_OF, within_days=120).rows]


def test_margin_by_customer_product_and_month(in_a):
    source = PurchaseOrderLineFactory(order__status=PurchaseOrder.Status.CONFIRMED, unit_cost=Decimal("4.00"))
    customer = CustomerFactory(name="Margin Co")
    data = {
        "customer": customer,
        "ship_to": customer.locations.create(code="M1", name="Dock", kind="ship_to"),
        "delivery_date": datetime.date(2026, 3, 10),
    }
    line = {
        "product": source.product,
        "source": source,
        "cases": 5,
        "weight": Decimal("300"),
        "unit_price": Decimal("4.5"),
    }
    order = sales.sales_order_create(user=in_a.staff, data=data, lines=[line])
    sales.sales_order_confirm(order=order, user=in_a.manager)
    sales.sales_order_create(user=in_a.staff, data=data, lines=[line | {"cases": 1, "weight": Decimal("1")}])  # draft
    by_customer = selectors.margin_by(by="customer")
    assert by_customer.rows == [
        {
            "group": "Margin Co",
            "sales": Decimal("1350.00"),
            "cost": Decimal("1200.00"),
            "margin": Decimal("150.00"),
            "margin_pct": Decimal("11.1"),
        }
    ]
    assert [row["group"] for row in selectors.margin_by(by="month").rows] == ["2026-03"]
    assert [row["group"] for row in selectors.margin_by(by="product").rows] == [source.product.code]
    assert selectors.margin_by(by="customer", date_from=datetime.date(2026, 4, 1)).rows == []


def test_open_orders_lists_confirmed_sales_and_purchases(in_a):
    shipped = order_with_lines(status=SalesOrder.Status.SHIPPED)
    order_with_lines(status=SalesOrder.Status.INVOICED)
    purchase = purchase_with_lines(1, status=PurchaseOrder.Status.CONFIRMED)
    numbers = {row["number"] for row in selectors.open_orders().rows}
    assert numbers == {shipped.number, purchase.number}


def test_report_page_api_and_csv_agree(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        invoice = _invoice_due(tenant_a.manager, CustomerFactory(name="Agree Ltd"), AS_OF - datetime.timedelta(days=45))
    client = client_for(tenant_a, tenant_a.viewer)
    page = client.get("/reports/ar-aging/", {"as_of": "2026-06-30"})
    assert page.status_code == 200 and "Agree Ltd" in page.content.decode() and "3,000.00" in page.content.decode()
    api = client.get("/api/v1/reports/ar-aging/", {"as_of": "2026-06-30"}).json()
    assert api["rows"][0]["days_31_60"] == "3000.00" and api["currency"] == tenant_a.tenant.currency
    csv = client.get("/reports/ar-aging/", {"as_of": "2026-06-30", "format": "csv"}).content.decode().splitlines()
    assert csv[0] == "Code,Customer,Current,1–30,31–60,61–90,90+,Credits,Total"
    assert csv[1].endswith("Agree Ltd,0.00,0.00,3000.00,0.00,0.00,0.00,3000.00")
    assert invoice.number


def test_report_csv_defuses_formula_cells(tenant_a, client_for):
    """Before: a customer named like a formula became a live formula in the AR-aging CSV."""
    with tenant_context(tenant_a.tenant):
        _invoice_due(tenant_a.manager, CustomerFactory(name='=HYPERLINK("http://evil")'), AS_OF)
    client = client_for(tenant_a, tenant_a.viewer)
    csv = client.get("/reports/ar-aging/", {"as_of": "2026-06-30", "format": "csv"}).content.decode()
    assert "'=HYPERLINK" in csv
    assert ",=HYPERLINK" not in csv and ',"=HYPERLINK' not in csv


@pytest.mark.parametrize("name", ["ar-aging", "payables-due", "margin", "open-orders"])
def test_every_report_renders_for_a_viewer(tenant_a, client_for, name):
    client = client_for(tenant_a, tenant_a.viewer)
    assert client.get(f"/reports/{name}/").status_code == 200
    assert client.get(f"/api/v1/reports/{name}/").status_code == 200
    assert client.get(f"/reports/{name}/", {"format": "csv"})["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("ar-aging", {"as_of": "30/06/2026"}, "as_of"),
        ("margin", {"by": "planet"}, "by"),
        ("payables-due", {"within_days": "-1"}, "within_days"),
        # Were 500s (found by schemathesis): day arithmetic from these dates left the calendar.
        ("ar-aging", {"as_of": "0001-01-01"}, "as_of"),
        ("payables-due", {"as_of": "9999-12-31"}, "as_of"),
        ("margin", {"date_to": "9999-12-31"}, "date_to"),
    ],
)
def test_bad_report_parameters_are_400(tenant_a, client_for, name, params, field):
    client = client_for(tenant_a, tenant_a.viewer)
    assert client.get(f"/reports/{name}/", params).status_code == 400
    response = client.get(f"/api/v1/reports/{name}/", params)
    assert response.status_code == 400 and field in response.json()["fields"]
    assert client.get("/reports/nope/").status_code == 404
    assert client.get("/api/v1/reports/nope/").status_code == 404


def _add_invoices(world, count):
    customer = CustomerFactory()
    for _ in range(count):
        issued_invoice(world.manager, customer=customer)


@pytest.mark.parametrize("url", ["/reports/ar-aging/", "/api/v1/reports/ar-aging/"])
def test_report_queries_do_not_grow_with_invoices(tenant_a, client_for, url):
    assert_list_queries_flat(
        client=client_for(tenant_a, tenant_a.viewer),
        url=url,
        tenant=tenant_a.tenant,
        create_rows=lambda count: _add_invoices(tenant_a, count),
    )


def test_dashboard_queries_are_few_and_do_not_grow(tenant_a, client_for):
    client = client_for(tenant_a, tenant_a.viewer)
    with tenant_context(tenant_a.tenant):
        _add_invoices(tenant_a, 3)
    assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    with tenant_context(tenant_a.tenant):
        _add_invoices(tenant_a, 20)
        order_with_lines(status=SalesOrder.Status.CONFIRMED)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    # Request plumbing (~9) plus one aggregate per figure; a figure never queries per row.
    assert len(many) == len(few) <= 20


def test_dashboard_shows_the_tenant_name_the_figures_and_an_svg_chart(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        _invoice_due(tenant_a.manager, CustomerFactory(), datetime.date(2020, 1, 1))
        order_with_lines(status=SalesOrder.Status.CONFIRMED)
    body = client_for(tenant_a, tenant_a.viewer).get("/").content.decode()
    assert f"<h1>{tenant_a.tenant.name}</h1>" in body
    assert "Overdue receivables" in body and "3000.00" in body
    assert "<svg" in body and 'class="bar"' in body and "<script" not in body.split("<main", 1)[1]


def test_reports_are_per_tenant_and_refuse_outsiders(tenant_a, tenant_b, outsider, client_for):
    with tenant_context(tenant_b.tenant):
        _invoice_due(tenant_b.manager, CustomerFactory(name="Beta Only Foods"), AS_OF)
    client = client_for(tenant_a, tenant_a.owner)
    assert "Beta Only Foods" not in client.get("/reports/ar-aging/").content.decode()
    assert client.get("/api/v1/reports/ar-aging/").json()["rows"] == []
    assert "Beta Only Foods" not in client.get("/").content.decode()
    for url in ("/reports/ar-aging/", "/api/v1/reports/ar-aging/", "/"):
        assert client_for(tenant_a, outsider).get(url).status_code == 403
    assert client_for(tenant_a).get("/api/v1/reports/ar-aging/").status_code in (401, 403)
    response = client_for(tenant_a).get("/reports/ar-aging/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
