"""Applying an unapplied customer credit to an open invoice by hand: the invoice's balance falls, the page
shows where the credit went, bad input is a 400 without writes, and only managers of the tenant may."""

import datetime
import zoneinfo
from decimal import Decimal

import time_machine
from django_tenants.utils import tenant_context

from apps.accounting import services as accounting
from apps.accounting.models import CreditApplication, Invoice
from apps.accounting.tests.factories import issued_invoice
from apps.audit.models import AuditEvent
from apps.partners.tests.factories import CustomerFactory

NOW = datetime.datetime(2026, 11, 20, 10, tzinfo=zoneinfo.ZoneInfo("America/Chicago"))


def _customer_with_credit(world, amount="500"):
    with tenant_context(world.tenant):
        customer = CustomerFactory(credit_limit=Decimal("1e6"))
        invoice = issued_invoice(world.manager, customer=customer)  # 3,000.00
        other = issued_invoice(world.manager)  # another customer's
        credit = accounting.customer_credit_create(
            user=world.manager, customer=customer, amount=Decimal(amount), reason="Claim settled"
        )
        return customer, invoice, other, credit


@time_machine.travel(NOW, tick=False)
def test_a_manager_applies_a_credit_and_sees_where_it_went(tenant_a, client_for):
    customer, invoice, _other, credit = _customer_with_credit(tenant_a)
    client = client_for(tenant_a, tenant_a.manager)
    url = f"/customers/{customer.pk}/credits/apply/"
    account = client.get(f"/customers/{customer.pk}/account/").content.decode()
    assert f"{url}?credit={credit.pk}" in account
    page = client.get(f"{url}?credit={credit.pk}").content.decode()
    assert invoice.number in page and "$500.00 left" in page
    response = client.post(url, {"credit": credit.pk, "invoice": invoice.pk, "amount": "200"})
    assert response.status_code == 302 and response.url.endswith("/account/#credits-heading")
    with tenant_context(tenant_a.tenant):
        invoice.refresh_from_db()
        assert invoice.balance == Decimal("2800.00") and invoice.status == Invoice.Status.PARTIALLY_PAID
        assert AuditEvent.objects.filter(action="customercredit.apply", object_id=str(credit.pk)).exists()
    # Empty amount: as much as both allow (the 300 left).
    assert client.post(url, {"credit": credit.pk, "invoice": invoice.pk}).status_code == 302
    with tenant_context(tenant_a.tenant):
        assert [a.amount for a in CreditApplication.objects.filter(credit=credit)] == [Decimal("200.00"),
                                                                                       Decimal("300.00")]  # fmt: skip
    page = client.get(url).content.decode()
    assert "no credit left to apply" in page and f"{invoice.number}</a> $200.00" in page


@time_machine.travel(NOW, tick=False)
def test_bad_input_is_a_400_and_writes_nothing(tenant_a, client_for):
    customer, invoice, other, credit = _customer_with_credit(tenant_a)
    client = client_for(tenant_a, tenant_a.manager)
    url = f"/customers/{customer.pk}/credits/apply/"
    for data in (
        {"credit": credit.pk, "invoice": other.pk},  # another customer's invoice is not a choice
        {"credit": credit.pk, "invoice": invoice.pk, "amount": "501"},  # more than is left
        {"credit": credit.pk, "invoice": invoice.pk, "amount": "-5"},
        {"credit": credit.pk, "invoice": invoice.pk, "amount": "abc"},
        {"credit": "", "invoice": invoice.pk},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
    assert (
        "Only 500.00 of this credit is left"
        in client.post(url, {"credit": credit.pk, "invoice": invoice.pk, "amount": "501"}).content.decode()
    )
    with tenant_context(tenant_a.tenant):
        assert not CreditApplication.objects.exists()


def test_only_managers_of_the_tenant_may_apply_credits(tenant_a, tenant_b, client_for, outsider):
    customer, invoice, _other, credit = _customer_with_credit(tenant_b)
    url = f"/customers/{customer.pk}/credits/apply/"
    data = {"credit": credit.pk, "invoice": invoice.pk}
    assert client_for(tenant_a, tenant_a.owner).get(url).status_code == 404
    assert client_for(tenant_a, tenant_a.owner).post(url, data).status_code == 404
    assert client_for(tenant_b, tenant_b.staff).post(url, data).status_code == 403
    assert client_for(tenant_b, tenant_b.viewer).get(url).status_code == 403
    assert client_for(tenant_b, outsider).post(url, data).status_code in (302, 403)
    with tenant_context(tenant_b.tenant):
        assert not CreditApplication.objects.exists()
