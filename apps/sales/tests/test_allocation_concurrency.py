"""Two sales orders sourced from one purchase line at the same moment never sell more than was bought.

The allocation check reads what is already sold from the line; without the row lock on the purchase line,
two writers both read "nothing sold yet" and both commit. The writers must really commit on their own
connections, which the rolled-back test transaction cannot give them (and `transactional_db` is off
limits), so everything runs in threads on separate connections against a scratch schema cloned from the
tenant template (the whole tenant schema: numbering, audit, partners, purchasing, sales), created and
dropped around the test; the test's own transaction never touches it.

The first writer holds its transaction open for a moment after creating its order, so the second one
always checks the line while the first sale is written but not yet committed: with the lock it waits and
then sees that sale, without the lock it does not (the test fails if the lock is removed).
"""

import copy
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from apps.audit.tests.test_concurrent_appends import _on_own_connection, _sql
from apps.partners.tests.factories import LocationFactory
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.tests.factories import PurchaseOrderLineFactory
from apps.records.services import RecordInvalid
from apps.sales.models import SalesOrderLine
from apps.sales.services import sales_order_create
from backend.provisioning import clone_template_into

SCRATCH = "sales_allocation_race_scratch"
HOLD_SECONDS = 0.5


@pytest.fixture
def scratch_tenant(tenant_a):
    """A copy of tenant A's Client pointing at a committed scratch tenant schema (same id, so A's members
    keep their roles there)."""

    def create() -> None:
        with transaction.atomic():
            clone_template_into(SCRATCH)

    _on_own_connection(create)
    tenant = copy.copy(tenant_a.tenant)
    tenant.schema_name = SCRATCH
    try:
        yield tenant
    finally:
        _on_own_connection(lambda: _sql(f"DROP SCHEMA {SCRATCH} CASCADE"))


def test_two_orders_racing_for_one_purchase_line_never_oversell_it(tenant_a, scratch_tenant):
    def seed() -> dict:
        connection.set_tenant(scratch_tenant)
        source = PurchaseOrderLineFactory(
            order__status=PurchaseOrder.Status.CONFIRMED, cases=20, weight=Decimal("1200.00")
        )
        ship_to = LocationFactory()
        return {"source": source, "ship_to": ship_to}

    seeded = _on_own_connection(seed)
    source, ship_to = seeded["source"], seeded["ship_to"]
    barrier = threading.Barrier(2)
    created: list[str] = []
    refused: list[dict] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def seller(number: int) -> None:
        try:
            connection.set_tenant(scratch_tenant)
            barrier.wait(timeout=30)
            if number:
                time.sleep(HOLD_SECONDS / 5)  # the other seller goes first; this one checks while it holds
            try:
                with transaction.atomic():
                    order = sales_order_create(
                        user=tenant_a.staff,
                        data={
                            "customer": ship_to.customer,
                            "ship_to": ship_to,
                            "delivery_date": source.order.pickup_date,
                        },
                        lines=[
                            {
                                "product": source.product,
                                "source": source,
                                "cases": 15,
                                "weight": Decimal("900.00"),
                                "unit_price": Decimal("5.0000"),
                            }
                        ],
                    )
                    time.sleep(HOLD_SECONDS)  # written, not yet committed
            except RecordInvalid as exc:
                with lock:
                    refused.append(exc.as_dict())
            else:
                with lock:
                    created.append(order.number)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=seller, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    def sold() -> tuple[int, Decimal]:
        connection.set_tenant(scratch_tenant)
        lines = SalesOrderLine.objects.filter(source_id=source.pk)
        return sum(line.cases for line in lines), sum((line.weight for line in lines), Decimal("0"))

    cases, weight = _on_own_connection(sold)
    assert cases <= 20 and weight <= Decimal("1200.00"), f"oversold: {cases} cases, {weight} lb of 20 / 1200"
    assert len(created) == 1 and (cases, weight) == (15, Decimal("900.00"))
    (refusal,) = refused
    assert "lines.0.cases" in refusal or "lines.0.weight" in refusal or "lines.0.source" in refusal, refusal
