"""Report pages under /reports/ and the dashboard at /."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("reports/", views.report_index, name="report-index"),
    path("reports/<slug:name>/", views.report_page, name="report"),
]
api_urlpatterns = [path("reports/<slug:name>/", views.report_api, name="api-report")]
