"""The one application error type: services raise it, views/API/commands map it to a response."""

from __future__ import annotations


class ApplicationError(Exception):
    """A business rule refused the request. `field` names the offending input when there is one."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "non_field_errors": [self.message]}
