"""API base pieces: the exception handler that maps the application error type to HTTP."""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.exceptions import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        if exc.code == "permission_denied":
            return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
        if exc.code == "not_found":
            return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
