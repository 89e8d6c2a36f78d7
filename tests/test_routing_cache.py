"""Host routing is cached: a known host costs no query, and changes to domains or tenants take effect."""

from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from apps.tenants.models import Client, Domain
from backend.tenancy import TenantMiddleware


def _route(host: str):
    request = RequestFactory().get("/", HTTP_HOST=host)
    response = TenantMiddleware(lambda r: HttpResponse()).process_request(request)
    return request, response


def test_known_host_is_routed_without_queries_after_first_request(tenant_a, django_assert_num_queries):
    _route(tenant_a.domain)
    with django_assert_num_queries(0):
        request, _ = _route(tenant_a.domain)
    assert request.tenant.schema_name == "alpha"
    assert connection.schema_name == "alpha"


def test_moved_domain_routes_to_new_tenant(tenant_a, tenant_b):
    assert _route("shared.localhost")[1].status_code == 404
    Domain.objects.create(domain="shared.localhost", tenant=tenant_a.tenant, is_primary=False, is_verified=True)
    assert _route("shared.localhost")[0].tenant.schema_name == "alpha"
    domain = Domain.objects.get(domain="shared.localhost")
    domain.tenant = tenant_b.tenant
    domain.save()
    assert _route("shared.localhost")[0].tenant.schema_name == "beta"


def test_renamed_domain_stops_serving_old_host(tenant_a):
    Domain.objects.create(domain="old.localhost", tenant=tenant_a.tenant, is_primary=False, is_verified=True)
    assert _route("old.localhost")[0].tenant.schema_name == "alpha"
    domain = Domain.objects.get(domain="old.localhost")
    domain.domain = "new.localhost"
    domain.save()
    assert _route("old.localhost")[1].status_code == 404
    assert _route("new.localhost")[0].tenant.schema_name == "alpha"


def test_deleted_domain_is_404(tenant_a):
    Domain.objects.create(domain="gone.localhost", tenant=tenant_a.tenant, is_primary=False, is_verified=True)
    _route("gone.localhost")
    Domain.objects.filter(domain="gone.localhost").get().delete()
    assert _route("gone.localhost")[1].status_code == 404


def test_tenant_change_is_visible_immediately(tenant_a):
    _route(tenant_a.domain)
    tenant = Client.objects.get(pk=tenant_a.tenant.pk)  # never mutate the session-wide fixture object
    tenant.name = "Alpha Renamed"
    tenant.save()
    assert _route(tenant_a.domain)[0].tenant.name == "Alpha Renamed"


def test_a_tenant_cached_by_another_process_before_commit_is_forgotten_at_commit(
    tenant_a, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from backend.tenancy import _cache_key, tenant_for_host

    with django_capture_on_commit_callbacks(execute=True):
        tenant = Client.objects.get(pk=tenant_a.tenant.pk)
        tenant.status = Client.Status.SUSPENDED
        tenant.save(update_fields=["status"])
        # Another worker, still seeing the committed row, caches the tenant as it was before.
        cache.set(_cache_key(tenant_a.domain), tenant_a.tenant, 60)
    connection.set_schema_to_public()
    assert tenant_for_host(tenant_a.domain).status == Client.Status.SUSPENDED


def test_verified_custom_domain_passes_host_validation_without_allowed_hosts(tenant_a, client_for, settings):
    assert "*" in settings.ALLOWED_HOSTS and ".alpha-meats.test" not in settings.PLATFORM_HOSTS
    assert client_for("shop.alpha-meats.test").get("/login/").status_code == 404  # unknown, cached as such
    Domain.objects.create(domain="shop.alpha-meats.test", tenant=tenant_a.tenant, is_primary=False, is_verified=True)
    response = client_for("shop.alpha-meats.test").get("/login/")
    assert response.status_code == 200 and "Alpha Meats" in response.text
