"""Links in e-mails come from the tenant's primary domain, with the configured scheme and port."""

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
