"""Custom domains are re-checked daily: a domain whose TXT record is gone stops being served and gets
no links; its tenant's owners are told (issue 15)."""

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.tenants.domain_checks import custom_domains_reverify
from apps.tenants.models import Domain
from apps.tenants.tasks import reverify_custom_domains_daily
from backend.dns import DnsLookupFailed, StaticResolver

CUSTOM = "shop.alpha-meats.test"


@pytest.fixture
def custom(tenant_a) -> Domain:
    Domain.objects.filter(tenant=tenant_a.tenant, is_primary=True).update(is_primary=False)
    return Domain.objects.create(
        domain=CUSTOM, tenant=tenant_a.tenant, is_primary=True, is_verified=True, verification_token="tok-123"
    )


def _resolver(*values) -> StaticResolver:
    return StaticResolver({f"_projectmeats-verify.{CUSTOM}": list(values)})


def test_a_domain_still_publishing_its_token_stays_verified(custom, client_for):
    mail.outbox.clear()
    result = custom_domains_reverify(resolver=_resolver("tok-123"))
    assert result == {"checked": 1, "lapsed": [], "failed": []}
    assert Domain.objects.get(pk=custom.pk).is_verified
    assert mail.outbox == []


def test_a_lapsed_domain_is_unverified_loses_primary_and_the_owners_are_told(custom, tenant_a, client_for):
    """Before: a custom domain was checked once and served (and got every link) forever."""
    assert client_for(CUSTOM).get("/login/").status_code == 200
    mail.outbox.clear()
    result = custom_domains_reverify(resolver=_resolver("someone-else"))
    assert result["lapsed"] == [CUSTOM]
    lapsed = Domain.objects.get(pk=custom.pk)
    assert (lapsed.is_verified, lapsed.is_primary) == (False, False)
    assert Domain.objects.get(domain="alpha.localhost").is_primary
    assert client_for(CUSTOM).get("/login/").status_code == 404  # routing forgot it at once
    (notice,) = mail.outbox
    assert notice.to == [tenant_a.owner.email]
    assert CUSTOM in notice.subject and "http://alpha.localhost/settings/domains/" in notice.body
    with schema_context("alpha"):
        (event,) = AuditEvent.objects.filter(action="domain.unverify")
    assert event.changes == {"is_verified": [True, False], "reason": "txt_record_missing"}


def test_a_failed_lookup_changes_nothing(custom, settings):
    class Broken:
        def txt_records(self, name):
            raise DnsLookupFailed("timeout")

    result = custom_domains_reverify(resolver=Broken())
    assert result == {"checked": 1, "lapsed": [], "failed": [CUSTOM]}
    assert Domain.objects.get(pk=custom.pk).is_verified


def test_platform_subdomains_are_never_looked_up(tenant_a):
    resolver = _resolver()
    assert custom_domains_reverify(resolver=resolver)["checked"] == 0
    assert resolver.queries == []


def test_the_daily_job_uses_the_configured_resolver(custom, settings):
    settings.DNS_RESOLVER = _resolver()
    assert reverify_custom_domains_daily(timestamp=0)["lapsed"] == [CUSTOM]
