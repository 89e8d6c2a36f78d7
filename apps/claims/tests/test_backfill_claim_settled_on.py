"""backfill_claim_settled_on: claims settled before the column existed get their credit's date, per tenant."""

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from apps.accounting.tests.factories import issued_invoice
from apps.claims import services
from apps.claims.models import Claim

from .test_claims import _claim


def _settled_without_date(world) -> Claim:
    """A claim settled as the release before `settled_on` settled it: credit made, no date on the claim."""
    with tenant_context(world.tenant):
        invoice = issued_invoice(world.manager)
        claim = _claim(world.staff, line=invoice.sales_order.lines.get())
        services.claim_approve(claim=claim, user=world.manager)
        services.claim_settle(claim=claim, user=world.manager)
        Claim.objects.filter(pk=claim.pk).update(settled_on=None)
        return Claim.objects.get(pk=claim.pk)


def test_backfill_fills_in_each_tenant_once_and_only_that_tenant_with_schema(tenant_a, tenant_b, capsys):
    in_a, in_b = _settled_without_date(tenant_a), _settled_without_date(tenant_b)

    call_command("backfill_claim_settled_on", schema="alpha", batch_size=1)
    assert "alpha: 1 claim(s) backfilled" in capsys.readouterr().out
    with tenant_context(tenant_a.tenant):
        assert Claim.objects.get(pk=in_a.pk).settled_on == in_a.credit.issued_on
    with tenant_context(tenant_b.tenant):
        assert Claim.objects.get(pk=in_b.pk).settled_on is None  # beta was not asked

    call_command("backfill_claim_settled_on")
    out = capsys.readouterr().out
    assert "alpha: 0 claim(s) backfilled" in out and "beta: 1 claim(s) backfilled" in out
    with tenant_context(tenant_b.tenant):
        assert Claim.objects.get(pk=in_b.pk).settled_on == in_b.credit.issued_on


def test_unknown_schema_and_bad_batch_size_are_one_line_errors(db, world):
    with pytest.raises(CommandError, match="^No tenant with schema 'nope'.$"):
        call_command("backfill_claim_settled_on", schema="nope")
    with pytest.raises(CommandError, match="^--batch-size must be 1 or more.$"):
        call_command("backfill_claim_settled_on", batch_size=0)
