"""URLs served on the public host (BASE_DOMAIN): landing page, signup and Django admin."""

from django.contrib import admin
from django.urls import path

from apps.accounts import views_support as support_views
from apps.accounts.admin_site import PlatformAdminSite
from apps.operations import views as operations_views
from apps.tenants import views as tenant_views

# Django admin is for platform superusers only, and only after a one-time password (IAM-07, IAM-21).
admin.site.__class__ = PlatformAdminSite

urlpatterns = [
    path("", tenant_views.landing, name="landing"),
    path("signup/", tenant_views.signup, name="signup"),
    path("signup/check/", tenant_views.signup_check, name="signup_check"),
    path("signup/confirm/<str:token>/", tenant_views.signup_confirm_view, name="signup_confirm"),
    # The fleet page: admin_view applies the admin's own check (superuser with a one-time password).
    path("admin/operations/fleet/", admin.site.admin_view(operations_views.fleet), name="operations_fleet"),
    path(
        "admin/operations/fleet/check/",
        admin.site.admin_view(operations_views.fleet_check),
        name="operations_fleet_check",
    ),
    # Support sessions: a superuser (with a one-time password) views a tenant as a member, audited.
    path("admin/support/start/", admin.site.admin_view(support_views.support_start), name="support_start"),
    path("admin/", admin.site.urls),
]

handler404 = "backend.errors.page_not_found"
handler403 = "backend.errors.permission_denied"
handler500 = "backend.errors.server_error"
