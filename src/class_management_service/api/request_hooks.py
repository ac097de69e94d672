"""Per-request plumbing: correlation id, content-type check, access log line and HTTP metrics."""

from __future__ import annotations

import functools
import re
import time

import structlog
from quart import Quart, Response, current_app, g, request

from class_management_service.api.error_handlers import error_response
from class_management_service.api.request_context import (
    CORRELATION_HEADER,
    authenticate_request,
    correlation_id_from,
)
from class_management_service.api.roster_upload import CSV_BODY_ATTRIBUTE, CSV_MEDIA_TYPE
from class_management_service.protocols import ObservabilityProtocol

log = structlog.get_logger("class_management_service.access")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_CONVERTER = re.compile(r"<[^:<>]+:([^:<>]+)>")


async def _begin_request() -> Response | None:
    g.started_at = time.perf_counter()
    g.correlation_id = correlation_id_from(request.headers.get(CORRELATION_HEADER))
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(correlation_id=str(g.correlation_id))
    if request.method in _BODY_METHODS and not request.is_json and _may_have_body():
        takes_csv = getattr(current_app.view_functions.get(request.endpoint or ""), CSV_BODY_ATTRIBUTE, False)
        if not takes_csv:
            return error_response(415, "UNSUPPORTED_MEDIA_TYPE", "Request bodies must be application/json")
        if request.mimetype != CSV_MEDIA_TYPE:
            message = f"Request bodies must be application/json or {CSV_MEDIA_TYPE}"
            return error_response(415, "UNSUPPORTED_MEDIA_TYPE", message)
    return None


def _may_have_body() -> bool:
    # A chunked body has no Content-Length; a declared non-JSON media type is refused either way.
    is_chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return bool(request.content_length or is_chunked or request.mimetype)


def _route_template() -> str:
    rule = request.url_rule
    return _without_converters(rule.rule) if rule is not None else "<unmatched>"


@functools.cache  # one entry per route
def _without_converters(rule: str) -> str:
    """``/v1/classes/<class_id:class_id>`` as ``/v1/classes/<class_id>``: labels name parameters only."""
    return _CONVERTER.sub(r"<\1>", rule)


def install_request_hooks(app: Quart, observability: ObservabilityProtocol) -> None:
    async def finish_request(response: Response) -> Response:
        response.headers[CORRELATION_HEADER] = str(g.correlation_id)
        seconds = time.perf_counter() - g.started_at
        route = _route_template()
        observability.observe_request(request.method, route, response.status_code, seconds)
        # Route template, never the raw path: ids would explode metric cardinality and logs stay PII-free.
        log.info(
            "request",
            method=request.method,
            route=route,
            status=response.status_code,
            duration_ms=round(seconds * 1000, 2),
        )
        return response

    app.before_request(_begin_request)
    app.before_request(authenticate_request)  # before reading the body: anonymous is a 401
    app.after_request(finish_request)
