"""Subject rights over the API: export a contact or a member as JSON, erase a contact.

GET  /api/v1/privacy/contacts/<id>/export/   admins and owners
POST /api/v1/privacy/contacts/<id>/erase/    admins and owners, {"confirm": "ERASE"}
GET  /api/v1/privacy/members/<id>/export/    admins and owners, or the member themself
POST /api/v1/privacy/members/<id>/erase/     admins and owners, {"confirm": "ERASE"} (not owners, not oneself)
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .services import contact_erase, contact_export, member_erase, member_export


def _confirmation(request) -> str:
    """The body's "confirm" value; a body that is not a JSON object (a list, a number) is a 400, not a 500."""
    if not isinstance(request.data, dict):
        raise serializers.ValidationError({"confirm": ['Send a JSON object such as {"confirm": "ERASE"}.']})
    return str(request.data.get("confirm", ""))


def _download(document: dict, name: str) -> Response:
    return Response(document, headers={"Content-Disposition": f'attachment; filename="{name}"'})


class ContactExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Everything held about one contact (JSON download)")
    def get(self, request, pk: int):
        return _download(contact_export(user=request.user, contact_id=pk), f"contact-{pk}.json")


class ContactEraseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("ContactErase", {"confirm": serializers.CharField(help_text='"ERASE"')}),
        responses=inline_serializer(
            "ContactErased", {"id": serializers.IntegerField(), "erased": serializers.BooleanField()}
        ),
        summary="Erase a contact's personal data (anonymise; audit values become unreadable)",
    )
    def post(self, request, pk: int):
        contact = contact_erase(user=request.user, contact_id=pk, confirm=_confirmation(request))
        return Response({"id": contact.pk, "erased": True})


class MemberExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="What this tenant holds about one member (JSON download)")
    def get(self, request, pk: int):
        return _download(member_export(user=request.user, member_id=pk), f"member-{pk}.json")


class MemberEraseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("MemberErase", {"confirm": serializers.CharField(help_text='"ERASE"')}),
        responses=inline_serializer(
            "MemberErased",
            {
                "id": serializers.IntegerField(),
                "erased": serializers.BooleanField(),
                "audit_rows_blanked": serializers.IntegerField(),
                "kept_before_v2": serializers.IntegerField(),
                "invitations_removed": serializers.IntegerField(),
                "document_sends_scrubbed": serializers.IntegerField(),
            },
        ),
        summary="Erase this tenant's view of a member (membership, tokens, invitations, audit e-mail/IP)",
    )
    def post(self, request, pk: int):
        result = member_erase(user=request.user, member_id=pk, confirm=_confirmation(request))
        return Response({"id": pk, "erased": True, **result})
