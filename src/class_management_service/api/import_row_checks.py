"""One roster row's fields to a valid ``ImportRow`` or an ``InvalidRow`` listing every error.

The rules are the single-student route's: the same pydantic types for names and the external
id, and ``schemas.Email`` for the email (through ``email_check``, which is exact and cheaper).
"""

from __future__ import annotations

from pydantic import ValidationError

from class_management_service.api.email_check import EmailError, normalized_email
from class_management_service.api.request_models import BodyModel, ExternalId, LegalName, NamePart
from class_management_service.domain.import_rows import FieldError, ImportRow, InvalidRow, ParsedRow

ROW_FIELDS = ("first_name", "last_name", "legal_full_name", "email", "external_id")
BOTH_NAMES_EMPTY = "first_name and last_name cannot both be empty"
_ROW = "student"
"""The field named by an error about the row as a whole (e.g. a JSON student that is not an object)."""


class ImportStudentModel(BodyModel):
    """One student of a roster import (a JSON ``students`` item, or a CSV row)."""

    first_name: NamePart
    last_name: NamePart
    legal_full_name: LegalName | None = None
    email: str | None = None
    external_id: ExternalId | None = None


_validate = ImportStudentModel.__pydantic_validator__.validate_python


def check_row(line: int, fields: object) -> ParsedRow:
    """The row numbered ``line`` from its raw fields (a dict of strings, or any JSON value)."""
    errors: list[FieldError] = []
    try:
        row: ImportStudentModel = _validate(fields)
    except ValidationError as error:
        return InvalidRow(line, tuple(_field_errors(error, fields)))
    email = row.email
    if email is not None:
        try:
            email = normalized_email(email)
        except EmailError as error:
            errors.append(FieldError("email", error.message))
    if not (row.first_name or row.last_name):
        errors.append(FieldError("first_name", BOTH_NAMES_EMPTY))
    if errors:
        return InvalidRow(line, tuple(errors))
    return ImportRow(line, row.first_name, row.last_name, row.legal_full_name, email, row.external_id)


def _field_errors(error: ValidationError, fields: object) -> list[FieldError]:
    """Pydantic's errors (without the input: it may hold personal data), plus the email's.

    Pydantic stops at nothing but reports each field once; an email that is a string is checked
    too, so a row lists every problem in one answer.
    """
    found = [
        FieldError(".".join(str(part) for part in item["loc"]) or _ROW, item["msg"])
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    ]
    failed = {found_error.field for found_error in found}
    email = fields.get("email") if isinstance(fields, dict) else None
    if "email" not in failed and isinstance(email, str):
        try:
            normalized_email(email)
        except EmailError as email_error:
            found.append(FieldError("email", email_error.message))
    return found
