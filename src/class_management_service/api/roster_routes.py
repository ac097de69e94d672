"""Class-side enrolment under /v1/classes/<id>/students: thin adapters to ``ClassRosterService``.

Every id must be the teacher's: one unknown or foreign class or student is a 404 naming all of
them (``details.class_ids``, ``details.student_ids``) and nothing is written.
"""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response
from quart_dishka import inject
from quart_schema import document_response

from class_management_service.api.idempotency import idempotent, idempotent_write
from class_management_service.api.presenters import json_reply
from class_management_service.api.request_context import current_actor, parse_uuid
from class_management_service.api.roster_schemas import (
    MoveStudentsRequest,
    RosterChangeModel,
    RosterStudentsRequest,
    roster_change_body,
)
from class_management_service.api.schemas import ErrorModel
from class_management_service.api.validation import json_body
from class_management_service.domain.roster import RosterAction
from class_management_service.services.roster_service import ClassRosterService

roster_bp = Blueprint("class_roster", __name__, url_prefix="/v1/classes")


@roster_bp.post("/<class_id:class_id>/students")
@json_body(RosterStudentsRequest)
@idempotent
@document_response(RosterChangeModel, 200)
@document_response(ErrorModel, 404)
@inject
async def add_students(
    data: RosterStudentsRequest, class_id: str, service: FromDishka[ClassRosterService]
) -> Response:
    """Adds the students to the class; one already in it is unchanged (no event, same `updated_at`).

    1 to 1,000 ids, a repeat counts once. Any unknown or another teacher's id, class or student,
    is a 404 naming all of them (`details.class_ids`, `details.student_ids`); nothing is written.
    """
    return await _change(service, RosterAction.ADD, class_id, data)


@roster_bp.delete("/<class_id:class_id>/students")
@json_body(RosterStudentsRequest)
@document_response(RosterChangeModel, 200)
@document_response(ErrorModel, 404)
@inject
async def remove_students(
    data: RosterStudentsRequest, class_id: str, service: FromDishka[ClassRosterService]
) -> Response:
    """Removes the students from the class; one not in it is unchanged (no event, same `updated_at`).

    1 to 1,000 ids, a repeat counts once; a 404 names every unknown or foreign id, as for adding.
    """
    return await _change(service, RosterAction.REMOVE, class_id, data)


@roster_bp.post("/<class_id:class_id>/students/move")
@json_body(MoveStudentsRequest)
@idempotent
@document_response(RosterChangeModel, 200)
@document_response(ErrorModel, 404)
@inject
async def move_students(
    data: MoveStudentsRequest, class_id: str, service: FromDishka[ClassRosterService]
) -> Response:
    """Moves the students into `to_class_id` and out of the class, in one transaction.

    A move means "in the target, not in the source": a student not in the source class is
    simply added to the target, and one already there and not in the source is unchanged, so a
    repeated move changes nothing. Each changed student gets the `StudentUpdatedV1` a student PUT
    with `add_class_ids=[to_class_id]`, `remove_class_ids=[class_id]` would send (and, for the
    join, the `student_added_to_class` notification). A target equal to the class is a 400; a
    404 names every unknown or foreign id, both classes included.
    """
    return await _change(service, RosterAction.MOVE, class_id, data)


async def _change(
    service: ClassRosterService,
    action: RosterAction,
    class_id: str,
    data: RosterStudentsRequest | MoveStudentsRequest,
) -> Response:
    to_class_id = data.to_class_id if isinstance(data, MoveStudentsRequest) else None
    outcome = await service.change_roster(
        current_actor(),
        action,
        parse_uuid(class_id, "class_id"),
        data.student_ids,
        to_class_id,
        key=idempotent_write(roster_change_body, 200),
    )
    return json_reply(roster_change_body(outcome), 200)
