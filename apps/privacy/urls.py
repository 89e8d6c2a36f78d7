"""Privacy pages (mounted at /privacy/ on tenant hosts)."""

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("members/<int:membership_id>/", views.member_page, name="membership_privacy"),
    path("members/<int:membership_id>/export/", views.member_export_download, name="membership_privacy_export"),
    path("members/<int:membership_id>/erase/", views.member_erase_view, name="membership_privacy_erase"),
    path("contacts/<int:pk>/", views.contact_page, name="contact_privacy"),
    path("contacts/<int:pk>/export/", views.contact_export_download, name="contact_privacy_export"),
    path("contacts/<int:pk>/erase/", views.contact_erase_view, name="contact_privacy_erase"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/export/", views.my_data_export, name="my_data_export"),
    path("retention/", views.retention, name="retention"),
]
