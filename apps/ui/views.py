"""The menu page (the navigation for browsers without JavaScript on small screens) and global search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.permissions import Capability, capability_required

from .selectors import global_search


@capability_required(Capability.READ)
def menu(request: HttpRequest) -> HttpResponse:
    return render(request, "ui/menu.html")


@capability_required(Capability.READ)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    groups = global_search(user=request.user, query=query)
    context = {"search_query": query, "groups": groups, "total": sum(len(group.results) for group in groups)}
    return render(request, "ui/search.html", context)
