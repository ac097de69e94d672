"""OpenAPI tweaks quart-schema cannot express: uuid path ids and the required identity header."""

from __future__ import annotations

from typing import Any

from quart_schema import OpenAPIProvider
from werkzeug.routing import BaseConverter, Rule

from class_management_service.api.request_context import (
    INTERNAL_KEY_HEADER,
    SERVICE_ID_HEADER,
    USER_HEADER,
)

_TEACHER_PREFIX = "/v1/classes"
_ROSTER_SUFFIX = "/roster"
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
    """Documents ``*_id`` path parameters as UUIDs and who must send which header."""

    def build_path_parameter(self, name: str, converter: BaseConverter) -> dict[str, Any]:
        parameter = super().build_path_parameter(name, converter)
        if name.endswith("_id"):
            parameter["schema"] = {"type": "string", "format": "uuid"}
        return parameter

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        for operations in paths.values():
            for operation in operations.values():
                if not operation.get("responses"):
                    operation["responses"] = _UNMODELLED_RESPONSES.get(rule.rule, _DEFAULT_RESPONSES)
        if not rule.rule.startswith(_TEACHER_PREFIX):
            return paths, components
        is_roster = rule.rule.endswith(_ROSTER_SUFFIX)
        headers = [
            _header(USER_HEADER, is_required=not is_roster, description="The teacher, set by the gateway")
        ]
        if is_roster:
            headers += [
                _header(
                    INTERNAL_KEY_HEADER,
                    is_required=False,
                    description="Internal callers instead of X-User-ID",
                ),
                _header(SERVICE_ID_HEADER, is_required=False, description="The internal caller's name"),
            ]
        for operations in paths.values():
            for operation in operations.values():
                operation["parameters"] = [*operation["parameters"], *headers]
        return paths, components
