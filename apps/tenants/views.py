"""Tenant home page and the public landing page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/home.html")


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")
