"""Template context that every page needs: the active tenant and its branding."""

from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name


def tenant(request: HttpRequest) -> dict:
    current = getattr(request, "tenant", None)
    if current is None or current.schema_name == get_public_schema_name():
        return {"tenant": None}
    return {"tenant": current}
