"""factory_boy factories for tenants (public schema)."""

import factory

from apps.tenants.models import Domain


class DomainFactory(factory.django.DjangoModelFactory):
    """An unverified custom domain awaiting its DNS check; pass `tenant=` (a Client)."""

    class Meta:
        model = Domain

    domain = factory.Sequence(lambda n: f"shop{n}.example.test")
    is_primary = False
    verification_token = factory.Sequence(lambda n: f"verify-{n:08d}")
