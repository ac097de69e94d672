"""OpenAPI tweaks quart-schema cannot express: uuid path ids and the required identity header."""

from __future__ import annotations

from typing import Any

from quart_schema import OpenAPIProvider
from werkzeug.routing import BaseConverter, Rule

from class_management_service.api.openapi_conditionals import document_conditionals
from class_management_service.api.request_context import (
    INTERNAL_KEY_HEADER,
    SERVICE_ID_HEADER,
    USER_HEADER,
)

_TEACHER_PREFIXES = ("/v1/classes", "/v1/batches")
_INTERNAL_PREFIX = "/internal/v1"
_ROSTER_SUFFIX = "/roster"
_UUID_PARAMETERS = frozenset({"class_id", "student_id"})
# Ids other services assign (batches, essays): opaque strings.
_EXTERNAL_ID = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00]+$"}
_JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
# Routes without a response model: quart-schema leaves their `responses` empty, which OpenAPI forbids.
_UNMODELLED_RESPONSES: dict[str, dict[str, Any]] = {
    "/healthz": {
        "200": {
            "description": (
                "Ready: the database is reachable (`degraded`, with a `detail`, when Kafka or Redis"
                " is down or the outbox stalls)"
            ),
            "content": _JSON_OBJECT,
        },
        "503": {"description": "Not ready: the database is unreachable", "content": _JSON_OBJECT},
    },
    "/metrics": {
        "200": {
            "description": "Prometheus text exposition",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
}
_DEFAULT_RESPONSES = {"default": {"description": "See the service README"}}


def _header(name: str, *, is_required: bool, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": is_required,
        "description": description,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    }


class ClassManagementOpenAPIProvider(OpenAPIProvider):
    """Documents class and student ids as UUIDs, other ids as opaque strings, and the identity headers."""

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        parameter = super().build_path_parameter(name, converter)
        if name in _UUID_PARAMETERS:
            parameter["schema"] = {"type": "string", "format": "uuid"}
        elif name.endswith("_id"):
            parameter["schema"] = dict(_EXTERNAL_ID)
        return parameter

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        for operations in paths.values():
            for operation in operations.values():
                if not operation.get("responses"):
                    operation["responses"] = _UNMODELLED_RESPONSES.get(rule.rule, _DEFAULT_RESPONSES)
        headers = _headers_of(rule.rule)
        handler = self._app.view_functions[rule.endpoint]
        for operations in paths.values():
            for method, operation in operations.items():
                operation["parameters"] = [*operation["parameters"], *headers]
                document_conditionals(handler, method, operation)
        return paths, components


def _headers_of(rule: str) -> list[dict[str, Any]]:
    """The identity headers a route reads: the teacher's, or an internal service's."""
    if rule.startswith(_INTERNAL_PREFIX):
        return [
            _header(INTERNAL_KEY_HEADER, is_required=True, description="The shared internal secret"),
            _header(SERVICE_ID_HEADER, is_required=True, description="The internal caller's name"),
        ]
    if not rule.startswith(_TEACHER_PREFIXES):
        return []
    is_roster = rule.endswith(_ROSTER_SUFFIX)
    headers = [_header(USER_HEADER, is_required=not is_roster, description="The teacher, set by the gateway")]
    if is_roster:
        headers += [
            _header(
                INTERNAL_KEY_HEADER, is_required=False, description="Internal callers instead of X-User-ID"
            ),
            _header(SERVICE_ID_HEADER, is_required=False, description="The internal caller's name"),
        ]
    return headers
