"""Every failure leaves as one JSON envelope; domain errors map to statuses from a single table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import structlog
from quart import Quart, Response, current_app, g
from werkzeug.exceptions import HTTPException

from class_management_service.api.errors import AuthenticationError, RequestValidationError
from class_management_service.domain import errors, roster_errors
from class_management_service.error_log import error_fields

log = structlog.get_logger(__name__)

# Looked up along the error's class hierarchy, so a subclass gets its nearest listed ancestor's status.
STATUS_BY_ERROR: dict[type[errors.ClassManagementError], int] = {
    RequestValidationError: 400,
    errors.MultipleCourseError: 400,
    errors.CourseNotFoundError: 400,
    errors.EmptyNameError: 400,
    roster_errors.SameClassMoveError: 400,
    AuthenticationError: 401,
    errors.ClassNotFoundError: 404,
    errors.StudentNotFoundError: 404,
    errors.BatchNotFoundError: 404,
    errors.EssayNotFoundError: 404,
    errors.StudentNotInClassError: 404,
    roster_errors.RosterTargetsNotFoundError: 404,
    errors.DuplicateStudentEmailError: 409,
    errors.DuplicateStudentExternalIdError: 409,
    errors.AssociationConflictError: 409,
    errors.PendingValidationsError: 409,
    errors.IdempotencyKeyInFlightError: 409,
    errors.PreconditionFailedError: 412,
    errors.IdempotencyKeyReusedError: 422,
    errors.RepositoryUnavailableError: 503,
}

CODE_BY_HTTP_STATUS = {
    400: "VALIDATION_ERROR",
    404: "RESOURCE_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
RETRY_AFTER_SECONDS = "5"


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "correlation_id": str(getattr(g, "correlation_id", "")),
            "service": current_app.config["SERVICE_NAME"],
            "timestamp": datetime.now(UTC).isoformat(),
            "details": details or {},
        }
    }
    response = cast("Response", current_app.json.response(body))
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def status_of(error: errors.ClassManagementError) -> int:
    for kind in type(error).__mro__:
        status = STATUS_BY_ERROR.get(kind)
        if status is not None:
            return status
    return 400


async def _domain_error(error: errors.ClassManagementError) -> Response:
    status = status_of(error)
    return error_response(status, error.code, error.message, error.details)


async def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = CODE_BY_HTTP_STATUS.get(status, "HTTP_ERROR")
    message = error.description or error.name
    if status == 400:
        message = "Malformed request: the body must be valid JSON"
    response = error_response(status, code, message)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


async def _unexpected_error(error: Exception) -> Response:
    # One line with the correlation id: the type and frames of every exception in the chain, but no
    # message (it may quote personal data); the client learns nothing internal.
    log.error("unhandled_error", **error_fields(error))
    return error_response(500, "INTERNAL_ERROR", "An unexpected error occurred")


def register_error_handlers(app: Quart) -> None:
    app.register_error_handler(errors.ClassManagementError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
