"""Claims against purchase-order lines (PRODUCT.md §5 "against a sales or purchase order line"): exactly one
line (service and database check), amount capped by the line, only received orders, settlement records a
supplier credit that lowers payables due and the supplier-payment limit, roles, API, pages, isolation."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from apps.accounting import services as accounting
from apps.accounting.models import CustomerCredit, Payment, SupplierCredit
from apps.accounts.permissions import CapabilityDenied
from apps.audit.models import AuditEvent
from apps.claims import services
from apps.claims.models import Claim
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import order_with_lines as purchase_with_lines
from apps.records.services import RecordInvalid
from apps.reports import selectors as reports
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import order_with_lines as sale_with_lines

API, PAGES = "/api/v1/claims/", "/claims/"
PICKUP = datetime.date(2026, 6, 1)


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a.tenant):
        yield tenant_a


def _purchase_line(status=PurchaseOrder.Status.RECEIVED):
    """A purchase line of 1200 lb × 4.25 = 5100.00 on a Net 30 order picked up on 2026-06-01."""
    return purchase_with_lines(1, status=status, pickup_date=PICKUP).lines.get()


def _claim(user, amount="400.00", line=None):
    data = {"purchase_line": line or _purchase_line(), "reason": Claim.Reason.SHORTAGE, "amount": Decimal(amount)}
    return services.claim_create(user=user, data=data)


def test_settling_a_purchase_line_claim_records_a_supplier_credit_that_lowers_payables(in_a):
    line = _purchase_line()
    as_of = PICKUP + datetime.timedelta(days=31)
    (before,) = reports.payables_due(as_of=as_of).rows
    assert before["open"] == Decimal("5100.00") and before["credits"] == Decimal("0.00")
    claim = _claim(in_a.staff, line=line)
    services.claim_approve(claim=claim, user=in_a.manager)
    with time_machine.travel(datetime.datetime(2026, 7, 2, 12, tzinfo=datetime.UTC), tick=False):
        services.claim_settle(claim=claim, user=in_a.manager)
    credit = SupplierCredit.objects.get()
    assert credit.issued_on == as_of
    assert reports.payables_due(as_of=as_of - datetime.timedelta(days=1)).rows[0]["credits"] == Decimal("0.00")
    assert claim.status == Claim.Status.SETTLED and claim.supplier_credit_id == credit.pk and claim.credit_id is None
    assert credit.amount == Decimal("400.00") and credit.purchase_order_id == line.order_id
    assert credit.supplier_id == line.order.supplier_id and not CustomerCredit.objects.exists()
    report = reports.payables_due(as_of=as_of)
    (after,) = report.rows
    assert after["credits"] == Decimal("400.00") and after["open"] == Decimal("4700.00")
    assert report.totals["open"] == Decimal("4700.00")
    assert AuditEvent.objects.filter(action="claim.settle", object_id=str(claim.pk)).exists()
    assert AuditEvent.objects.filter(action="suppliercredit.create", object_id=str(credit.pk)).exists()


def test_a_supplier_credit_lowers_what_can_be_paid_on_the_order(in_a):
    line = _purchase_line()
    claim = _claim(in_a.staff, "100.00", line=line)
    services.claim_approve(claim=claim, user=in_a.manager)
    services.claim_settle(claim=claim, user=in_a.manager)
    order = line.order
    data = {"kind": Payment.Kind.SUPPLIER, "supplier": order.supplier, "received_on": PICKUP, "amount": Decimal("6000")}
    with pytest.raises(RecordInvalid, match="Only 5000.00 is open"):
        accounting.payment_record(
            user=in_a.manager, data=data, allocations=[{"purchase_order": order, "amount": Decimal("5000.01")}]
        )
    accounting.payment_record(
        user=in_a.manager, data=data, allocations=[{"purchase_order": order, "amount": Decimal("5000.00")}]
    )
    assert reports.payables_due().rows == []  # today: the credit (issued today) and the payment close it


def test_purchase_claims_cannot_exceed_the_line_or_precede_receiving(in_a):
    line = _purchase_line()
    _claim(in_a.staff, "5000", line=line)
    with pytest.raises(RecordInvalid, match="cannot exceed"):
        _claim(in_a.staff, "100.01", line=line)
    with pytest.raises(RecordInvalid, match="not been received"):
        _claim(in_a.staff, line=_purchase_line(PurchaseOrder.Status.CONFIRMED))
    rejected = Claim.objects.get()
    services.claim_reject(claim=rejected, user=in_a.manager)
    _claim(in_a.staff, "5100", line=line)  # a rejected claim no longer counts against the line


def test_a_claim_is_against_exactly_one_line(in_a):
    sales_line = sale_with_lines(status=SalesOrder.Status.DELIVERED).lines.get()
    for lines in ({}, {"sales_line": sales_line, "purchase_line": _purchase_line()}):
        with pytest.raises(RecordInvalid) as refused:
            services.claim_create(user=in_a.staff, data={**lines, "reason": "damage", "amount": Decimal("1")})
        assert set(refused.value.as_dict()) == {"sales_line", "purchase_line"}
    claim = _claim(in_a.staff)
    with pytest.raises(IntegrityError, match="claim_exactly_one_line"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(sales_line=sales_line)
    with pytest.raises(IntegrityError, match="claim_exactly_one_line"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(purchase_line=None)


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_roles_below_manager_cannot_decide_purchase_claims(in_a, role):
    claim = _claim(in_a.staff)
    for verb in ("approve", "reject", "settle"):
        with pytest.raises(CapabilityDenied):
            getattr(services, f"claim_{verb}")(claim=claim, user=in_a.user(role))
    with pytest.raises(CapabilityDenied):
        _claim(in_a.viewer)
    assert Claim.objects.get().status == Claim.Status.OPEN and not SupplierCredit.objects.exists()


def test_api_opens_and_settles_a_purchase_line_claim(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        line = _purchase_line()
    staff, manager = client_for(tenant_a, tenant_a.staff), client_for(tenant_a, tenant_a.manager)
    viewer = client_for(tenant_a, tenant_a.viewer)
    body = {"purchase_line": line.pk, "reason": "quality", "amount": "250.00"}
    assert viewer.post(API, body, content_type="application/json").status_code == 403
    created = staff.post(API, body, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["purchase_line"] == line.pk and created.json()["sales_line"] is None
    pk = created.json()["id"]
    assert staff.post(f"{API}{pk}/settle/").status_code == 403
    assert manager.post(f"{API}{pk}/approve/").status_code == 200
    settled = manager.post(f"{API}{pk}/settle/").json()
    assert settled["status"] == "settled" and settled["supplier_credit"] and settled["credit"] is None
    assert manager.get(f"{API}?against=purchase").json()["count"] == 1
    assert manager.get(f"{API}?against=sales").json()["count"] == 0
    neither = staff.post(API, {"reason": "quality", "amount": "1"}, content_type="application/json")
    assert neither.status_code == 400 and "purchase_line" in neither.json()["fields"]
    over = staff.post(API, {**body, "amount": "4850.01"}, content_type="application/json")
    assert over.status_code == 400 and "amount" in over.json()["fields"]


def test_pages_open_and_settle_a_purchase_line_claim(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        line = _purchase_line()
    staff, manager = client_for(tenant_a, tenant_a.staff), client_for(tenant_a, tenant_a.manager)
    form = staff.get(f"{PAGES}new/").content.decode()
    assert f'value="{line.pk}"' in form and line.order.number in form
    response = staff.post(
        f"{PAGES}new/", {"purchase_line": line.pk, "reason": "damage", "amount": "75", "description": ""}
    )
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        claim = Claim.objects.get()
    detail = staff.get(f"{PAGES}{claim.pk}/").content.decode()
    assert line.order.supplier.name in detail and "approve/" not in detail
    assert staff.post(f"{PAGES}{claim.pk}/settle/").status_code == 403
    assert manager.post(f"{PAGES}{claim.pk}/approve/").status_code == 302
    assert manager.post(f"{PAGES}{claim.pk}/settle/").status_code == 302
    assert "Supplier credit" in manager.get(f"{PAGES}{claim.pk}/").content.decode()
    assert line.order.supplier.name in manager.get(PAGES).content.decode()
    both = staff.post(f"{PAGES}new/", {"reason": "damage", "amount": "1", "description": ""})
    assert both.status_code == 400


def test_other_tenant_purchase_claims_are_not_found(tenant_a, tenant_b, outsider, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = _claim(tenant_b.staff)
        services.claim_approve(claim=theirs, user=tenant_b.manager)
    client = client_for(tenant_a, tenant_a.owner)
    assert client.get(f"{API}{theirs.pk}/").status_code == 404
    assert client.get(f"{PAGES}{theirs.pk}/").status_code == 404
    assert client.post(f"{API}{theirs.pk}/settle/").status_code == 404
    assert client.post(f"{PAGES}{theirs.pk}/settle/").status_code == 404
    assert client_for(tenant_a, outsider).post(f"{API}{theirs.pk}/settle/").status_code == 403
    with tenant_context(tenant_b.tenant):
        assert Claim.objects.get(pk=theirs.pk).status == Claim.Status.APPROVED
        assert not SupplierCredit.objects.exists()
