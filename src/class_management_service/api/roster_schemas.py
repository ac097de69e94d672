"""The HTTP contract of class-side enrolment: request bodies, the response, and its presenter."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from class_management_service.api.presenters import Body
from class_management_service.api.request_models import BodyModel
from class_management_service.domain.roster import MAX_ROSTER_STUDENTS, RosterOutcome

StudentIds = Annotated[list[UUID], Field(min_length=1, max_length=MAX_ROSTER_STUDENTS)]


class RosterStudentsRequest(BodyModel):
    """Body of POST and DELETE /v1/classes/<id>/students: 1 to 1,000 of the teacher's students.

    A repeated id counts once.
    """

    student_ids: StudentIds


class MoveStudentsRequest(BodyModel):
    """Body of POST /v1/classes/<id>/students/move: the students and the class they move to."""

    student_ids: StudentIds
    to_class_id: UUID


class RosterChangeModel(BaseModel):
    """What a roster change did, each list in request order (repeats dropped).

    ``changed_student_ids`` got a new ``updated_at`` and a ``StudentUpdatedV1`` event;
    ``unchanged_student_ids`` were already as asked (in the class for an add, not in it for a
    remove, in the target and not in the source for a move) and got neither.
    """

    class_id: UUID
    to_class_id: UUID | None
    changed_student_ids: list[UUID]
    unchanged_student_ids: list[UUID]


def roster_change_body(outcome: RosterOutcome) -> Body:
    change = outcome.change
    return {
        "class_id": str(change.class_id),
        "to_class_id": None if change.to_class_id is None else str(change.to_class_id),
        "changed_student_ids": [str(i) for i in outcome.changed_student_ids],
        "unchanged_student_ids": [str(i) for i in outcome.unchanged_student_ids],
    }
