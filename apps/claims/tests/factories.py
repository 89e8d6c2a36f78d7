"""factory_boy factories for claims; rows go into whatever tenant schema is active."""

from decimal import Decimal

import factory

from apps.claims.models import Claim
from apps.sales.tests.factories import SalesOrderLineFactory


class ClaimFactory(factory.django.DjangoModelFactory):
    """An open claim against a sales order line."""

    class Meta:
        model = Claim

    sales_line = factory.SubFactory(SalesOrderLineFactory)
    reason = Claim.Reason.SHORTAGE
    amount = Decimal("25.00")
