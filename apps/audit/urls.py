"""Audit log pages (mounted at /audit/ on tenant hosts) and, separately, its API route."""

from django.urls import path

from . import api, views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("export.csv", views.event_export, name="event_export"),
]

# Included at the root of projectmeats/urls.py (not under /audit/).
api_urlpatterns = [
    path("api/v1/audit-events/", api.AuditEventViewSet.as_view({"get": "list"}), name="api-audit-event-list"),
]
