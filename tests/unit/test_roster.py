"""domain.roster: each student judged as a PUT would judge them; every missing id named at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from class_management_service.domain.models import Student
from class_management_service.domain.roster import (
    EnrolledStudent,
    RosterAction,
    RosterChange,
    roster_plan,
)
from class_management_service.domain.roster_errors import RosterTargetsNotFoundError, SameClassMoveError

AT = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)
EARLIER = AT - timedelta(days=1)


def _enrolled(*class_ids: UUID) -> EnrolledStudent:
    student = Student(uuid.uuid4(), "Ann", "Lee", "Ann Lee", None, class_ids, "t1", EARLIER, EARLIER)
    return EnrolledStudent(student, dict.fromkeys(class_ids, EARLIER))


def test_repeated_student_ids_count_once_in_first_seen_order() -> None:
    first, second, class_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    change = RosterChange.of("t1", RosterAction.ADD, class_id, [second, first, second], AT)

    assert change.student_ids == (second, first)


def test_a_move_to_the_class_it_leaves_is_refused() -> None:
    class_id = uuid.uuid4()
    with pytest.raises(SameClassMoveError):
        RosterChange.of("t1", RosterAction.MOVE, class_id, [uuid.uuid4()], AT, class_id)


def test_missing_classes_and_students_are_named_together_in_request_order() -> None:
    source, target = uuid.uuid4(), uuid.uuid4()
    known = _enrolled(source)
    unknown_a, unknown_b = uuid.uuid4(), uuid.uuid4()
    student_ids = [unknown_b, known.student.id, unknown_a]
    change = RosterChange.of("t1", RosterAction.MOVE, source, student_ids, AT, target)

    with pytest.raises(RosterTargetsNotFoundError) as raised:
        roster_plan(change, {source}, {known.student.id: known})

    assert raised.value.code == "CLASS_NOT_FOUND"
    assert raised.value.details == {
        "class_ids": [str(target)],
        "student_ids": [str(unknown_b), str(unknown_a)],
    }


def test_a_move_adds_to_the_target_and_removes_from_the_source_only_where_that_changes_something() -> None:
    source, target, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    mover, outsider, arrived = _enrolled(other, source), _enrolled(), _enrolled(target)
    found = {s.student.id: s for s in (mover, outsider, arrived)}
    change = RosterChange.of("t1", RosterAction.MOVE, source, list(found), AT, target)

    plan = roster_plan(change, {source, target}, found)

    updates = {u.student.id: (u.added_class_ids, u.removed_class_ids) for u in plan.outcome.updates}
    assert updates == {mover.student.id: ((target,), (source,)), outsider.student.id: ((target,), ())}
    assert plan.outcome.unchanged_student_ids == (arrived.student.id,)
    assert plan.outcome.updates[0].student.class_ids == (other, target)
    assert {u.student.updated_at for u in plan.outcome.updates} == {AT}
