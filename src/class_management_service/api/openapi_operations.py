"""What each operation can answer besides its success: one table, so a new status is one line.

quart-schema documents only the success models the routes declare; the error statuses come from
middleware (401 identity, 413 body size, 415 media type), validation (400), the domain error table
(404, 409) and the database (503), none of which a route decorator sees. The rules below derive the
common ones from the route's shape; ``_EXTRA_STATUSES`` lists what only some operations answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/ErrorModel"}

# Every status an operation may list besides its success; ``_EXTRA_STATUSES`` may name any of them.
STATUS_DESCRIPTIONS: dict[int, str] = {
    304: "Not modified: the `If-None-Match` ETag is current (no body)",
    400: "Invalid input: body, query, path id or header (`VALIDATION_ERROR` and the domain's 400 codes)",
    401: "No valid identity: `X-User-ID`, or the internal key with `X-Service-ID` (`AUTHENTICATION_ERROR`)",
    404: "Not found, or owned by another teacher (`*_NOT_FOUND`)",
    409: "Conflicts with the current state (duplicate email or external_id, pending validations, decided"
    " essays)",
    413: "The body is larger than the configured limit (`PAYLOAD_TOO_LARGE`)",
    412: "The `If-Match` ETag is stale (`PRECONDITION_FAILED`)",
    415: "A body that is not `application/json` (`UNSUPPORTED_MEDIA_TYPE`)",
    422: "The `Idempotency-Key` was used with a different body",
    503: "The database is unreachable; retry after `Retry-After` seconds",
}


@dataclass(frozen=True)
class OperationDoc:
    """The summary and tag of one operation."""

    summary: str
    tag: str


# Keyed by (method, Werkzeug rule).
OPERATIONS: dict[tuple[str, str], OperationDoc] = {
    ("GET", "/healthz"): OperationDoc("Liveness and readiness", "operations"),
    ("GET", "/metrics"): OperationDoc("Prometheus metrics", "operations"),
    ("GET", "/asyncapi.json"): OperationDoc("The AsyncAPI 3 document of the events", "operations"),
    ("POST", "/v1/classes/"): OperationDoc("Create a class", "classes"),
    ("GET", "/v1/classes/"): OperationDoc("List the teacher's classes", "classes"),
    ("GET", "/v1/classes/<class_id:class_id>"): OperationDoc("Get a class", "classes"),
    ("PUT", "/v1/classes/<class_id:class_id>"): OperationDoc("Update a class", "classes"),
    ("DELETE", "/v1/classes/<class_id:class_id>"): OperationDoc("Delete a class", "classes"),
    ("GET", "/v1/classes/<class_id:class_id>/roster"): OperationDoc("A class's roster", "classes"),
    ("POST", "/v1/classes/<class_id:class_id>/students"): OperationDoc("Add students to a class", "classes"),
    ("DELETE", "/v1/classes/<class_id:class_id>/students"): OperationDoc(
        "Remove students from a class", "classes"
    ),
    ("POST", "/v1/classes/<class_id:class_id>/students/move"): OperationDoc(
        "Move students to another class", "classes"
    ),
    ("POST", "/v1/classes/students"): OperationDoc("Create a student", "students"),
    ("GET", "/v1/classes/students"): OperationDoc("List or search the teacher's students", "students"),
    ("GET", "/v1/classes/students/<student_id>"): OperationDoc("Get a student", "students"),
    ("PUT", "/v1/classes/students/<student_id>"): OperationDoc("Update a student", "students"),
    ("DELETE", "/v1/classes/students/<student_id>"): OperationDoc("Delete a student", "students"),
    ("GET", "/v1/batches/<batch_id>/student-associations"): OperationDoc(
        "A batch's essay→student suggestions", "associations"
    ),
    ("POST", "/v1/batches/<batch_id>/student-associations/confirm"): OperationDoc(
        "Confirm or reject suggestions", "associations"
    ),
    ("GET", "/internal/v1/batches/class-info"): OperationDoc("Batches' classes", "internal"),
    ("GET", "/internal/v1/batches/validation-status"): OperationDoc(
        "Batches' validation progress", "internal"
    ),
    ("GET", "/internal/v1/batches/<batch_id>/student-names"): OperationDoc(
        "A batch's decided students", "internal"
    ),
    ("GET", "/internal/v1/associations/essay/<essay_id>"): OperationDoc(
        "One essay's association", "internal"
    ),
}

# Statuses beyond the derived ones (see ``error_statuses``); one line per operation.
_EXTRA_STATUSES: dict[tuple[str, str], frozenset[int]] = {
    ("DELETE", "/v1/classes/<class_id:class_id>"): frozenset({409}),
    ("POST", "/v1/classes/students"): frozenset({404, 409}),  # unknown class; duplicate email, external_id
    ("GET", "/v1/classes/students"): frozenset({404}),  # unknown class_id filter
    ("PUT", "/v1/classes/students/<student_id>"): frozenset({409}),
    ("DELETE", "/v1/classes/students/<student_id>"): frozenset({409}),
    ("POST", "/v1/batches/<batch_id>/student-associations/confirm"): frozenset({409}),
}
_API_PREFIXES = ("/v1/", "/internal/v1/")


def error_statuses(method: str, rule: str, *, has_body: bool, has_input: bool) -> frozenset[int]:
    """Every status besides success the operation can answer, derived from where its input comes from."""
    if not rule.startswith(_API_PREFIXES):
        return frozenset()
    statuses = {401, 503}  # every API route checks identity and reads the database
    if has_input or "<" in rule:
        statuses.add(400)
    if "<" in rule:
        statuses.add(404)
    if has_body:
        statuses |= {413, 415}
    return frozenset(statuses | _EXTRA_STATUSES.get((method, rule), frozenset()))


def error_response(status: int) -> dict[str, Any]:
    return {
        "description": STATUS_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": ERROR_REF}},
    }
