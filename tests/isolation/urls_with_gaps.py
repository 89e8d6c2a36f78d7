"""The tenant URLconf plus routes that nobody covers, or that leak: test_walker.py feeds this to the walker."""

from django.http import HttpResponse, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from apps.accounts.models import Invitation, Membership
from projectmeats.urls import handler403, handler404, handler500
from projectmeats.urls import urlpatterns as tenant_urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


def gadget(request, gadget_id: int) -> HttpResponse:
    return HttpResponse(f"gadget {gadget_id}")


def member_email(request, membership_id: int) -> JsonResponse:
    """Leaks: looks a membership up by id alone, whichever tenant it belongs to."""
    try:
        membership = Membership.objects.select_related("user").get(pk=membership_id)
    except Membership.DoesNotExist:
        return JsonResponse({"detail": "Not found."}, status=404)
    return JsonResponse({"email": membership.user.email})


def invitation_details(request, invitation_id: int) -> JsonResponse:
    """Leaks: under the open /invitations/ prefix, so the tenant gate lets anybody in."""
    invitation = Invitation.objects.filter(pk=invitation_id, tenant=request.tenant).first()
    return JsonResponse({"email": invitation.email if invitation else None})


@csrf_exempt
def quick_note(request) -> HttpResponse:
    """Leaks: takes writes from any page on the web that the member has open."""
    return HttpResponse("noted")


@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def open_stats(request) -> Response:
    """Leaks: answers without credentials."""
    return Response({"members": Membership.objects.count()})


GAPS = [
    path("gadgets/<int:gadget_id>/", gadget, name="gadget-detail"),  # no model named "gadget"
    re_path(r"^legacy/(?P<pk>\d+)/$", gadget, name="legacy-detail"),  # a regex the walker cannot fill
    path("audit/<int:pk>/", gadget, name="auditevent-detail"),  # a model without a factory
    path("api/v1/legacy-export/", gadget, name="legacy-export"),  # under /api/, in no OpenAPI operation
]
LEAKS = [
    path("members/<int:membership_id>/email/", member_email, name="member-email"),
    path("notes/quick/", quick_note, name="quick-note"),
    path("invitations/<int:invitation_id>/details/", invitation_details, name="invitation-details"),
    path("api/v1/open-stats/", open_stats, name="open-stats"),
]
urlpatterns = [*tenant_urlpatterns, *GAPS, *LEAKS]
