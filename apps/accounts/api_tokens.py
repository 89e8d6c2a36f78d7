"""API: obtain a token with e-mail + password (+ OTP), and revoke the token you present."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import BearerTokenAuthentication
from .permissions import HasCapability, membership_for
from .tokens import api_token_issue, api_token_revoke


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once; send as `Authorization: Bearer <token>`.")
    expires_at = serializers.DateTimeField()


class WhoAmISerializer(serializers.Serializer):
    email = serializers.EmailField()
    tenant = serializers.CharField()
    role = serializers.CharField()


class TokenObtainView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenObtainSerializer, responses={201: TokenIssuedSerializer}, auth=[])
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The plain Django request: django-axes flags a lockout on it for its middleware.
        token, raw = api_token_issue(request=request._request, tenant=connection.tenant, **serializer.validated_data)
        return Response({"token": raw, "expires_at": token.expires_at}, status=status.HTTP_201_CREATED)


class TokenRevokeView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        api_token_revoke(token=request.auth, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WhoAmIView(APIView):
    """Who the presented credentials (token or session) belong to, in this tenant: lets a program
    check its token without touching business data."""

    permission_classes = [IsAuthenticated, HasCapability]

    @extend_schema(responses={200: WhoAmISerializer})
    def get(self, request):
        membership = membership_for(user=request.user)
        return Response({"email": request.user.email, "tenant": connection.tenant.schema_name, "role": membership.role})
