"""Turn the outcome of a write into the outbox events that announce it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple, TypeVar
from uuid import UUID, uuid4

from class_management_service.domain import events as ev
from class_management_service.domain.models import (
    Actor,
    DeletedClass,
    DeletedStudent,
    SchoolClass,
    Student,
    StudentUpdate,
)


def _ids(ids: tuple[UUID, ...]) -> list[str]:
    return [str(i) for i in ids]


_Snapshot = TypeVar("_Snapshot", bound=ev.ClassSnapshotV1)


class _Aggregate(NamedTuple):
    """The entity an event is about: its kind, id (the Kafka key) and owning teacher."""

    type: Literal["class", "student"]
    id: UUID
    owner: str


def _of_class(school_class: SchoolClass) -> _Aggregate:
    return _Aggregate("class", school_class.id, school_class.created_by_user_id)


def _of_student(student: Student) -> _Aggregate:
    return _Aggregate("student", student.id, student.created_by_user_id)


def _outbox_event(
    topic: str, data: ev.EventData, aggregate: _Aggregate, actor: Actor, occurred_at: datetime
) -> ev.OutboxEvent:
    event_id = uuid4()
    envelope = ev.EventEnvelope(
        event_id=event_id,
        event_type=topic,
        event_timestamp=occurred_at,
        correlation_id=actor.correlation_id,
        data=data.model_dump(mode="json"),
        metadata={"aggregate_type": aggregate.type, "aggregate_id": str(aggregate.id)},
    )
    return ev.OutboxEvent(
        event_id=event_id,
        topic=topic,
        aggregate_type=aggregate.type,
        aggregate_id=aggregate.id,
        user_id=aggregate.owner,
        correlation_id=actor.correlation_id,
        occurred_at=occurred_at,
        envelope_json=envelope.model_dump_json(),
    )


def _class_snapshot(
    kind: type[_Snapshot], school_class: SchoolClass, actor: Actor, at: datetime
) -> _Snapshot:
    return kind(
        class_id=str(school_class.id),
        class_designation=school_class.name,
        course_codes=[school_class.course.code],
        user_id=actor.user_id,
        correlation_id=str(actor.correlation_id),
        timestamp=at,
    )


def class_created(school_class: SchoolClass, actor: Actor) -> ev.OutboxEvent:
    at = school_class.created_at
    data = _class_snapshot(ev.ClassCreatedV1, school_class, actor, at)
    return _outbox_event(ev.CLASS_CREATED_TOPIC, data, _of_class(school_class), actor, at)


def class_updated(school_class: SchoolClass, actor: Actor) -> ev.OutboxEvent:
    at = school_class.updated_at
    data = _class_snapshot(ev.ClassUpdatedV1, school_class, actor, at)
    return _outbox_event(ev.CLASS_UPDATED_TOPIC, data, _of_class(school_class), actor, at)


def class_deleted(deleted: DeletedClass, actor: Actor, at: datetime) -> ev.OutboxEvent:
    school_class = deleted.school_class
    data = ev.ClassDeletedV1(
        class_id=str(school_class.id),
        user_id=school_class.created_by_user_id,
        removed_student_ids=_ids(deleted.removed_student_ids),
        correlation_id=str(actor.correlation_id),
        timestamp=at,
    )
    return _outbox_event(ev.CLASS_DELETED_TOPIC, data, _of_class(school_class), actor, at)


def student_created(student: Student, actor: Actor) -> ev.OutboxEvent:
    at = student.created_at
    data = ev.StudentCreatedV1(
        student_id=str(student.id),
        first_name=student.first_name,
        last_name=student.last_name,
        student_email=student.email,
        external_id=student.external_id,
        class_ids=_ids(student.class_ids),
        created_by_user_id=student.created_by_user_id,
        correlation_id=str(actor.correlation_id),
        timestamp=at,
    )
    return _outbox_event(ev.STUDENT_CREATED_TOPIC, data, _of_student(student), actor, at)


def student_updated(update: StudentUpdate, actor: Actor) -> ev.OutboxEvent:
    student = update.student
    at = student.updated_at
    data = ev.StudentUpdatedV1(
        student_id=str(student.id),
        first_name=student.first_name,
        last_name=student.last_name,
        student_email=student.email,
        external_id=student.external_id,
        add_class_ids=_ids(update.added_class_ids),
        remove_class_ids=_ids(update.removed_class_ids),
        updated_by_user_id=actor.user_id,
        correlation_id=str(actor.correlation_id),
        timestamp=at,
    )
    return _outbox_event(ev.STUDENT_UPDATED_TOPIC, data, _of_student(student), actor, at)


def student_deleted(deleted: DeletedStudent, actor: Actor, at: datetime) -> ev.OutboxEvent:
    student = deleted.student
    data = ev.StudentDeletedV1(
        student_id=str(student.id),
        created_by_user_id=student.created_by_user_id,
        removed_class_ids=_ids(student.class_ids),
        correlation_id=str(actor.correlation_id),
        timestamp=at,
    )
    return _outbox_event(ev.STUDENT_DELETED_TOPIC, data, _of_student(student), actor, at)
