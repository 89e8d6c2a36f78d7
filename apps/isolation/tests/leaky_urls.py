"""A deliberately broken URLconf for the tests of `check_isolation`: the tenant URLs, except that every
API detail route answers from the *other* canary's schema — the classic lookup that forgot its tenant.
Wired only by the test that proves the command catches it."""

from django.db import connection
from django.http import Http404, JsonResponse
from django.urls import path
from django_tenants.utils import schema_context

from apps.partners.models import Supplier
from projectmeats.urls import handler403, handler404, handler500  # noqa: F401
from projectmeats.urls import urlpatterns as tenant_urlpatterns

# The canaries of test_check_isolation (live server) and of test_fuzz (the session's alpha and beta).
OTHER_SCHEMA = {"isocanaryone": "isocanarytwo", "isocanarytwo": "isocanaryone", "alpha": "beta", "beta": "alpha"}


def leaky_detail(request, resource: str, pk: int):
    other = OTHER_SCHEMA.get(connection.schema_name)
    if other is None:
        raise Http404
    with schema_context(other):
        supplier = Supplier.objects.filter(pk=pk).first() or Supplier.objects.first()
    if supplier is None:
        raise Http404
    return JsonResponse({"id": pk, "name": supplier.name, "notes": supplier.notes})


urlpatterns = [path("api/v1/<slug:resource>/<int:pk>/", leaky_detail), *tenant_urlpatterns]
