"""Event builders: each outcome becomes one outbox event whose envelope matches DESIGN §5."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from class_management_service.domain import event_builders
from class_management_service.domain.events import (
    ClassCreatedV1,
    ClassDeletedV1,
    ClassUpdatedV1,
    EventEnvelope,
    OutboxEvent,
    StudentCreatedV1,
    StudentDeletedV1,
    StudentUpdatedV1,
)
from class_management_service.domain.models import (
    Actor,
    Course,
    DeletedClass,
    DeletedStudent,
    SchoolClass,
    Student,
    StudentUpdate,
)

OWNER = "teacher-1"
ACTOR = Actor(OWNER, uuid.UUID("11111111-1111-4111-8111-111111111111"))
CREATED_AT = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
UPDATED_AT = datetime(2025, 3, 5, 8, 0, 0, 654321, tzinfo=UTC)
DELETED_AT = datetime(2025, 3, 6, 9, 30, 0, 1, tzinfo=UTC)
CLASS_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")
STUDENT_ID = uuid.UUID("33333333-3333-4333-8333-333333333333")
OTHER_CLASS_ID = uuid.UUID("44444444-4444-4444-8444-444444444444")
OTHER_STUDENT_ID = uuid.UUID("55555555-5555-4555-8555-555555555555")

SCHOOL_CLASS = SchoolClass(
    CLASS_ID, "9A English", Course("ENG5", "English 5", "en"), 2, OWNER, CREATED_AT, UPDATED_AT
)
STUDENT = Student(
    STUDENT_ID,
    "Ada",
    "Lovelace",
    "Augusta Ada King",
    "ada@example.com",
    (CLASS_ID, OTHER_CLASS_ID),
    OWNER,
    CREATED_AT,
    UPDATED_AT,
)


def _envelope(event: OutboxEvent, topic: str, at: datetime, aggregate_id: uuid.UUID) -> EventEnvelope:
    """Parses the stored JSON and checks what every event shares: routing, ids, times, source."""
    envelope = EventEnvelope.model_validate_json(event.envelope_json)
    assert (event.topic, event.user_id, event.occurred_at) == (topic, OWNER, at)
    assert (event.aggregate_id, event.key) == (aggregate_id, str(aggregate_id))
    assert envelope.event_id == event.event_id
    assert envelope.event_type == topic
    assert envelope.event_timestamp == at
    assert envelope.source_service == "class_management_service"
    assert envelope.schema_version == 1
    assert envelope.correlation_id == ACTOR.correlation_id == event.correlation_id
    return envelope


def _without_timestamp(data: dict[str, Any], at: datetime) -> dict[str, Any]:
    payload = dict(data)
    assert datetime.fromisoformat(payload.pop("timestamp")) == at
    return payload


def test_class_created_announces_the_class_at_its_creation_time() -> None:
    event = event_builders.class_created(SCHOOL_CLASS, ACTOR)

    envelope = _envelope(event, "huleedu.class.created.v1", CREATED_AT, CLASS_ID)
    assert event.aggregate_type == "class"
    assert event.notification == "class_created"
    assert envelope.metadata == {"aggregate_type": "class", "aggregate_id": str(CLASS_ID)}
    assert _without_timestamp(envelope.data, CREATED_AT) == {
        "event": "class.created",
        "class_id": str(CLASS_ID),
        "class_designation": "9A English",
        "course_codes": ["ENG5"],
        "user_id": OWNER,
        "correlation_id": str(ACTOR.correlation_id),
    }
    assert ClassCreatedV1.model_validate(envelope.data).timestamp == CREATED_AT


def test_class_updated_is_a_snapshot_at_the_update_time() -> None:
    event = event_builders.class_updated(SCHOOL_CLASS, ACTOR)

    envelope = _envelope(event, "huleedu.class.updated.v1", UPDATED_AT, CLASS_ID)
    assert event.notification == "class_updated"
    assert _without_timestamp(envelope.data, UPDATED_AT) == {
        "event": "class.updated",
        "class_id": str(CLASS_ID),
        "class_designation": "9A English",
        "course_codes": ["ENG5"],
        "user_id": OWNER,
        "correlation_id": str(ACTOR.correlation_id),
    }
    assert ClassUpdatedV1.model_validate(envelope.data).event == "class.updated"


def test_class_deleted_is_a_tombstone_naming_the_removed_students() -> None:
    deleted = DeletedClass(SCHOOL_CLASS, (STUDENT_ID, OTHER_STUDENT_ID))

    event = event_builders.class_deleted(deleted, ACTOR, DELETED_AT)

    envelope = _envelope(event, "huleedu.class.deleted.v1", DELETED_AT, CLASS_ID)
    assert event.notification == "class_deleted"
    assert _without_timestamp(envelope.data, DELETED_AT) == {
        "event": "class.deleted",
        "class_id": str(CLASS_ID),
        "user_id": OWNER,
        "removed_student_ids": [str(STUDENT_ID), str(OTHER_STUDENT_ID)],
        "correlation_id": str(ACTOR.correlation_id),
    }
    assert ClassDeletedV1.model_validate(envelope.data).class_id == str(CLASS_ID)


def test_student_created_lists_the_classes_the_student_joined() -> None:
    event = event_builders.student_created(STUDENT, ACTOR)

    envelope = _envelope(event, "huleedu.class.student.created.v1", CREATED_AT, STUDENT_ID)
    assert event.aggregate_type == "student"
    assert event.notification == "student_created"
    assert envelope.metadata == {"aggregate_type": "student", "aggregate_id": str(STUDENT_ID)}
    assert _without_timestamp(envelope.data, CREATED_AT) == {
        "event": "student.created",
        "student_id": str(STUDENT_ID),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "student_email": "ada@example.com",
        "external_id": None,
        "class_ids": [str(CLASS_ID), str(OTHER_CLASS_ID)],
        "created_by_user_id": OWNER,
        "correlation_id": str(ACTOR.correlation_id),
    }
    assert StudentCreatedV1.model_validate(envelope.data).student_id == str(STUDENT_ID)


def test_student_updated_lists_only_the_memberships_that_changed() -> None:
    update = StudentUpdate(STUDENT, added_class_ids=(OTHER_CLASS_ID,), removed_class_ids=())

    event = event_builders.student_updated(update, ACTOR)

    envelope = _envelope(event, "huleedu.class.student.updated.v1", UPDATED_AT, STUDENT_ID)
    assert event.notification == "student_updated"
    assert _without_timestamp(envelope.data, UPDATED_AT) == {
        "event": "student.updated",
        "student_id": str(STUDENT_ID),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "student_email": "ada@example.com",
        "external_id": None,
        "add_class_ids": [str(OTHER_CLASS_ID)],
        "remove_class_ids": [],
        "updated_by_user_id": OWNER,
        "correlation_id": str(ACTOR.correlation_id),
    }
    assert StudentUpdatedV1.model_validate(envelope.data).add_class_ids == [str(OTHER_CLASS_ID)]


def test_student_updated_names_the_actor_as_updater() -> None:
    other = Actor("teacher-2", ACTOR.correlation_id)

    event = event_builders.student_updated(StudentUpdate(STUDENT, (), (CLASS_ID,)), other)

    data = EventEnvelope.model_validate_json(event.envelope_json).data
    assert (data["updated_by_user_id"], event.user_id) == ("teacher-2", OWNER)
    assert data["remove_class_ids"] == [str(CLASS_ID)]


def test_student_deleted_is_a_tombstone_naming_the_memberships_it_had() -> None:
    event = event_builders.student_deleted(DeletedStudent(STUDENT), ACTOR, DELETED_AT)

    envelope = _envelope(event, "huleedu.class.student.deleted.v1", DELETED_AT, STUDENT_ID)
    assert event.notification == "student_deleted"
    assert _without_timestamp(envelope.data, DELETED_AT) == {
        "event": "student.deleted",
        "student_id": str(STUDENT_ID),
        "created_by_user_id": OWNER,
        "removed_class_ids": [str(CLASS_ID), str(OTHER_CLASS_ID)],
        "correlation_id": str(ACTOR.correlation_id),
    }
    assert StudentDeletedV1.model_validate(envelope.data).removed_class_ids == [
        str(CLASS_ID),
        str(OTHER_CLASS_ID),
    ]


def test_student_without_email_is_announced_with_a_null_email() -> None:
    event = event_builders.student_created(replace(STUDENT, email=None), ACTOR)

    assert EventEnvelope.model_validate_json(event.envelope_json).data["student_email"] is None


def test_each_event_gets_its_own_event_id() -> None:
    first = event_builders.class_created(SCHOOL_CLASS, ACTOR)
    second = event_builders.class_created(SCHOOL_CLASS, ACTOR)

    assert first.event_id != second.event_id


def test_the_stored_envelope_is_stable_json_built_once() -> None:
    event = event_builders.class_created(SCHOOL_CLASS, ACTOR)

    envelope = EventEnvelope.model_validate_json(event.envelope_json)

    assert envelope.model_dump_json() == event.envelope_json
