"""OpenAPI for retries and conditional requests: the headers and statuses ``idempotent`` and
``conditional`` add to the routes they wrap (quart-schema cannot document a bodiless 304)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from class_management_service.api.etags import CONDITIONAL_ATTRIBUTE
from class_management_service.api.idempotency import IDEMPOTENT_ATTRIBUTE, KEY_HEADER, REPLAYED_HEADER

_STRING = {"type": "string"}
_ETAG = {"ETag": {"description": "Strong validator of this representation", "schema": _STRING}}
_REPLAYED = {
    REPLAYED_HEADER: {"description": "`true` when this is a stored first response", "schema": _STRING}
}
_KEY_PARAMETER = {
    "name": KEY_HEADER,
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key and body within 24 h replay the first response",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def document_conditionals(handler: Callable[..., Any], method: str, operation: dict[str, Any]) -> None:
    """Add the retry and precondition headers and statuses to one operation, in place."""
    responses: dict[int | str, Any] = operation["responses"]  # quart-schema keys by int
    if getattr(handler, IDEMPOTENT_ATTRIBUTE, False):
        operation["parameters"].append(_KEY_PARAMETER)
        _add_headers(responses, _REPLAYED)
        _add_error(responses, 409, "A request with this Idempotency-Key is still in progress")
        _add_error(responses, 422, "This Idempotency-Key was used for a different request")
    if not getattr(handler, CONDITIONAL_ATTRIBUTE, False):
        return
    if method == "get":
        operation["parameters"].append(_header("If-None-Match", "Entity tags of representations you hold"))
        responses[304] = {
            "description": "Not modified: the representation you hold is current",
            "headers": _ETAG,
        }
    if method in {"put", "delete"}:
        operation["parameters"].append(_header("If-Match", "Write only while the resource has this ETag"))
        _add_error(responses, 412, "PRECONDITION_FAILED: the resource changed since that ETag")
    if method != "delete":
        _add_headers(responses, _ETAG)


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": description, "schema": _STRING}


def _add_headers(responses: dict[int | str, Any], headers: dict[str, Any]) -> None:
    for status, response in responses.items():
        if str(status).startswith("2"):
            response["headers"] = {**response.get("headers", {}), **headers}


def _add_error(responses: dict[int | str, Any], status: int, description: str) -> None:
    """The error envelope, as the operation's other error statuses document it."""
    errors = (r["content"] for s, r in responses.items() if str(s)[0] in "45" and "content" in r)
    envelope = next(errors, None)
    if status not in responses and envelope is not None:
        responses[status] = {"description": description, "content": envelope}
