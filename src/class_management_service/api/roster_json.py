"""A roster JSON body to parsed rows and options.

The top level is strict like every body (an unknown key or a wrong type is a 400); each item
of ``students`` is checked on its own, so a bad student is that row ``invalid`` with every
error, never a 400 for the whole file.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from class_management_service.api.import_row_checks import ImportStudentModel, check_row
from class_management_service.api.request_models import BodyModel
from class_management_service.api.roster_csv import ROW_LIMIT_NAME
from class_management_service.api.schemas import ClassIds
from class_management_service.api.validation import validated_json
from class_management_service.domain.import_errors import UploadTooLargeError
from class_management_service.domain.import_rows import ImportMode, ParsedRow

_STUDENTS_DESCRIPTION = (
    "The rows, in order (a row's number is its 1-based position); at most IMPORT_MAX_ROWS."
    " Each student is checked on its own: a bad one is that row `invalid`, with every error."
)


class ImportOptionsModel(BodyModel):
    """How an import applies its rows; in a JSON body, or as query parameters beside a CSV body."""

    class_ids: ClassIds | None = Field(
        default=None, description="Classes every created or updated student joins"
    )
    mode: ImportMode = Field(
        default=ImportMode.CREATE_ONLY,
        description=(
            "`create_only`: existing students are `skipped`; `upsert`: they are updated;"
            " `update_only`: unknown students are `skipped`"
        ),
    )
    dry_run: bool = Field(default=False, description="Answer exactly as a real run would, and write nothing")
    atomic: bool = Field(
        default=False, description="Write nothing when any row is invalid (a 400 listing them)"
    )


class RosterImportRequest(ImportOptionsModel):
    """Body of POST /v1/classes/students/import as JSON: the students and the import's options."""

    # Any item is taken (a bad one is that row's errors, not a 400): the document says so too.
    students: Annotated[list[ImportStudentModel | Any], Field(description=_STUDENTS_DESCRIPTION)]


class _RosterImportBody(ImportOptionsModel):
    """What is validated up front: the items of ``students`` are checked one by one afterwards."""

    students: list[Any]


def parse_json(body: bytes, max_rows: int) -> tuple[list[ParsedRow], ImportOptionsModel]:
    """The rows and the options; RequestValidationError for a body that is not the documented
    object, UploadTooLargeError past ``max_rows``."""
    data = validated_json(_RosterImportBody, body)
    if len(data.students) > max_rows:
        raise UploadTooLargeError(ROW_LIMIT_NAME, max_rows)
    rows = [check_row(number, student) for number, student in enumerate(data.students, start=1)]
    return rows, data
