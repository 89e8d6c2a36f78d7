"""Demo trading history for the seed_demo tenants: purchases, sales sourced from them, invoices of several
ages, a payment, a supplier payment and a settled claim — so the dashboard and reports have something to
show. Written through the services as the owner. Idempotent: skipped once the demo purchases exist.

The last customer and the last two products of each book are left untouched for the browser journey.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django_tenants.utils import tenant_context

from apps.accounting import services as accounting
from apps.accounting.models import Payment
from apps.accounts.models import User
from apps.claims import services as claims
from apps.claims.models import Claim
from apps.partners.models import Customer, Location, Plant
from apps.products.models import Product
from apps.purchasing import services as purchasing
from apps.purchasing.models import PurchaseOrder
from apps.sales import services as sales
from backend.clock import tenant_today
from backend.exceptions import ApplicationError
from backend.money import to_cents

DEMO_NOTE = "Demo purchase"
# (days ago the goods were picked up, product index, cases, weight, cost, price, invoice issued days ago or None)
TRADES = [
    (160, 0, 20, "1210.50", "7.8500", "8.6500", 150),
    (75, 1, 24, "1680.00", "4.1200", "4.6900", 65),
    (40, 2, 18, "990.00", "11.2500", "12.4000", 35),
    (12, 3, 2, "3950.00", "2.0500", "2.2900", 5),
    (3, 0, 10, "604.00", "7.9900", "8.7900", None),
]


def seed_demo_orders(*, tenant, owner_email: str) -> None:
    owner = User.objects.get(email=owner_email)
    with tenant_context(tenant):
        if PurchaseOrder.objects.filter(notes__startswith=DEMO_NOTE).exists():
            return
        plants = list(Plant.objects.select_related("supplier").order_by("code"))
        products = list(Product.objects.filter(is_edible=True).order_by("code"))[:-2]
        customers = list(Customer.objects.order_by("code"))[:-1]
        if not plants or not products or not customers:
            return
        today = tenant_today()
        for index, (days_ago, product_index, cases, weight, cost, price, issued_ago) in enumerate(TRADES):
            _trade(
                owner,
                today=today,
                plant=plants[index % len(plants)],
                product=products[product_index % len(products)],
                customer=customers[index % len(customers)],
                picked_up=today - datetime.timedelta(days=days_ago),
                cases=cases,
                weight=Decimal(weight),
                cost=Decimal(cost),
                price=Decimal(price),
                issued_on=today - datetime.timedelta(days=issued_ago) if issued_ago is not None else None,
                number=index,
            )


def _trade(owner, *, today, plant, product, customer, picked_up, cases, weight, cost, price, issued_on, number):
    purchase = purchasing.purchase_order_create(
        user=owner,
        data={"supplier": plant.supplier, "plant": plant, "pickup_date": picked_up, "notes": f"{DEMO_NOTE} {number}"},
        lines=[{"product": product, "cases": cases, "weight": weight, "unit_cost": cost}],
    )
    purchasing.purchase_order_confirm(order=purchase, user=owner)
    ship_to = Location.objects.filter(customer=customer, kind=Location.Kind.SHIP_TO).first()
    if ship_to is None:
        return
    line = purchase.lines.get()
    order = sales.sales_order_create(
        user=owner,
        data={"customer": customer, "ship_to": ship_to, "delivery_date": picked_up + datetime.timedelta(days=2)},
        lines=[{"product": product, "source": line, "cases": cases, "weight": weight, "unit_price": price}],
    )
    try:
        sales.sales_order_confirm(order=order, user=owner)
    except ApplicationError:
        sales.sales_order_confirm(order=order, user=owner, override_reason="Demo: long-standing customer")
    if issued_on is None:
        return
    purchasing.purchase_order_receive(order=purchase, user=owner)
    sales.sales_order_ship(order=order, user=owner)
    sales.sales_order_deliver(order=order, user=owner)
    invoice = accounting.invoice_issue(
        invoice=accounting.invoice_create(user=owner, sales_order=order), user=owner, issued_on=issued_on
    )
    if number == 1:
        # A shortage at receiving: the supplier credits the purchase order, lowering what is payable on it.
        claim = claims.claim_create(
            user=owner,
            data={
                "purchase_line": line,
                "reason": Claim.Reason.SHORTAGE,
                "amount": Decimal("80.00"),
                "description": "One case short on the pallet.",
            },
        )
        claims.claim_approve(claim=claim, user=owner)
        claims.claim_settle(claim=claim, user=owner)
    if number == 0:
        # The oldest trade: the customer paid half, the supplier was paid in full, and a claim was settled.
        half = to_cents(invoice.total / 2)
        accounting.payment_record(
            user=owner,
            data={"kind": Payment.Kind.RECEIPT, "customer": customer, "received_on": today, "amount": half},
            allocations=[{"invoice": invoice, "amount": half}],
        )
        purchase.refresh_from_db()
        accounting.payment_record(
            user=owner,
            data={
                "kind": Payment.Kind.SUPPLIER,
                "supplier": plant.supplier,
                "received_on": today,
                "amount": purchase.total,
            },
            allocations=[{"purchase_order": purchase, "amount": purchase.total}],
        )
        claim = claims.claim_create(
            user=owner,
            data={
                "sales_line": order.lines.get(),
                "reason": Claim.Reason.TEMPERATURE,
                "amount": Decimal("150.00"),
                "description": "Two cases arrived above 40°F.",
            },
        )
        claims.claim_approve(claim=claim, user=owner)
        claims.claim_settle(claim=claim, user=owner)
