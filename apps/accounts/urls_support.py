"""Support session routes on tenant hosts (apps/accounts/support.py)."""

from django.urls import path

from . import views_support

urlpatterns = [
    path("support/enter/<str:token>/", views_support.support_enter, name="support_enter"),
    path("support/end/", views_support.support_end, name="support_end"),
    path("support/elevate/", views_support.support_elevate, name="support_elevate"),
    path("settings/support/", views_support.support_settings, name="support_settings"),
    path("settings/support/<int:pk>/end/", views_support.support_session_revoke_view, name="support_session_revoke"),
]
