"""Security links in e-mails (reset, invitation) always use the tenant's platform host
`<label>.<BASE_DOMAIN>`, never a customer domain whose DNS may lapse, with the configured scheme and port."""

from django.test import override_settings

from apps.accounts.links import tenant_url
from apps.tenants.models import Domain

from .conftest import link_in_last_mail


def test_link_uses_the_primary_domain_not_other_domains(tenant_a):
    Domain.objects.create(domain="aaa-alias.localhost", tenant=tenant_a.tenant, is_primary=False)
    assert tenant_url(tenant=tenant_a.tenant, path="/x/") == "http://alpha.localhost/x/"


@override_settings(LINK_SCHEME="https", LINK_PORT="8443")
def test_scheme_and_port_come_from_settings(tenant_a, invite, client_for):
    _, token = invite(tenant_a, "new@example.test")
    assert link_in_last_mail() == f"https://alpha.localhost:8443/invitations/{token}/"
    client_for(tenant_a).post("/password-reset/", {"email": tenant_a.staff.email})
    assert link_in_last_mail().startswith("https://alpha.localhost:8443/password-reset/confirm/")


def _custom_primary(tenant, *, verified: bool) -> None:
    Domain.objects.filter(tenant=tenant, is_primary=True).update(is_primary=False)
    Domain.objects.create(domain="shop.alpha-meats.test", tenant=tenant, is_primary=True, is_verified=verified)


def test_reset_and_invitation_links_stay_on_the_platform_host_with_a_custom_primary(tenant_a, invite, client_for):
    """Before: links followed the primary domain, a customer's, checked once and never again."""
    _custom_primary(tenant_a.tenant, verified=True)
    _, token = invite(tenant_a, "new@example.test")
    assert link_in_last_mail() == f"http://alpha.localhost/invitations/{token}/"
    client_for(tenant_a).post("/password-reset/", {"email": tenant_a.staff.email})
    assert link_in_last_mail().startswith("http://alpha.localhost/password-reset/confirm/")


def test_an_unverified_domain_never_receives_links(tenant_a):
    _custom_primary(tenant_a.tenant, verified=False)
    Domain.objects.filter(domain="alpha.localhost").update(is_verified=False)
    Domain.objects.create(domain="alpha-two.localhost", tenant=tenant_a.tenant, is_primary=False, is_verified=True)
    assert tenant_url(tenant=tenant_a.tenant, path="/x/") == "http://alpha-two.localhost/x/"
