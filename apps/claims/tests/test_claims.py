"""Claims: open on a shipped line (amount capped by the line), approve / reject / settle by role, settlement
credits the customer (lower open balance), API and pages, isolation."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from apps.accounting.models import CustomerCredit
from apps.accounting.selectors import customer_open_balance
from apps.accounting.tests.factories import issued_invoice
from apps.accounts.permissions import CapabilityDenied
from apps.audit.models import AuditEvent
from apps.claims import services
from apps.claims.models import Claim
from apps.records.services import RecordInvalid
from apps.records.testing import assert_list_queries_flat
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import order_with_lines
from backend.exceptions import ApplicationError

API, PAGES = "/api/v1/claims/", "/claims/"
Status = Claim.Status


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a.tenant):
        yield tenant_a


def _line(status=SalesOrder.Status.DELIVERED):
    return order_with_lines(status=status).lines.get()  # amount 3000.00


def _claim(user, amount="250.00", line=None):
    data = {"sales_line": line or _line(), "reason": Claim.Reason.TEMPERATURE, "amount": Decimal(amount)}
    return services.claim_create(user=user, data=data)


def test_settling_an_approved_claim_credits_the_customer_and_lowers_the_open_balance(in_a):
    invoice = issued_invoice(in_a.manager)
    claim = _claim(in_a.staff, line=invoice.sales_order.lines.get())
    services.claim_approve(claim=claim, user=in_a.manager)
    assert customer_open_balance(customer=invoice.customer) == Decimal("3000.00")
    services.claim_settle(claim=claim, user=in_a.manager)
    credit = CustomerCredit.objects.get()
    assert claim.status == Status.SETTLED and claim.credit_id == credit.pk and credit.amount == Decimal("250.00")
    assert Claim.objects.get(pk=claim.pk).settled_on == credit.issued_on
    assert customer_open_balance(customer=invoice.customer) == Decimal("2750.00")
    assert AuditEvent.objects.filter(action="claim.settle", object_id=str(claim.pk)).exists()
    assert AuditEvent.objects.filter(action="customercredit.create", object_id=str(credit.pk)).exists()


def test_claims_cannot_exceed_the_line_amount_or_precede_shipping(in_a):
    line = _line()
    _claim(in_a.staff, "2000", line=line)
    with pytest.raises(RecordInvalid, match="cannot exceed"):
        _claim(in_a.staff, "1000.01", line=line)
    with pytest.raises(RecordInvalid, match="not shipped"):
        _claim(in_a.staff, line=_line(SalesOrder.Status.CONFIRMED))
    with pytest.raises(RecordInvalid) as refused:
        _claim(in_a.staff, "0")
    assert "amount" in refused.value.as_dict()


ALLOWED = {
    "approve": {Status.OPEN: Status.APPROVED},
    "reject": {Status.OPEN: Status.REJECTED},
    "settle": {Status.APPROVED: Status.SETTLED},
}


@pytest.mark.parametrize("verb", sorted(ALLOWED))
@pytest.mark.parametrize("status", list(Status))
def test_every_transition_from_every_status(in_a, verb, status):
    claim = _claim(in_a.staff)
    settled_on = datetime.date(2026, 12, 1) if status == Status.SETTLED else None  # settled claims have a date
    Claim.objects.filter(pk=claim.pk).update(status=status, settled_on=settled_on)
    claim.refresh_from_db()
    service = getattr(services, f"claim_{verb}")
    if target := ALLOWED[verb].get(status):
        service(claim=claim, user=in_a.manager)
        assert Claim.objects.get(pk=claim.pk).status == target
    else:
        with pytest.raises(ApplicationError) as refused:
            service(claim=claim, user=in_a.manager)
        assert refused.value.code == "invalid_transition"
        assert not CustomerCredit.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_roles_below_manager_cannot_decide_claims(in_a, role):
    claim = _claim(in_a.staff)
    for verb in ALLOWED:
        with pytest.raises(CapabilityDenied):
            getattr(services, f"claim_{verb}")(claim=claim, user=in_a.user(role))
    with pytest.raises(CapabilityDenied):
        _claim(in_a.viewer)


def test_api_open_approve_settle_and_refusals(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        line = _line()
    staff, manager = client_for(tenant_a, tenant_a.staff), client_for(tenant_a, tenant_a.manager)
    created = staff.post(
        API, {"sales_line": line.pk, "reason": "damage", "amount": "120.50"}, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert staff.post(f"{API}{pk}/approve/").status_code == 403
    assert manager.post(f"{API}{pk}/settle/").status_code == 409
    assert manager.post(f"{API}{pk}/approve/").json()["status"] == "approved"
    settled = manager.post(f"{API}{pk}/settle/").json()
    assert settled["status"] == "settled" and settled["credit"]
    with tenant_context(tenant_a.tenant):
        assert settled["settled_on"] == CustomerCredit.objects.get(pk=settled["credit"]).issued_on.isoformat()
    bad = staff.post(API, {"sales_line": line.pk, "reason": "smell", "amount": "1"}, content_type="application/json")
    assert bad.status_code == 400 and "reason" in bad.json()["fields"]


def test_pages_open_and_settle_a_claim(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        line = _line()
    staff, manager = client_for(tenant_a, tenant_a.staff), client_for(tenant_a, tenant_a.manager)
    response = staff.post(
        f"{PAGES}new/", {"sales_line": line.pk, "reason": "shortage", "amount": "99", "description": ""}
    )
    assert response.status_code == 302
    with tenant_context(tenant_a.tenant):
        claim = Claim.objects.get()
    assert "approve/" not in staff.get(f"{PAGES}{claim.pk}/").content.decode()
    assert staff.post(f"{PAGES}{claim.pk}/approve/").status_code == 403
    assert f"{PAGES}{claim.pk}/approve/" in manager.get(f"{PAGES}{claim.pk}/").content.decode()
    assert manager.post(f"{PAGES}{claim.pk}/settle/").status_code == 400
    assert manager.post(f"{PAGES}{claim.pk}/approve/").status_code == 302
    assert manager.post(f"{PAGES}{claim.pk}/settle/").status_code == 302
    page = manager.get(f"{PAGES}{claim.pk}/").content.decode()
    assert "99.00" in page
    with tenant_context(tenant_a.tenant):
        settled_on = Claim.objects.get(pk=claim.pk).settled_on
    assert f"<dt>Settled on</dt><dd>{settled_on:%Y-%m-%d}</dd>" in page
    over = staff.post(
        f"{PAGES}new/", {"sales_line": line.pk, "reason": "shortage", "amount": "2902", "description": ""}
    )
    assert over.status_code == 400


@pytest.mark.parametrize("url", [API, PAGES])
def test_list_query_counts_do_not_grow(tenant_a, client_for, url):
    assert_list_queries_flat(
        client=client_for(tenant_a, tenant_a.viewer),
        url=url,
        tenant=tenant_a.tenant,
        create_rows=lambda n: [_claim(tenant_a.staff) for _ in range(n)],
    )


def test_other_tenant_claims_are_not_found_and_outsiders_refused(tenant_a, tenant_b, outsider, client_for):
    with tenant_context(tenant_b.tenant):
        theirs = _claim(tenant_b.staff)
    client = client_for(tenant_a, tenant_a.owner)
    assert client.get(f"{API}{theirs.pk}/").status_code == 404
    assert client.get(f"{PAGES}{theirs.pk}/").status_code == 404
    assert client.post(f"{API}{theirs.pk}/approve/").status_code == 404
    assert client.post(f"{PAGES}{theirs.pk}/approve/").status_code == 404
    assert client_for(tenant_a, outsider).get(API).status_code == 403
    assert client_for(tenant_a, outsider).get(PAGES).status_code == 403
    assert client_for(tenant_a).get(API).status_code in (401, 403)
    assert client_for(tenant_a).get(PAGES)["Location"].startswith("/login/")


def test_the_database_refuses_a_settled_claim_without_a_settlement_date(in_a):
    invoice = issued_invoice(in_a.manager)
    claim = _claim(in_a.staff, line=invoice.sales_order.lines.get())
    services.claim_approve(claim=claim, user=in_a.manager)
    services.claim_settle(claim=claim, user=in_a.manager)
    with pytest.raises(IntegrityError, match="claim_settled_has_date"), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(settled_on=None)
    Claim.objects.filter(pk=claim.pk, status=Status.APPROVED).update(settled_on=None)  # not settled: no date needed
