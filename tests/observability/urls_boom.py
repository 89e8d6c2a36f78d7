"""The tenant URLs plus one view that fails, for the error-reporting test."""

from django.urls import path

from projectmeats.urls import handler500  # noqa: F401 (handler500 is read by Django)
from projectmeats.urls import urlpatterns as tenant_urlpatterns


def boom(request):
    raise RuntimeError(f"boom for {request.user.email}")


urlpatterns = [path("boom/", boom), *tenant_urlpatterns]
