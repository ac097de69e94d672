"""POST /v1/classes/students/import: a roster (CSV or JSON) imported in one decided transaction."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response
from quart_dishka import inject
from quart_schema import document_response

from class_management_service.api.idempotency import idempotent, idempotent_write
from class_management_service.api.import_presenter import import_body
from class_management_service.api.import_schemas import ImportResultModel
from class_management_service.api.presenters import json_reply
from class_management_service.api.request_context import current_actor
from class_management_service.api.roster_upload import roster_upload
from class_management_service.api.schemas import ErrorModel
from class_management_service.domain.import_rows import RosterUpload
from class_management_service.services.roster_import_service import RosterImportService

STUDENTS_PREFIX = "/v1/classes/students"
IMPORT_PATH = f"{STUDENTS_PREFIX}/import"

import_bp = Blueprint("student_import", __name__, url_prefix=STUDENTS_PREFIX)


@import_bp.post("/import")
@roster_upload
@idempotent
@document_response(ImportResultModel, 200)
@document_response(ErrorModel, 404)
@inject
async def import_students(upload: RosterUpload, service: FromDishka[RosterImportService]) -> Response:
    """Students from a CSV (`text/csv`, options as query parameters) or JSON body.

    A row names an existing student by `external_id`, else by email (case-insensitive). Every row
    gets a result in input order; invalid rows are listed with every error, and the valid ones are
    written unless `atomic` (then an invalid row is a 400 `IMPORT_REJECTED` listing them, and
    nothing is written). A dry run answers exactly as the real run would and writes nothing.
    The CSV is UTF-8 (a byte-order mark is allowed), comma- or semicolon-separated, with a header
    naming the columns case-insensitively: `first_name` (or `givenName`), `last_name` (or
    `familyName`), and optionally `legal_full_name`, `email`, `external_id` (or `sourcedId`).
    Blank lines and empty optional cells are skipped. With JSON, an option may be given in the
    body or in the query, not in both (400). Beyond IMPORT_MAX_ROWS rows or
    IMPORT_MAX_BYTES bytes: 413 naming the limit.
    """
    key = idempotent_write(import_body, 200)
    plan = await service.import_students(current_actor(), upload, key=key)
    return json_reply(import_body(plan), 200)
