"""Shell pages on tenant hosts: /menu/ and /search/."""

from django.urls import path

from . import views

urlpatterns = [
    path("menu/", views.menu, name="menu"),
    path("search/", views.search, name="search"),
]
