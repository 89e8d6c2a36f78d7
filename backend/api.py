"""API base pieces: the exception handler that gives every API error one body (backend.errors.error_body)
and maps the application error type to HTTP.

ApplicationError codes: `permission_denied` → 403, `not_found` → 404, a state conflict (the record's
current status does not allow the change: CONFLICT_CODES) → 409, anything else → 400 with field errors.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from backend.errors import error_body
from backend.exceptions import ApplicationError

CONFLICT_CODES = frozenset({"invalid_transition", "invalid_status", "archived"})
VALIDATION_MESSAGE = "Invalid input."


def flatten_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as `{"name": [...], "lines.0.product": [...]}`; list-level messages
    (not tied to a field) go under `non_field_errors` at their level."""
    errors: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            errors.update(flatten_field_errors(value, f"{prefix}{key}."))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, item in enumerate(detail):
            if item:
                errors.update(flatten_field_errors(item, f"{prefix}{index}."))
    else:
        messages = detail if isinstance(detail, list) else [detail]
        errors[prefix.rstrip(".") or "non_field_errors"] = [str(message) for message in messages]
    return errors


def _first_message(fields: dict[str, list[str]]) -> str:
    for messages in fields.values():
        if messages:
            return messages[0]
    return VALIDATION_MESSAGE


def _application_error(exc: ApplicationError) -> Response:
    if exc.code == "permission_denied":
        return Response(error_body(exc.message, exc.code), status=status.HTTP_403_FORBIDDEN)
    if exc.code == "not_found":
        return Response(error_body("Not found.", exc.code), status=status.HTTP_404_NOT_FOUND)
    if exc.code in CONFLICT_CODES:
        return Response(error_body(exc.message, exc.code), status=status.HTTP_409_CONFLICT)
    return Response(error_body(exc.message, exc.code, fields=exc.as_dict()), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return _application_error(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_field_errors(exc.detail)
        code = "invalid"
        response.data = error_body(_first_message(fields), code, fields=fields)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = detail.code if isinstance(detail, exceptions.ErrorDetail) else exc.default_code
        text = detail if isinstance(detail, str) else exc.default_detail
        fields = {} if response.status_code == status.HTTP_400_BAD_REQUEST else None  # e.g. malformed JSON
        response.data = error_body(str(text), str(code or exc.default_code), fields=fields)
    elif isinstance(exc, Http404):  # get_object_or_404: DRF answers it without an APIException
        response.data = error_body(str(response.data.get("detail", "Not found.")), "not_found")
    elif isinstance(exc, DjangoPermissionDenied):
        response.data = error_body(str(response.data.get("detail", "Permission denied.")), "permission_denied")
    return response
