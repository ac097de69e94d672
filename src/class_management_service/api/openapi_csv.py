"""The CSV alternative of a body quart-schema documents as JSON only (the roster import's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from class_management_service.api.roster_upload import CSV_BODY_ATTRIBUTE, CSV_MEDIA_TYPE

# The schema's pattern is the simplest dialect the parser takes (so a generated file that matches
# it is always one it reads); the description states the whole dialect.
_SIMPLEST_CSV = r'^first_name,last_name(\n[^\n\r",]*,[^\n\r",]*)*\n?$'
_CSV_EXAMPLE = "first_name,last_name,email,external_id\nAnna,Berg,anna.berg@example.org,S-1001\n"
_CSV_SCHEMA = {
    "type": "string",
    "description": (
        "UTF-8 (a byte-order mark is allowed), comma- or semicolon-separated (whichever the header"
        " line holds more of), quoted fields as RFC 4180. A header row names the columns,"
        " case-insensitively: `first_name` (alias `givenName`), `last_name` (`familyName`), and"
        " optionally `legal_full_name`, `email`, `external_id` (`sourcedId`). A row's number is the"
        " line it starts on (the header is line 1). An unknown or repeated column, a row with"
        " another number of fields than the header, or a line that is not UTF-8 is a 400 naming"
        " the line. Options go in the query."
    ),
    "example": _CSV_EXAMPLE,
    "pattern": _SIMPLEST_CSV,
}


def document_csv_body(handler: Callable[..., Any], operation: dict[str, Any]) -> None:
    """Adds ``text/csv`` beside ``application/json`` for handlers that take both."""
    body = operation.get("requestBody")
    if body is None or not getattr(handler, CSV_BODY_ATTRIBUTE, False):
        return
    body["content"][CSV_MEDIA_TYPE] = {"schema": dict(_CSV_SCHEMA)}
