"""`/api/v1/me/`: who the API caller is in this tenant (e-mail, role, capabilities)."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .permissions import ROLE_CAPABILITIES, HasCapability, membership_for


class MeView(APIView):
    permission_classes = [IsAuthenticated, HasCapability]

    def get(self, request):
        membership = membership_for(user=request.user)
        return Response(
            {
                "email": request.user.email,
                "full_name": request.user.full_name,
                "tenant": request.tenant.schema_name,
                "role": membership.role,
                "capabilities": sorted(ROLE_CAPABILITIES[membership.role]),
            }
        )
