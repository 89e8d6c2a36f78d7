"""Template context for the navigation shell: the signed-in member's membership, role and capabilities."""

from django.http import HttpRequest

from .permissions import ROLE_CAPABILITIES, Capability


def membership(request: HttpRequest) -> dict:
    current = getattr(request, "membership", None)
    support = getattr(request, "support_session", None)  # the banner (apps/accounts/support.py)
    if current is None:
        return {
            "membership": None,
            "member_role": "",
            "capabilities": frozenset(),
            "can_administer": False,
            "support_session": support,
        }
    capabilities = ROLE_CAPABILITIES.get(current.role, frozenset())
    return {
        "support_session": support,
        "membership": current,
        "member_role": current.get_role_display(),
        "capabilities": frozenset(str(capability) for capability in capabilities),
        "can_administer": Capability.ADMINISTER in capabilities,
    }
