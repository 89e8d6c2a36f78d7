"""URLs served on tenant hosts."""

from django.urls import include, path

from apps.tenants import views as tenant_views

urlpatterns = [
    path("", tenant_views.home, name="home"),
    path("", include("apps.accounts.urls")),
]

handler404 = "backend.errors.page_not_found"
handler403 = "backend.errors.permission_denied"
handler500 = "backend.errors.server_error"
