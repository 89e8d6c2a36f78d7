"""The error half of the API contract in the OpenAPI schema: every response code an operation can give.

drf-spectacular documents what views declare (their success bodies and the odd explicit error); this
postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds the codes that come from the
layers every request passes through, with the one error body (backend.errors.error_body):

- 400 `ValidationError` (`fields`: each offending input's messages): operations with a body or query.
- 401 without valid credentials (`WWW-Authenticate: Bearer`): operations that require authentication.
- 403 role, membership, second factor or plan; 423 tenant suspended or offboarding; 429 rate limit
  (`Retry-After`); 503 database unreachable (`Retry-After`): every operation.
- 404: operations with a path parameter (a record that does not exist here) or a query (a page past
  the end).
- 409: writes to one record (`{id}` in the path): its current status does not allow the change (a
  transition from the wrong status, editing a confirmed order or an archived record).
- 415: operations with a body sent in a content type they do not accept.

A code a view declares itself keeps the view's description (and body, when it gives one).
"""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR_REF = {"$ref": "#/components/schemas/ValidationError"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error: a human-readable message and a stable machine-readable code.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {"type": "string", "description": "What went wrong, for programs (e.g. `not_found`)."},
    },
    "required": ["detail", "code"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "400: the input was refused; nothing was written.",
    "properties": {
        **ERROR_SCHEMA["properties"],
        "fields": {
            "type": "object",
            "description": "Messages per input field (`lines.0.product` for nested ones; "
            "`non_field_errors` for the whole input).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "code", "fields"],
}

RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}}
WWW_AUTHENTICATE = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": '`Bearer realm="api"`.'}}

DESCRIPTIONS = {
    400: "Invalid input (field errors in `fields`); nothing was written.",
    401: "Missing, invalid or expired credentials.",
    403: "Not allowed: role, membership, two-factor or password-change requirement, or the plan has no API access.",
    404: "Not found in this tenant (or a page past the end of a list).",
    409: "The record's current status does not allow this change.",
    415: "The request body's content type is not accepted.",
    423: "The tenant is suspended or being offboarded.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "The service is temporarily unavailable; retry after `Retry-After` seconds.",
}
WRITES = {"post", "put", "patch", "delete"}


def _response(code: int, schema: dict, headers: dict | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def error_codes(*, path: str, method: str, operation: dict) -> dict[int, dict[str, Any]]:
    """The error responses `operation` (`method` on `path`) can give, by status code."""
    parameters = operation.get("parameters", [])
    has_path_parameter = any(p.get("in") == "path" for p in parameters)
    has_query = any(p.get("in") == "query" for p in parameters)
    has_body = "requestBody" in operation
    authenticated = operation.get("security", [{}]) not in ([], [{}])
    codes: dict[int, dict[str, Any]] = {}
    if has_body or has_query or method in WRITES:
        codes[400] = _response(400, VALIDATION_ERROR_REF)
    if authenticated:
        codes[401] = _response(401, ERROR_REF, WWW_AUTHENTICATE)
    codes[403] = _response(403, ERROR_REF)
    if has_path_parameter or has_query:
        codes[404] = _response(404, ERROR_REF)
    if has_path_parameter and method in WRITES:
        codes[409] = _response(409, ERROR_REF)
    if has_body:
        codes[415] = _response(415, ERROR_REF)
    codes[423] = _response(423, ERROR_REF)
    codes[429] = _response(429, ERROR_REF, RETRY_AFTER)
    codes[503] = _response(503, ERROR_REF, RETRY_AFTER)
    return codes


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: error responses on every operation, and their schemas."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ValidationError"] = VALIDATION_ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code, response in error_codes(path=path, method=method, operation=operation).items():
                declared = responses.setdefault(str(code), response)
                if "content" not in declared:  # a view described the code but not its body
                    declared["content"] = response["content"]
            operation["responses"] = dict(sorted(responses.items()))
    return result
