"""Money and numbers in the tenant's locale, status badges, and brand colours that stay readable."""

import copy
import datetime
from decimal import Decimal

import pytest
import time_machine
from django.template import Context, Template
from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice
from backend.colors import AA_CONTRAST, CANVAS, WHITE, branding_warnings, contrast, readable_link, text_on
from backend.formatting import money, number


def test_money_has_symbol_and_thousands_separators_in_the_locale():
    assert money(Decimal("34286.11"), "USD") == "$34,286.11"
    assert money(Decimal("1234.5"), "EUR", "de_DE") == "1.234,50\xa0€"
    assert money(None, "USD") == ""
    assert money(Decimal("2.1234"), "USD") == "$2.1234" and money(Decimal("2.4500"), "USD") == "$2.45"


def test_numbers_keep_their_decimals_and_group_thousands():
    assert number(Decimal("13328")) == "13,328"
    assert number(Decimal("650.00")) == "650.00"
    assert number(Decimal("1234567.5"), "de_DE") == "1.234.567,5"
    assert number(Decimal("2.5"), places=2) == "2.50"


def test_money_filter_uses_the_tenants_currency_and_locale(tenant_a):
    tenant = copy.copy(tenant_a.tenant)  # the session world's object stays as it is
    tenant.currency, tenant.locale = "EUR", "de_DE"
    with tenant_context(tenant):
        rendered = Template("{% load ui %}{{ amount|money }} {{ amount|number }}").render(
            Context({"amount": Decimal("34286.11")})
        )
    assert rendered == "34.286,11\xa0€ 34.286,11"


@pytest.mark.parametrize("colour", ["#10b981", "#fde047", "#ffffff", "#3b82f6", "#000000", "#b91c1c", "#777777"])
def test_text_on_any_brand_colour_reaches_aa(colour):
    assert contrast(colour, text_on(colour)) >= AA_CONTRAST
    assert contrast(readable_link(colour), CANVAS) >= AA_CONTRAST


def test_default_green_gets_dark_text_and_light_secondary_is_darkened():
    assert contrast("#10b981", WHITE) < AA_CONTRAST  # the old header: white on green, 2.5:1
    assert text_on("#10b981") != WHITE
    warnings = branding_warnings(primary="#10b981", secondary="#fde047")
    assert any("dark text" in warning for warning in warnings)
    assert any("too light for links" in warning for warning in warnings)
    assert branding_warnings(primary="#1e3a8a", secondary="#1d4ed8") == []


def test_base_page_sets_brand_variables_with_readable_text(tenant_a, client_for):
    text = client_for(tenant_a, tenant_a.viewer).get("/").text
    primary = tenant_a.tenant.primary_color
    assert f"--brand: {primary}; --brand-text: {text_on(primary)};" in text


@time_machine.travel(datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC), tick=False)
def test_invoices_past_due_read_overdue_in_red(tenant_a, client_for):
    with tenant_context(tenant_a.tenant):
        late = issued_invoice(tenant_a.manager, issued_on=datetime.date(2026, 8, 1))
        current = issued_invoice(tenant_a.manager, issued_on=datetime.date(2026, 11, 19))
    client = client_for(tenant_a, tenant_a.viewer)
    late_page = client.get(f"/invoices/{late.pk}/").text
    assert '<span class="badge badge-bad" data-status="issued">Overdue · Issued</span>' in late_page
    current_page = client.get(f"/invoices/{current.pk}/").text
    assert '<span class="badge badge-info" data-status="issued">Issued</span>' in current_page
    listing = client.get("/invoices/").text
    assert "Overdue · Issued" in listing and "$3,000.00" in listing
