"""Tenant settings pages (mounted at /settings/ on tenant hosts)."""

from django.urls import path

from . import views

app_name = "tenants"
urlpatterns = [
    path("", views.settings_index, name="settings_index"),
    path("onboarding/dismiss/", views.onboarding_dismiss_view, name="onboarding_dismiss"),
    path("domains/", views.domain_list, name="domain_list"),
    path("domains/<int:pk>/verify/", views.domain_verify_view, name="domain_verify"),
    path("domains/<int:pk>/primary/", views.domain_primary_view, name="domain_primary"),
    path("domains/<int:pk>/remove/", views.domain_remove_view, name="domain_remove"),
    path("branding/", views.branding, name="branding"),
    path("plan/", views.plan, name="plan"),
    path("offboarding/", views.offboarding, name="offboarding"),
    path("offboarding/export/", views.offboarding_export, name="offboarding_export"),
]
