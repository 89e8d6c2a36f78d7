"""Custom domains: admins add them, they are served only once a DNS TXT record proves ownership."""

import pytest
from django.test import RequestFactory
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.tenants.domains import domain_add, domain_verify
from apps.tenants.models import Domain
from apps.tenants.selectors import tenant_url
from apps.tenants.services import tenant_create
from backend.dns import DnsLookupFailed, StaticResolver
from backend.exceptions import ApplicationError
from backend.tenancy import TenantMiddleware

CUSTOM = "shop.alpha-meats.test"


def _events(schema: str, action: str) -> list[AuditEvent]:
    with schema_context(schema):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def admin_page(tenant_a, client_for):
    return client_for(tenant_a, tenant_a.admin)


@pytest.fixture
def custom(tenant_a) -> Domain:
    return domain_add(tenant=tenant_a.tenant, domain=CUSTOM, actor=tenant_a.admin)


def _publish(settings, domain: Domain, value: str | None = None) -> StaticResolver:
    resolver = StaticResolver(
        {f"_projectmeats-verify.{domain.domain}": ["unrelated", value or domain.verification_token]}
    )
    settings.DNS_RESOLVER = resolver
    return resolver


def test_admin_adds_a_domain_and_sees_the_txt_record_to_create(admin_page, tenant_a):
    response = admin_page.post("/settings/domains/", {"domain": "Shop.Alpha-Meats.TEST"})
    assert response.status_code == 302
    domain = Domain.objects.get(domain=CUSTOM)
    assert (domain.tenant_id, domain.is_verified, domain.is_primary) == (tenant_a.tenant.pk, False, False)
    assert len(domain.verification_token) >= 24
    page = admin_page.get("/settings/domains/")
    assert f"_projectmeats-verify.{CUSTOM}" in page.text
    assert domain.verification_token in page.text
    [event] = _events("alpha", "domain.add")
    assert (event.actor_id, event.changes) == (tenant_a.admin.pk, {"domain": [None, CUSTOM]})


def test_unverified_domain_is_not_served(custom, client_for):
    assert client_for(CUSTOM).get("/").status_code == 404


def test_verification_finds_the_token_and_the_domain_is_served_at_once(custom, admin_page, client_for, settings):
    assert client_for(CUSTOM).get("/").status_code == 404  # cached as unknown host
    resolver = _publish(settings, custom)
    response = admin_page.post(f"/settings/domains/{custom.pk}/verify/")
    assert response.status_code == 302
    assert resolver.queries == [f"_projectmeats-verify.{CUSTOM}"]
    custom.refresh_from_db()
    assert custom.is_verified and custom.verified_at
    assert client_for(CUSTOM).get("/login/").status_code == 200  # served: its sign-in page answers
    assert len(_events("alpha", "domain.verify")) == 1


def test_wrong_or_missing_txt_record_leaves_the_domain_unverified(custom, admin_page, client_for, settings):
    _publish(settings, custom, value="someone-elses-token")
    response = admin_page.post(f"/settings/domains/{custom.pk}/verify/")
    assert response.status_code == 400
    assert "No TXT record" in response.text
    custom.refresh_from_db()
    assert not custom.is_verified
    assert client_for(CUSTOM).get("/").status_code == 404
    assert _events("alpha", "domain.verify") == []


class _BrokenResolver:
    def txt_records(self, name: str) -> list[str]:
        raise DnsLookupFailed(f"DNS lookup for {name} failed: Timeout")


def test_dns_failure_is_a_clear_error_not_a_500(custom, admin_page, settings):
    settings.DNS_RESOLVER = _BrokenResolver()
    response = admin_page.post(f"/settings/domains/{custom.pk}/verify/")
    assert response.status_code == 400
    assert "try again in a few minutes" in response.text


def test_resolver_can_be_passed_to_the_service(custom, tenant_a):
    resolver = StaticResolver({f"_projectmeats-verify.{CUSTOM}": [custom.verification_token]})
    assert domain_verify(domain=custom, actor=tenant_a.owner, resolver=resolver).is_verified


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a domain!", "Invalid domain"),
        ("", "This field is required."),
        ("gamma.localhost", "assigned by ProjectMeats"),
        ("beta.localhost", "assigned by ProjectMeats"),
        ("localhost", "public host"),
        ("a" * 64 + ".test", "Invalid domain"),
    ],
)
def test_bad_domains_are_form_errors(admin_page, value, message):
    response = admin_page.post("/settings/domains/", {"domain": value})
    assert response.status_code == 400
    assert message in response.text
    assert not Domain.objects.filter(is_verified=False).exists()


def test_a_domain_taken_by_another_tenant_is_refused(tenant_b, admin_page):
    domain_add(tenant=tenant_b.tenant, domain="taken.example.test", actor=tenant_b.admin)
    response = admin_page.post("/settings/domains/", {"domain": "TAKEN.example.test"})
    assert response.status_code == 400
    assert "already in use" in response.text


@pytest.mark.parametrize("role", ["manager", "staff", "viewer"])
def test_roles_below_admin_are_refused(tenant_a, client_for, custom, role):
    page = client_for(tenant_a, tenant_a.user(role))
    assert page.get("/settings/domains/").status_code == 403
    assert page.post("/settings/domains/", {"domain": "other.example.test"}).status_code == 403
    assert page.post(f"/settings/domains/{custom.pk}/remove/").status_code == 403
    assert not Domain.objects.filter(domain="other.example.test").exists()
    assert Domain.objects.filter(pk=custom.pk).exists()
    with pytest.raises(ApplicationError):
        domain_add(tenant=tenant_a.tenant, domain="svc.example.test", actor=tenant_a.user(role))


def test_outsider_and_anonymous_are_refused(tenant_a, client_for, outsider):
    assert client_for(tenant_a, outsider).get("/settings/domains/").status_code == 403
    anonymous = client_for(tenant_a).get("/settings/domains/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


def test_other_tenants_domain_is_404(tenant_a, tenant_b, client_for, custom, settings):
    _publish(settings, custom)
    beta_admin = client_for(tenant_b, tenant_b.admin)
    for action in ["verify", "primary", "remove"]:
        assert beta_admin.post(f"/settings/domains/{custom.pk}/{action}/").status_code == 404
    assert beta_admin.get(f"/settings/domains/{custom.pk}/remove/").status_code == 404
    custom.refresh_from_db()
    assert not custom.is_verified
    assert CUSTOM not in beta_admin.get("/settings/domains/").text


def test_nonexistent_domain_is_404(admin_page):
    assert admin_page.post("/settings/domains/999999/verify/").status_code == 404


def test_verify_needs_post(admin_page, custom):
    assert admin_page.get(f"/settings/domains/{custom.pk}/verify/").status_code == 405


def test_only_verified_domains_can_become_primary_and_links_follow_it(tenant_a, admin_page, custom, settings):
    assert admin_page.post(f"/settings/domains/{custom.pk}/primary/").status_code == 400
    assert tenant_url(tenant=tenant_a.tenant, path="/login/") == "https://alpha.localhost/login/"
    _publish(settings, custom)
    admin_page.post(f"/settings/domains/{custom.pk}/verify/")
    assert admin_page.post(f"/settings/domains/{custom.pk}/primary/").status_code == 302
    assert list(Domain.objects.filter(tenant=tenant_a.tenant, is_primary=True).values_list("domain", flat=True)) == [
        CUSTOM
    ]
    assert tenant_url(tenant=tenant_a.tenant, path="/login/") == f"https://{CUSTOM}/login/"
    [event] = _events("alpha", "domain.set_primary")
    assert event.changes == {"primary": ["alpha.localhost", CUSTOM]}


def test_the_last_verified_domain_cannot_be_removed(tenant_a, admin_page, custom):
    own = Domain.objects.get(domain="alpha.localhost")
    assert "Remove alpha.localhost?" in admin_page.get(f"/settings/domains/{own.pk}/remove/").text
    response = admin_page.post(f"/settings/domains/{own.pk}/remove/")
    assert response.status_code == 400
    assert "last verified domain" in response.text
    assert Domain.objects.filter(pk=own.pk).exists()


def test_removing_the_primary_hands_over_to_another_verified_domain(tenant_a, admin_page, client_for, custom, settings):
    _publish(settings, custom)
    admin_page.post(f"/settings/domains/{custom.pk}/verify/")
    own = Domain.objects.get(domain="alpha.localhost")
    assert admin_page.post(f"/settings/domains/{custom.pk}/primary/").status_code == 302
    assert client_for(CUSTOM).get("/login/").status_code == 200  # served: its sign-in page answers
    assert admin_page.post(f"/settings/domains/{custom.pk}/remove/").status_code == 302
    assert not Domain.objects.filter(domain=CUSTOM).exists()
    own.refresh_from_db()
    assert own.is_primary
    assert client_for(CUSTOM).get("/").status_code == 404
    [event] = _events("alpha", "domain.remove")
    assert event.changes == {"domain": [CUSTOM, None], "primary": [CUSTOM, "alpha.localhost"]}


def test_an_unverified_domain_can_be_removed(admin_page, custom):
    assert admin_page.post(f"/settings/domains/{custom.pk}/remove/").status_code == 302
    assert not Domain.objects.filter(pk=custom.pk).exists()


def test_domain_list_queries_do_not_grow_with_domains(tenant_a, admin_page, django_assert_max_num_queries):
    for i in range(6):
        domain_add(tenant=tenant_a.tenant, domain=f"d{i}.example.test", actor=tenant_a.admin)
    admin_page.get("/settings/domains/")  # warm the routing cache
    with django_assert_max_num_queries(8):
        response = admin_page.get("/settings/domains/")
    assert response.text.count("_projectmeats-verify.") == 6


def test_provisioned_subdomain_is_verified_but_a_custom_primary_domain_waits(world, db):
    ours = tenant_create(schema_name="gamma", name="Gamma", domain="gamma.localhost", owner_email="o@gamma.test")
    theirs = tenant_create(schema_name="delta", name="Delta", domain="delta.example.test", owner_email="o@d.test")
    assert Domain.objects.get(tenant=ours).is_verified
    custom = Domain.objects.get(tenant=theirs)
    assert not custom.is_verified and custom.verification_token


def test_routing_ignores_unverified_domains(tenant_a):
    Domain.objects.create(domain="raw.localhost", tenant=tenant_a.tenant, is_verified=False)
    request = RequestFactory().get("/", HTTP_HOST="raw.localhost")
    response = TenantMiddleware(lambda r: None).process_request(request)
    assert response.status_code == 404


def test_create_tenant_with_a_custom_domain_says_which_txt_record_to_publish(world, db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "create_tenant", schema="epsilon", name="Eps", domain="eps.example.test", owner_email="o@eps.test", stdout=out
    )
    domain = Domain.objects.get(domain="eps.example.test")
    assert f"_projectmeats-verify.eps.example.test = {domain.verification_token}" in out.getvalue()


def test_super_tenant_domain_is_always_verified(world, db):
    from apps.tenants.services import super_tenant_ensure

    Domain.objects.filter(domain="localhost").update(is_verified=False)
    result = super_tenant_ensure()
    assert "domain verified" in result.changed
    assert Domain.objects.get(domain="localhost").is_verified


def test_an_unverified_primary_domain_can_be_removed_when_nothing_is_verified(world, db):
    from apps.accounts.models import User
    from apps.tenants.domains import domain_remove

    tenant = tenant_create(schema_name="zeta", name="Zeta", domain="zeta.example.test", owner_email="o@zeta.test")
    domain = Domain.objects.get(tenant=tenant)
    assert domain.is_primary and not domain.is_verified
    domain_remove(domain=domain, actor=User.objects.get(email="o@zeta.test"))
    assert not Domain.objects.filter(tenant=tenant).exists()
