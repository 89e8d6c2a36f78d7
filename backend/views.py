"""Platform-level views that no app owns."""

from django.http import HttpRequest, HttpResponse
from django.template import loader


def unknown_host(request: HttpRequest) -> HttpResponse:
    """A host that maps to no tenant: a plain 404 that names nothing (TEN-05)."""
    body = loader.render_to_string("404.html", {"unknown_host": True})
    return HttpResponse(body, status=404)
