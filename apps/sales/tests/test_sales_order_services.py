"""Sales-order services: ship-to rule, sourcing and allocation limits, margins, transitions by role, credit
limit refusal and audited override."""

import datetime
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from apps.accounts.permissions import CapabilityDenied
from apps.audit.models import AuditEvent
from apps.partners.models import Location
from apps.partners.tests.factories import CustomerFactory, LocationFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderLineFactory
from apps.records.services import RecordInvalid
from apps.sales import services
from apps.sales.models import SalesOrder
from apps.sales.tests.factories import order_with_lines
from backend.exceptions import ApplicationError

Status = SalesOrder.Status


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a.tenant):
        yield tenant_a


@pytest.fixture
def bought():
    """A confirmed purchase line: 20 cases, 1200.00 lb at 4.25."""
    return PurchaseOrderLineFactory(order__status=PurchaseOrder.Status.CONFIRMED)


def _header(credit_limit=Decimal("100000.00")):
    customer = CustomerFactory(credit_limit=credit_limit, payment_terms=21)
    return {
        "customer": customer,
        "ship_to": LocationFactory(customer=customer),
        "delivery_date": datetime.date(2026, 12, 3),
    }


def _line(source, **overrides):
    return {
        "product": source.product,
        "source": source,
        "cases": 10,
        "weight": Decimal("600.00"),
        "unit_price": Decimal("5.1250"),
        **overrides,
    }


def test_create_sources_lines_and_computes_margins(in_a, bought):
    order = services.sales_order_create(user=in_a.staff, data=_header(), lines=[_line(bought)])
    line = order.lines.get()
    assert order.number.startswith("SO-") and order.status == Status.DRAFT
    assert line.amount == Decimal("3075.00") and line.cost == Decimal("2550.00") and line.margin == Decimal("525.00")
    assert order.total == Decimal("3075.00") and order.margin == Decimal("525.00")
    assert AuditEvent.objects.filter(action="salesorder.create", object_id=str(order.pk)).exists()


def test_an_unsourced_line_has_no_cost_or_margin(in_a, bought):
    line = {k: v for k, v in _line(bought).items() if k != "source"}
    order = services.sales_order_create(user=in_a.staff, data=_header(), lines=[line])
    assert order.lines.get().margin is None and order.margin == Decimal("0.00") and order.total == Decimal("3075.00")


def test_ship_to_must_belong_to_the_customer_and_be_a_ship_to(in_a):
    with pytest.raises(RecordInvalid) as refused:
        services.sales_order_create(user=in_a.staff, data=_header() | {"ship_to": LocationFactory()}, lines=[])
    assert "ship_to" in refused.value.as_dict()
    data = _header()
    data["ship_to"] = LocationFactory(customer=data["customer"], kind=Location.Kind.BILLING)
    with pytest.raises(RecordInvalid, match="ship-to"):
        services.sales_order_create(user=in_a.staff, data=data, lines=[])


def test_allocation_cannot_exceed_what_was_bought_across_orders(in_a, bought):
    services.sales_order_create(user=in_a.staff, data=_header(), lines=[_line(bought, cases=15, weight=Decimal("900"))])
    with pytest.raises(RecordInvalid) as refused:
        services.sales_order_create(
            user=in_a.staff, data=_header(), lines=[_line(bought, cases=6, weight=Decimal("100"))]
        )
    assert "Only 5 cases / 300.00" in refused.value.as_dict()["lines.0.source"][0]
    services.sales_order_create(user=in_a.staff, data=_header(), lines=[_line(bought, cases=5, weight=Decimal("300"))])


def test_allocation_counts_the_orders_own_lines_together(in_a, bought):
    lines = [_line(bought, cases=10, weight=Decimal("700")), _line(bought, cases=10, weight=Decimal("501"))]
    with pytest.raises(RecordInvalid) as refused:
        services.sales_order_create(user=in_a.staff, data=_header(), lines=lines)
    assert set(refused.value.as_dict()) == {"lines.1.source"}


def test_a_cancelled_order_frees_its_allocation_and_editing_does_not_count_itself(in_a, bought):
    order = services.sales_order_create(
        user=in_a.staff, data=_header(), lines=[_line(bought, cases=20, weight=Decimal("1200"))]
    )
    services.sales_order_update(
        user=in_a.staff, record=order, data={}, lines=[_line(bought, cases=20, weight=Decimal("1200"))]
    )
    services.sales_order_cancel(order=order, user=in_a.manager)
    services.sales_order_create(
        user=in_a.staff, data=_header(), lines=[_line(bought, cases=20, weight=Decimal("1200"))]
    )


def test_catch_weight_received_limits_the_allocation(in_a, bought):
    bought.received_weight = Decimal("1150.00")
    bought.save()
    with pytest.raises(RecordInvalid):
        services.sales_order_create(user=in_a.staff, data=_header(), lines=[_line(bought, weight=Decimal("1150.01"))])


@pytest.mark.parametrize("status", [PurchaseOrder.Status.DRAFT, PurchaseOrder.Status.CANCELLED])
def test_cannot_sell_from_draft_or_cancelled_purchases(in_a, status):
    source = PurchaseOrderLineFactory(order__status=status)
    with pytest.raises(RecordInvalid, match="confirmed or received"):
        services.sales_order_create(user=in_a.staff, data=_header(), lines=[_line(source)])


def test_the_source_must_be_the_same_product(in_a, bought):
    other = PurchaseOrderLineFactory(order__status=PurchaseOrder.Status.CONFIRMED)
    with pytest.raises(RecordInvalid, match="another product"):
        services.sales_order_create(user=in_a.staff, data=_header(), lines=[_line(other) | {"product": bought.product}])


def test_only_drafts_can_be_edited_and_viewers_cannot_write(in_a):
    confirmed = order_with_lines(status=Status.CONFIRMED)
    with pytest.raises(ApplicationError, match="Only draft"):
        services.sales_order_update(user=in_a.staff, record=confirmed, data={"notes": "x"})
    with pytest.raises(CapabilityDenied):
        services.sales_order_create(user=in_a.viewer, data=_header(), lines=[])


ALLOWED = {
    "confirm": {Status.DRAFT: Status.CONFIRMED},
    "ship": {Status.CONFIRMED: Status.SHIPPED},
    "deliver": {Status.SHIPPED: Status.DELIVERED},
    "cancel": {Status.DRAFT: Status.CANCELLED, Status.CONFIRMED: Status.CANCELLED},
}


@pytest.mark.parametrize("verb", sorted(ALLOWED))
@pytest.mark.parametrize("status", list(Status))
def test_every_transition_from_every_status(in_a, verb, status):
    order = order_with_lines(status=status)
    service = getattr(services, f"sales_order_{verb}")
    target = ALLOWED[verb].get(status)
    if target:
        service(order=order, user=in_a.manager)
        assert SalesOrder.objects.get(pk=order.pk).status == target
        assert AuditEvent.objects.filter(action=f"salesorder.{verb}", object_id=str(order.pk)).exists()
    else:
        with pytest.raises(ApplicationError) as refused:
            service(order=order, user=in_a.manager)
        assert refused.value.code == "invalid_transition"
        assert SalesOrder.objects.get(pk=order.pk).status == status


@pytest.mark.parametrize("role", ["viewer", "staff"])
@pytest.mark.parametrize("verb", sorted(ALLOWED))
def test_roles_below_manager_cannot_transition(in_a, role, verb):
    order = order_with_lines(status=next(iter(ALLOWED[verb])))
    with pytest.raises(CapabilityDenied):
        getattr(services, f"sales_order_{verb}")(order=order, user=in_a.user(role))


def test_confirming_over_the_credit_limit_is_refused(in_a):
    customer = CustomerFactory(credit_limit=Decimal("5000.00"))
    order_with_lines(customer=customer, status=Status.SHIPPED)  # 3000.00 open
    order = order_with_lines(customer=customer)  # another 3000.00
    with pytest.raises(ApplicationError) as refused:
        services.sales_order_confirm(order=order, user=in_a.manager)
    assert refused.value.code == "credit_limit" and "1000.00 over" in refused.value.message
    assert SalesOrder.objects.get(pk=order.pk).status == Status.DRAFT


def test_orders_within_the_limit_and_invoiced_or_cancelled_orders_do_not_count(in_a):
    customer = CustomerFactory(credit_limit=Decimal("6000.00"))
    order_with_lines(customer=customer, status=Status.SHIPPED)
    order_with_lines(customer=customer, status=Status.CANCELLED)
    order_with_lines(customer=customer, status=Status.DRAFT)
    order = order_with_lines(customer=customer)
    services.sales_order_confirm(order=order, user=in_a.manager)
    assert order.status == Status.CONFIRMED and order.credit_override_reason == ""


def test_a_manager_overrides_the_credit_limit_with_a_reason_and_it_is_audited(in_a):
    customer = CustomerFactory(credit_limit=Decimal("1000.00"))
    order = order_with_lines(customer=customer)
    services.sales_order_confirm(order=order, user=in_a.manager, override_reason="  Prepaid by wire  ")
    assert SalesOrder.objects.get(pk=order.pk).credit_override_reason == "Prepaid by wire"
    event = AuditEvent.objects.get(action="salesorder.confirm", object_id=str(order.pk))
    assert event.changes["credit_override"] == {
        "reason": "Prepaid by wire",
        "credit_limit": "1000.00",
        "exposure": "0.00",
        "order_total": "3000.00",
    }


def test_staff_cannot_override_the_credit_limit(in_a):
    order = order_with_lines(customer=CustomerFactory(credit_limit=Decimal("0")))
    with pytest.raises(CapabilityDenied):
        services.sales_order_confirm(order=order, user=in_a.staff, override_reason="please")
