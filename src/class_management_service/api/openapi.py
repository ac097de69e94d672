"""OpenAPI tweaks quart-schema cannot express: uuid path ids, identity headers, every error status,
summaries and tags, and the constraints the service enforces beyond its request models."""

from __future__ import annotations

from typing import Any

from quart_schema import OpenAPIProvider
from werkzeug.routing import BaseConverter, Rule

from class_management_service.api.openapi_conditionals import document_conditionals
from class_management_service.api.openapi_constraints import tighten_request_schemas
from class_management_service.api.openapi_csv import document_csv_body
from class_management_service.api.openapi_operations import (
    ERROR_REF,
    OPERATIONS,
    error_response,
    error_statuses,
)
from class_management_service.api.request_context import (
    INTERNAL_KEY_HEADER,
    SERVICE_ID_HEADER,
    USER_HEADER,
)
from class_management_service.api.schemas import ErrorModel

_TEACHER_PREFIXES = ("/v1/classes", "/v1/batches")
_API_PREFIXES = ("/v1/", "/internal/v1/")
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
    "/asyncapi.json": {
        "200": {"description": "The AsyncAPI 3 document of the events", "content": _JSON_OBJECT}
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

    def schema(self) -> dict[str, Any]:
        document = super().schema()
        error_schema = ErrorModel.model_json_schema(ref_template="#/components/schemas/{model}")
        document["components"]["schemas"].update({**error_schema.pop("$defs"), "ErrorModel": error_schema})
        tighten_request_schemas(document)
        return document

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        headers = _headers_of(rule.rule)
        handler = self._app.view_functions[rule.endpoint]
        for operations in paths.values():
            for method, operation in operations.items():
                operation["parameters"] = [*operation["parameters"], *headers]
                document_conditionals(handler, method, operation)  # before _complete: int status keys
                document_csv_body(handler, operation)
                _complete(operation, method.upper(), rule.rule)
        return paths, components


def _complete(operation: dict[str, Any], method: str, rule: str) -> None:
    """Adds the summary, tag and every error status; a JSON body is always required."""
    # quart-schema keys responses by int; JSON keys are strings, and "400" beside 400 is a duplicate.
    operation["responses"] = {str(status): response for status, response in operation["responses"].items()}
    if not operation["responses"]:
        operation["responses"] = dict(_UNMODELLED_RESPONSES.get(rule, _DEFAULT_RESPONSES))
    described = OPERATIONS.get((method, rule))
    if described is not None:
        # quart-schema made the docstring's first paragraph the summary: it leads the description now.
        docstring = [operation.get("summary"), operation.get("description")]
        if any(docstring):
            operation["description"] = "\n\n".join(part for part in docstring if part)
        operation["summary"] = described.summary
        operation["tags"] = [described.tag]
    body = operation.get("requestBody")
    if body is not None:
        body["required"] = True
    has_input = body is not None or any(p.get("in") in {"query", "path"} for p in operation["parameters"])
    responses = operation["responses"]
    if rule.startswith(_API_PREFIXES):  # every API error is the one envelope, by reference
        for status, response in responses.items():
            if status[0] in "45" and "application/json" in response.get("content", {}):
                response["content"] = {"application/json": {"schema": ERROR_REF}}
    for status in sorted(error_statuses(method, rule, has_body=body is not None, has_input=has_input)):
        documented = error_response(status)
        earlier = responses.get(str(status), {}).get("description")
        if earlier and earlier != ErrorModel.__doc__:  # e.g. the Idempotency-Key's 409: keep both causes
            documented["description"] = f"{documented['description']}; or: {earlier}"
        responses[str(status)] = documented


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
