"""HTTP input errors: the caller's identity and request shape, which the domain never sees."""

from __future__ import annotations

from class_management_service.domain.errors import ClassManagementError


class AuthenticationError(ClassManagementError):
    """The caller did not identify itself (no ``X-User-ID``) or presented a wrong internal key."""

    code = "AUTHENTICATION_ERROR"


class RequestValidationError(ClassManagementError):
    """Input that fails validation outside a request body: path ids, headers, query strings."""

    code = "VALIDATION_ERROR"

    def __init__(self, message: str, errors: list[dict[str, object]]) -> None:
        super().__init__(message, {"errors": errors})
