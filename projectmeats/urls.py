"""URLs served on tenant hosts."""

from django.urls import include, path

from apps.tenants import views as tenant_views

urlpatterns = [
    path("", tenant_views.home, name="home"),
    path("api/v1/", include("projectmeats.api_urls")),
    path("", include("apps.partners.urls")),
    path("", include("apps.products.urls")),
]

handler404 = "backend.errors.page_not_found"
handler403 = "backend.errors.permission_denied"
handler500 = "backend.errors.server_error"
