"""Teacher review of NLP's essay→student suggestions under /v1/batches: thin adapters to the service."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response
from quart_dishka import inject
from quart_schema import document_response

from class_management_service.api import association_presenters as presenters
from class_management_service.api.association_schemas import (
    BatchReviewModel,
    ConfirmRequest,
    ConfirmResultModel,
)
from class_management_service.api.idempotency import idempotent, idempotent_write
from class_management_service.api.presenters import Body, json_reply
from class_management_service.api.request_context import current_actor, parse_external_id
from class_management_service.api.schemas import ErrorModel
from class_management_service.api.validation import json_body
from class_management_service.domain.association_decisions import Decision, DecisionOutcome
from class_management_service.services.association_service import AssociationService

batch_bp = Blueprint("batches", __name__, url_prefix="/v1/batches")


@batch_bp.get("/<batch_id>/student-associations")
@document_response(BatchReviewModel, 200)
@document_response(ErrorModel, 404)
@inject
async def get_student_associations(batch_id: str, service: FromDishka[AssociationService]) -> Response:
    """The batch's essays, candidates and decisions; another teacher's batch is a 404."""
    review = await service.review(current_actor(), parse_external_id(batch_id, "batch_id"))
    return json_reply(presenters.review_body(review), 200)


@batch_bp.post("/<batch_id>/student-associations/confirm")
@json_body(ConfirmRequest)
@idempotent
@document_response(ConfirmResultModel, 200)
@document_response(ErrorModel, 400)
@document_response(ErrorModel, 404)
@document_response(ErrorModel, 409)
@inject
async def confirm_student_associations(
    data: ConfirmRequest, batch_id: str, service: FromDishka[AssociationService]
) -> Response:
    """Decides essays as the ``X-User-ID`` teacher; repeating a decision changes nothing."""
    decisions = [
        Decision(d.essay_id, d.student_id if d.confirmed else None, d.confirmed) for d in data.associations
    ]
    outcomes = {d.essay_id: d.confirmed for d in decisions}
    confirmed = sum(1 for is_confirmed in outcomes.values() if is_confirmed)

    def body(outcome: DecisionOutcome) -> Body:
        return presenters.confirm_body(outcome, confirmed, len(outcomes) - confirmed)

    key = idempotent_write(body, 200)
    outcome = await service.confirm(
        current_actor(), parse_external_id(batch_id, "batch_id"), decisions, key=key
    )
    return json_reply(body(outcome), 200)
