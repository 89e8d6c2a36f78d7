"""The navigation shell's context: grouped main menu with the current page marked (members only)."""

from django.http import HttpRequest

from apps.accounts.permissions import ROLE_CAPABILITIES, Capability

from .menu import navigation


def nav(request: HttpRequest) -> dict:
    current = getattr(request, "membership", None)
    if current is None:
        return {"nav": None}
    can_administer = Capability.ADMINISTER in ROLE_CAPABILITIES.get(current.role, frozenset())
    return {"nav": navigation(path=request.path, can_administer=can_administer)}
