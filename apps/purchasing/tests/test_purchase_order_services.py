"""Purchase-order services: numbering, validation, draft edits, every transition (allowed, refused, by role),
catch-weight receiving, audit."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django_tenants.utils import tenant_context

from apps.accounts.permissions import CapabilityDenied
from apps.audit.models import AuditEvent
from apps.partners.tests.factories import PlantFactory, SupplierFactory
from apps.products.tests.factories import ProductFactory
from apps.purchasing import services
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderLineFactory, order_with_lines
from apps.records.services import RecordInvalid
from backend.clock import tenant_today
from backend.exceptions import ApplicationError

Status = PurchaseOrder.Status


@pytest.fixture
def in_a(tenant_a):
    with tenant_context(tenant_a.tenant):
        yield tenant_a


def _header(**overrides):
    supplier = SupplierFactory(payment_terms=14)
    data = {"supplier": supplier, "plant": PlantFactory(supplier=supplier), "pickup_date": datetime.date(2026, 12, 1)}
    return {**data, **overrides}


def _line(**overrides):
    return {
        "product": ProductFactory(),
        "cases": 20,
        "weight": Decimal("1200.00"),
        "unit_cost": Decimal("4.10"),
        **overrides,
    }


def test_create_takes_the_next_number_defaults_terms_and_is_audited(in_a):
    order = services.purchase_order_create(user=in_a.staff, data=_header(), lines=[_line(), _line()])
    year = tenant_today().year
    assert order.number == f"PO-{year}-00001"
    assert order.status == Status.DRAFT and order.terms == 14
    assert order.lines.count() == 2
    assert order.total == Decimal("9840.00")
    second = services.purchase_order_create(user=in_a.staff, data=_header(), lines=[])
    assert second.number == f"PO-{year}-00002"
    event = AuditEvent.objects.get(action="purchaseorder.create", object_id=str(order.pk))
    assert event.actor_id == in_a.staff.pk and event.changes["number"] == [None, order.number]


def test_a_failed_creation_does_not_use_up_a_number(in_a):
    first = services.purchase_order_create(user=in_a.staff, data=_header(), lines=[])
    with pytest.raises(RecordInvalid):
        services.purchase_order_create(user=in_a.staff, data=_header(pickup_date=None), lines=[])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.purchase_order_create(user=in_a.staff, data=_header(), lines=[])
        raise RuntimeError("the caller's transaction fails later")
    third = services.purchase_order_create(user=in_a.staff, data=_header(), lines=[])
    assert int(third.number[-5:]) == int(first.number[-5:]) + 1


def test_plant_must_belong_to_the_supplier(in_a):
    with pytest.raises(RecordInvalid) as refused:
        services.purchase_order_create(user=in_a.staff, data=_header(plant=PlantFactory()), lines=[])
    assert "plant" in refused.value.as_dict()
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"cases": 0}, "lines.0.cases"),
        ({"weight": Decimal("0")}, "lines.0.weight"),
        ({"unit_cost": Decimal("-1")}, "lines.0.unit_cost"),
    ],
)
def test_bad_lines_are_refused_with_the_field_named(in_a, line, field):
    with pytest.raises(RecordInvalid) as refused:
        services.purchase_order_create(user=in_a.staff, data=_header(), lines=[_line(**line)])
    assert field in refused.value.as_dict()


def test_archived_partners_and_products_cannot_be_ordered(in_a):
    data = _header()
    data["supplier"].is_archived = True
    data["supplier"].save()
    with pytest.raises(RecordInvalid) as refused:
        services.purchase_order_create(
            user=in_a.staff, data=data, lines=[_line(product=ProductFactory(is_archived=True))]
        )
    assert {"supplier", "lines.0.product"} <= set(refused.value.as_dict())


def test_viewer_cannot_create_or_edit_drafts(in_a):
    with pytest.raises(CapabilityDenied):
        services.purchase_order_create(user=in_a.viewer, data=_header(), lines=[])
    order = order_with_lines()
    with pytest.raises(CapabilityDenied):
        services.purchase_order_update(user=in_a.viewer, record=order, data={"notes": "x"})


def test_staff_edits_a_draft_and_replaces_its_lines(in_a):
    order = order_with_lines(3)
    product = ProductFactory()
    services.purchase_order_update(
        user=in_a.staff, record=order, data={"notes": "Call ahead"}, lines=[_line(product=product, cases=5)]
    )
    order.refresh_from_db()
    assert order.notes == "Call ahead"
    assert [(line.product_id, line.cases) for line in order.lines.all()] == [(product.pk, 5)]
    event = AuditEvent.objects.get(action="purchaseorder.update", object_id=str(order.pk))
    assert event.changes["notes"] == ["", "Call ahead"] and len(event.changes["lines"][0]) == 3


def test_only_drafts_can_be_edited(in_a):
    order = order_with_lines(status=Status.CONFIRMED)
    with pytest.raises(ApplicationError, match="Only draft"):
        services.purchase_order_update(user=in_a.staff, record=order, data={"notes": "late"})


def test_the_whole_happy_path_is_audited_step_by_step(in_a):
    order = order_with_lines()
    for step in (services.purchase_order_confirm, services.purchase_order_receive, services.purchase_order_close):
        step(order=order, user=in_a.manager)
    assert PurchaseOrder.objects.get(pk=order.pk).status == Status.CLOSED
    actions = list(
        AuditEvent.objects.filter(object_id=str(order.pk)).order_by("pk").values_list("action", "changes__status")
    )
    assert actions == [
        ("purchaseorder.confirm", ["draft", "confirmed"]),
        ("purchaseorder.receive", ["confirmed", "received"]),
        ("purchaseorder.close", ["received", "closed"]),
    ]


ALLOWED = {
    "confirm": {Status.DRAFT: Status.CONFIRMED},
    "cancel": {Status.DRAFT: Status.CANCELLED, Status.CONFIRMED: Status.CANCELLED},
    "receive": {Status.CONFIRMED: Status.RECEIVED},
    "close": {Status.RECEIVED: Status.CLOSED},
}


@pytest.mark.parametrize("verb", sorted(ALLOWED))
@pytest.mark.parametrize("status", list(Status))
def test_every_transition_from_every_status(in_a, verb, status):
    order = order_with_lines(status=status)
    service = getattr(services, f"purchase_order_{verb}")
    target = ALLOWED[verb].get(status)
    if target:
        service(order=order, user=in_a.manager)
        assert PurchaseOrder.objects.get(pk=order.pk).status == target == order.status
        assert AuditEvent.objects.filter(action=f"purchaseorder.{verb}", object_id=str(order.pk)).exists()
    else:
        with pytest.raises(ApplicationError) as refused:
            service(order=order, user=in_a.manager)
        assert refused.value.code == "invalid_transition"
        assert PurchaseOrder.objects.get(pk=order.pk).status == status
        assert not AuditEvent.objects.filter(action=f"purchaseorder.{verb}", object_id=str(order.pk)).exists()


@pytest.mark.parametrize("role", ["viewer", "staff"])
@pytest.mark.parametrize("verb", sorted(ALLOWED))
def test_roles_below_manager_cannot_transition(in_a, role, verb):
    status = next(iter(ALLOWED[verb]))
    order = order_with_lines(status=status)
    with pytest.raises(CapabilityDenied):
        getattr(services, f"purchase_order_{verb}")(order=order, user=in_a.user(role))
    assert PurchaseOrder.objects.get(pk=order.pk).status == status


@pytest.mark.parametrize("role", ["manager", "admin", "owner"])
def test_managers_and_up_may_confirm(in_a, role):
    order = order_with_lines()
    services.purchase_order_confirm(order=order, user=in_a.user(role))
    assert order.status == Status.CONFIRMED


def test_an_order_without_lines_cannot_be_confirmed(in_a):
    order = order_with_lines(0)
    with pytest.raises(ApplicationError, match="at least one line"):
        services.purchase_order_confirm(order=order, user=in_a.manager)


def test_receiving_records_catch_weights_and_amounts_follow_them(in_a):
    order = order_with_lines(0, status=Status.CONFIRMED)
    heavy = PurchaseOrderLineFactory(order=order, weight=Decimal("1000.00"), unit_cost=Decimal("2.5000"))
    exact = PurchaseOrderLineFactory(order=order, weight=Decimal("500.00"), unit_cost=Decimal("2.0000"))
    services.purchase_order_receive(order=order, user=in_a.manager, received_weights={heavy.pk: "1012.35"})
    heavy.refresh_from_db()
    exact.refresh_from_db()
    assert heavy.received_weight == Decimal("1012.35") and heavy.amount == Decimal("2530.88")
    assert exact.received_weight == Decimal("500.00") and exact.amount == Decimal("1000.00")
    event = AuditEvent.objects.get(action="purchaseorder.receive", object_id=str(order.pk))
    assert event.changes["received_weights"] == {str(heavy.pk): ["1000.00", "1012.35"]}


@pytest.mark.parametrize("weights", [{999999: "10"}, {"x": "10"}, None])
def test_receiving_refuses_unknown_lines_and_bad_weights(in_a, weights):
    order = order_with_lines(1, status=Status.CONFIRMED)
    line = order.lines.get()
    weights = weights or {line.pk: "-5"}
    with pytest.raises(RecordInvalid):
        services.purchase_order_receive(order=order, user=in_a.manager, received_weights=weights)
    line.refresh_from_db()
    assert line.received_weight is None
    assert PurchaseOrder.objects.get(pk=order.pk).status == Status.CONFIRMED
