"""What other services call under /internal/v1 (internal key and ``X-Service-ID`` required, see
``request_context.authenticate_request``): batch→class lookups, decided students, progress."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, current_app
from quart_dishka import inject
from quart_schema import document_response

from class_management_service.api import association_presenters as presenters
from class_management_service.api.association_schemas import (
    BatchIdsQuery,
    ClassInfoMapModel,
    EssayLookupModel,
    StudentNamesModel,
    ValidationStatusMapModel,
)
from class_management_service.api.errors import RequestValidationError
from class_management_service.api.presenters import json_reply
from class_management_service.api.request_context import MAX_EXTERNAL_ID_LENGTH, parse_external_id
from class_management_service.api.schemas import ErrorModel
from class_management_service.api.validation import query_args
from class_management_service.services.association_service import AssociationService

internal_bp = Blueprint("internal", __name__, url_prefix="/internal/v1")


def _batch_ids(query: BatchIdsQuery) -> list[str]:
    """The comma-separated ids, each once, in the caller's order; blanks are skipped."""
    ids = list(dict.fromkeys(part.strip() for part in query.batch_ids.split(",") if part.strip()))
    limit: int = current_app.config["INTERNAL_MAX_BATCH_IDS"]
    if len(ids) > limit:
        raise RequestValidationError(
            f"batch_ids takes at most {limit} ids, got {len(ids)}",
            [{"loc": ["query", "batch_ids"], "msg": f"at most {limit} ids", "type": "too_long"}],
        )
    bad = [i for i in ids if len(i) > MAX_EXTERNAL_ID_LENGTH or "\x00" in i]
    if bad:
        raise RequestValidationError(
            f"each batch id must be 1-{MAX_EXTERNAL_ID_LENGTH} characters without NUL",
            [{"loc": ["query", "batch_ids"], "msg": "invalid id", "type": "value_error"}],
        )
    return ids


@internal_bp.get("/batches/class-info")
@query_args(BatchIdsQuery)
@document_response(ClassInfoMapModel, 200)
@document_response(ErrorModel, 400)
@document_response(ErrorModel, 401)
@inject
async def batch_class_info(query: BatchIdsQuery, service: FromDishka[AssociationService]) -> Response:
    """The teacher dashboard's lookup: each batch's class, or null when nothing is known of it."""
    ids = _batch_ids(query)
    found = await service.class_info(ids) if ids else {}
    return json_reply(presenters.class_info_body(found), 200)


@internal_bp.get("/batches/validation-status")
@query_args(BatchIdsQuery)
@document_response(ValidationStatusMapModel, 200)
@document_response(ErrorModel, 400)
@document_response(ErrorModel, 401)
@inject
async def batch_validation_status(query: BatchIdsQuery, service: FromDishka[AssociationService]) -> Response:
    """Each batch's progress (counts, methods, deviations, deadline), or null when it is unknown."""
    ids = _batch_ids(query)
    found = await service.validation_status(ids) if ids else {}
    return json_reply(presenters.validation_status_body(found), 200)


@internal_bp.get("/batches/<batch_id>/student-names")
@document_response(StudentNamesModel, 200)
@document_response(ErrorModel, 401)
@document_response(ErrorModel, 404)
@inject
async def batch_student_names(batch_id: str, service: FromDishka[AssociationService]) -> Response:
    """Every essay of the batch with its decided student's names (null while undecided)."""
    review = await service.batch_review(parse_external_id(batch_id, "batch_id"))
    return json_reply(presenters.student_names_body(review), 200)


@internal_bp.get("/associations/essay/<essay_id>")
@document_response(EssayLookupModel, 200)
@document_response(ErrorModel, 401)
@document_response(ErrorModel, 404)
@inject
async def essay_association(essay_id: str, service: FromDishka[AssociationService]) -> Response:
    """One essay's association and decided student."""
    essay = await service.essay(parse_external_id(essay_id, "essay_id"))
    return json_reply(presenters.essay_body(essay), 200)
