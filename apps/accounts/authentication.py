"""DRF authentication with `Authorization: Bearer <token>` (tokens from POST /api/v1/auth/token/)."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .tokens import api_token_for_key, api_token_touch

WWW_AUTHENTICATE = 'Bearer realm="api"'


class TokenRefused(exceptions.APIException):
    """401 even when SessionAuthentication is listed first (DRF would otherwise turn it into 403)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Invalid or expired token."
    default_code = "authentication_failed"
    auth_header = WWW_AUTHENTICATE


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise TokenRefused()
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenRefused() from None
        token = api_token_for_key(raw=raw, tenant=connection.tenant)
        if token is None:
            raise TokenRefused()
        api_token_touch(token=token)
        user = token.user
        # The token was issued after the OTP check (when the user is enrolled), so the user counts as
        # verified for code that asks django-otp's question.
        user.otp_device = None
        user.is_verified = lambda: True
        return user, token

    def authenticate_header(self, request):
        return WWW_AUTHENTICATE


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes BearerTokenAuthentication in the OpenAPI schema (drf-spectacular finds it on import)."""

    target_class = "apps.accounts.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Token from POST /api/v1/auth/token/"}
