"""Who is calling: the teacher from ``X-User-ID``, or an internal service holding the shared key."""

from __future__ import annotations

import hmac
import re
import uuid
from uuid import UUID

from quart import current_app, g, request

from class_management_service.api.errors import AuthenticationError, RequestValidationError
from class_management_service.domain.models import Actor

USER_HEADER = "X-User-ID"
CORRELATION_HEADER = "X-Correlation-ID"
INTERNAL_KEY_HEADER = "X-Internal-API-Key"
SERVICE_ID_HEADER = "X-Service-ID"
MAX_USER_ID_LENGTH = 255
# Visible ASCII only: no control characters, no non-ASCII look-alikes or spaces (e.g. \xa0, \x85).
_USER_ID = re.compile(rf"[!-~]{{1,{MAX_USER_ID_LENGTH}}}")
_HEADER_WHITESPACE = " \t"


def correlation_id_from(header_value: str | None) -> UUID:
    """The caller's correlation id when it is a UUID, otherwise a fresh one."""
    if header_value:
        try:
            return UUID(header_value)
        except ValueError:
            pass
    return uuid.uuid4()


def current_correlation_id() -> UUID:
    correlation_id: UUID = g.correlation_id
    return correlation_id


def optional_user_id() -> str | None:
    """The teacher's id: 1-255 visible ASCII characters after trimming ASCII spaces and tabs.

    Absent or blank is None (the caller decides whether that is a 401); anything else outside the
    format, including a header sent twice, is a 401 rather than an identity read some lenient way.
    """
    values = request.headers.getlist(USER_HEADER)
    if not values:
        return None
    user_id = values[0].strip(_HEADER_WHITESPACE)
    if len(values) == 1 and _USER_ID.fullmatch(user_id):
        return user_id
    if len(values) == 1 and not user_id:
        return None
    raise AuthenticationError(
        f"{USER_HEADER} must be sent once, as 1-{MAX_USER_ID_LENGTH} visible ASCII characters"
    )


def current_actor() -> Actor:
    """The authenticated teacher; a missing or blank ``X-User-ID`` is a 401."""
    actor: Actor | None = g.get("actor")
    if actor is None:
        user_id = optional_user_id()
        if user_id is None:
            raise AuthenticationError(f"User authentication required: send the {USER_HEADER} header")
        actor = g.actor = Actor(user_id=user_id, correlation_id=current_correlation_id())
    return actor


def is_internal_service() -> bool:
    """True when the request carries the configured internal key (constant-time compare)."""
    presented = request.headers.get(INTERNAL_KEY_HEADER)
    if presented is None:
        return False
    expected: str = current_app.config["INTERNAL_API_KEY"]
    if not expected or not request.headers.get(SERVICE_ID_HEADER):
        raise AuthenticationError("Invalid internal service credentials")
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise AuthenticationError("Invalid internal service credentials")
    return True


def parse_uuid(value: str, name: str) -> UUID:
    """A path id; malformed ones are a 400 naming the parameter."""
    try:
        return UUID(value)
    except ValueError:
        raise RequestValidationError(
            f"{name} must be a UUID", [{"loc": ["path", name], "msg": "invalid UUID"}]
        ) from None


MAX_EXTERNAL_ID_LENGTH = 255


def parse_external_id(value: str, name: str) -> str:
    """An id another service assigned (batch, essay): opaque, 1-255 characters, no NUL."""
    if 0 < len(value) <= MAX_EXTERNAL_ID_LENGTH and "\x00" not in value:
        return value
    raise RequestValidationError(
        f"{name} must be 1-{MAX_EXTERNAL_ID_LENGTH} characters without NUL",
        [{"loc": ["path", name], "msg": "invalid id"}],
    )


# Endpoints that authenticate in their own way instead of by X-User-ID.
_SELF_AUTHENTICATED_ENDPOINTS = frozenset({"classes.get_roster"})
_TEACHER_BLUEPRINTS = frozenset({"classes", "students", "batches"})
INTERNAL_BLUEPRINT = "internal"


async def authenticate_request() -> None:
    """Runs before body validation so an anonymous request is a 401, whatever its body.

    Teacher routes need ``X-User-ID``; internal routes need the internal key and ``X-Service-ID``.
    OPTIONS needs neither: Quart answers it itself (the Allow header, and CORS headers where CORS
    is on) without running a handler, and browsers send CORS preflights without custom headers.
    """
    if request.method == "OPTIONS":
        return
    if request.blueprint == INTERNAL_BLUEPRINT:
        if not is_internal_service():
            raise AuthenticationError(
                f"Internal routes require {INTERNAL_KEY_HEADER} and {SERVICE_ID_HEADER}"
            )
    elif request.blueprint in _TEACHER_BLUEPRINTS and request.endpoint not in _SELF_AUTHENTICATED_ENDPOINTS:
        current_actor()
