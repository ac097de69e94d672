"""Matching's outbox events, checked field by field against phase1-contracts.md."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from class_management_service.domain import association_event_builders as builders
from class_management_service.domain import class_notifications
from class_management_service.domain.association_decisions import (
    CompletedBatch,
    DecisionOutcome,
    IngestOutcome,
)
from class_management_service.domain.association_events import (
    StudentAssociationsConfirmedV1,
    TeacherNotificationRequestedV1,
)
from class_management_service.domain.associations import CONFIRMED, REJECTED, EssayAssociation
from class_management_service.domain.events import EventEnvelope, OutboxEvent
from class_management_service.domain.models import Actor, Course, SchoolClass, Student
from tests.unit.association_samples import (
    ADA,
    BATCH_ID,
    BOB,
    CLASS_ID,
    CORRELATION_ID,
    DEADLINE,
    DECIDED_AT,
    OWNER,
    RECEIVED_AT,
    essay,
    review,
    suggestion,
)

CONFIRMED_TOPIC = "huleedu.class.student.associations.confirmed.v1"
NOTIFICATION_TOPIC = "huleedu.notification.teacher.requested.v1"
PLACEHOLDER_ID = uuid.UUID("88888888-8888-4888-8888-888888888888")
ACTOR = Actor(OWNER, uuid.UUID("11111111-1111-4111-8111-111111111111"))
CREATED_AT = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
SCHOOL_CLASS = SchoolClass(
    CLASS_ID, "9A English", Course("ENG5", "English 5", "en"), 2, OWNER, CREATED_AT, CREATED_AT
)


def _envelope(
    event: OutboxEvent, topic: str, at: datetime, key: str, correlation_id: uuid.UUID
) -> dict[str, Any]:
    """Checks routing and envelope; returns ``data`` as JSON (what the wire carries)."""
    envelope = EventEnvelope.model_validate_json(event.envelope_json)
    assert (event.topic, event.user_id, event.occurred_at, event.key) == (topic, OWNER, at, key)
    assert envelope.event_id == event.event_id
    assert envelope.event_type == topic
    assert envelope.event_timestamp == at
    assert envelope.source_service == "class_management_service"
    assert envelope.schema_version == 1
    assert envelope.data_schema_uri is None
    assert envelope.correlation_id == correlation_id == event.correlation_id
    return envelope.data


def _decided(
    item: EssayAssociation, student_id: uuid.UUID | None, method: str, **fields: Any
) -> EssayAssociation:
    status = CONFIRMED if student_id is not None else REJECTED
    chosen = next((s.confidence_score for s in item.suggestions if s.student_id == student_id), None)
    return replace(
        item,
        status=status,
        student_id=student_id,
        confidence_score=chosen,
        validation_method=method,  # type: ignore[arg-type]
        validated_by=OWNER if method == "human" else None,
        validated_at=DECIDED_AT,
        **fields,
    )


E1 = essay("e1", 0, suggestion(ADA, 0.93, "exact_name"), suggestion(BOB, 0.4, "partial"))
E2 = essay("e2", 1, suggestion(BOB, 0.81))
E3 = essay("e3", 2)


def _human_completed() -> CompletedBatch:
    essays = [_decided(E1, ADA, "human"), _decided(E2, None, "human"), _decided(E3, BOB, "human")]
    return CompletedBatch(review(essays, completed_at=DECIDED_AT), timeout_triggered=False)


def test_suggestions_ready_asks_the_owner_to_review_before_the_deadline() -> None:
    outcome = IngestOutcome(BATCH_ID, False, True, 3, 0, 1, review([E1, E2, E3]))

    [event] = builders.suggestions_ready(outcome)

    data = _envelope(event, NOTIFICATION_TOPIC, RECEIVED_AT, BATCH_ID, CORRELATION_ID)
    assert event.aggregate_type == "batch"
    assert event.notification is None  # the platform's WebSocket service forwards it, not us
    payload = data.pop("payload")
    assert data == {
        "teacher_id": OWNER,
        "notification_type": "student_matching_review_required",
        "category": "student_workflow",
        "priority": "high",
        "action_required": True,
        "deadline_timestamp": DEADLINE.isoformat().replace("+00:00", "Z"),
        "correlation_id": str(CORRELATION_ID),
        "batch_id": BATCH_ID,
        "class_id": str(CLASS_ID),
        "timestamp": RECEIVED_AT.isoformat().replace("+00:00", "Z"),
    }
    assert payload.pop("message")
    assert payload == {
        "batch_id": BATCH_ID,
        "class_id": str(CLASS_ID),
        "class_designation": "9A English",
        "course_code": "ENG5",
        "essay_count": 3,
        "pending_count": 3,
    }
    parsed = TeacherNotificationRequestedV1.model_validate({**data, "payload": payload})
    assert parsed.deadline_timestamp == DEADLINE


@pytest.mark.parametrize(
    "outcome",
    [
        IngestOutcome(BATCH_ID, True, True, 0, 0, 0, None),
        IngestOutcome(BATCH_ID, False, False, 0, 0, 0, None),
        IngestOutcome(BATCH_ID, False, True, 0, 3, 0, review([E1, E2, E3], completed_at=DECIDED_AT)),
    ],
    ids=["replay", "unknown class", "nothing stored"],
)
def test_suggestions_ready_is_silent_when_nothing_was_stored(outcome: IngestOutcome) -> None:
    assert builders.suggestions_ready(outcome) == []


def test_batch_completed_by_the_teacher_confirms_every_essay_once_in_position_order() -> None:
    completed = _human_completed()
    shuffled = replace(completed, review=replace(completed.review, essays=completed.review.essays[::-1]))

    confirmed, notification = builders.batch_completed(shuffled, DECIDED_AT)

    data = _envelope(confirmed, CONFIRMED_TOPIC, DECIDED_AT, BATCH_ID, CORRELATION_ID)
    assert (confirmed.aggregate_type, confirmed.aggregate_id) == ("batch", BATCH_ID)
    at = DECIDED_AT.isoformat().replace("+00:00", "Z")
    assert data == {
        "event_name": "student.associations.confirmed",
        "entity_id": BATCH_ID,
        "entity_type": "batch",
        "parent_id": None,
        "timestamp": at,
        "batch_id": BATCH_ID,
        "class_id": str(CLASS_ID),
        "course_code": "ENG5",
        "associations": [
            {
                "essay_id": "e1",
                "student_id": str(ADA),
                "confidence_score": 0.93,
                "validation_method": "human",
                "validated_by": OWNER,
                "validated_at": at,
            },
            {
                "essay_id": "e2",
                "student_id": None,
                "confidence_score": 0.0,
                "validation_method": "human",
                "validated_by": OWNER,
                "validated_at": at,
            },
            {
                "essay_id": "e3",
                "student_id": str(BOB),
                "confidence_score": 0.0,
                "validation_method": "human",
                "validated_by": OWNER,
                "validated_at": at,
            },
        ],
        "timeout_triggered": False,
        "validation_summary": {
            "total_associations": 3,
            "confirmed": 2,
            "rejected": 1,
            "human": 3,
            "timeout": 0,
            "auto": 0,
        },
    }
    assert StudentAssociationsConfirmedV1.model_validate(data).associations[0].validated_at == DECIDED_AT
    note = _envelope(notification, NOTIFICATION_TOPIC, DECIDED_AT, BATCH_ID, CORRELATION_ID)
    assert {k: note[k] for k in ("teacher_id", "notification_type", "category", "priority")} == {
        "teacher_id": OWNER,
        "notification_type": "student_associations_confirmed",
        "category": "student_workflow",
        "priority": "high",
    }
    assert (note["action_required"], note["deadline_timestamp"]) == (False, None)
    assert (note["batch_id"], note["class_id"], note["correlation_id"]) == (
        BATCH_ID,
        str(CLASS_ID),
        str(CORRELATION_ID),
    )
    assert note["payload"]["total_associations"] == 3
    assert note["payload"]["class_designation"] == "9A English"


def test_batch_completed_defaults_its_time_to_the_batch_completion() -> None:
    events = builders.batch_completed(_human_completed())

    assert [event.occurred_at for event in events] == [DECIDED_AT, DECIDED_AT]


def test_batch_completed_by_timeout_announces_the_new_placeholder_first() -> None:
    placeholder = Student(
        PLACEHOLDER_ID,
        "UNKNOWN",
        "STUDENT",
        "UNKNOWN STUDENT",
        f"unknown.{CLASS_ID}@huleedu.system",
        (CLASS_ID,),
        OWNER,
        DECIDED_AT,
        DECIDED_AT,
    )
    essays = [
        _decided(E1, ADA, "timeout"),
        _decided(E2, BOB, "human"),
        _decided(E3, PLACEHOLDER_ID, "timeout"),
    ]
    completed = CompletedBatch(review(essays, completed_at=DECIDED_AT), True, placeholder)

    created, confirmed, notification = builders.batch_completed(completed, DECIDED_AT)

    assert created.topic == "huleedu.class.student.created.v1"
    assert created.aggregate_id == PLACEHOLDER_ID
    created_data = EventEnvelope.model_validate_json(created.envelope_json)
    assert created_data.correlation_id == CORRELATION_ID
    assert created_data.data["class_ids"] == [str(CLASS_ID)]
    data = _envelope(confirmed, CONFIRMED_TOPIC, DECIDED_AT, BATCH_ID, CORRELATION_ID)
    assert data["timeout_triggered"] is True
    assert [
        (a["student_id"], a["validation_method"], a["validated_by"], a["confidence_score"])
        for a in data["associations"]
    ] == [
        (str(ADA), "timeout", None, 0.93),
        (str(BOB), "human", OWNER, 0.81),
        (str(PLACEHOLDER_ID), "timeout", None, 0.0),
    ]
    assert data["validation_summary"] == {
        "total_associations": 3,
        "confirmed": 3,
        "rejected": 0,
        "human": 1,
        "timeout": 2,
        "auto": 0,
    }
    note = _envelope(notification, NOTIFICATION_TOPIC, DECIDED_AT, BATCH_ID, CORRELATION_ID)
    assert (note["notification_type"], note["category"], note["priority"]) == (
        "validation_timeout_processed",
        "student_workflow",
        "immediate",
    )


def test_batch_completed_refuses_a_batch_with_a_pending_essay() -> None:
    completed = CompletedBatch(review([_decided(E1, ADA, "human"), E2], completed_at=DECIDED_AT), False)

    with pytest.raises(ValueError, match="e2"):
        builders.batch_completed(completed, DECIDED_AT)


def test_decision_events_announce_only_the_completing_decision() -> None:
    completed = _human_completed()

    partial = DecisionOutcome(review([_decided(E1, ADA, "human"), E2, E3]), ("e1",), None)
    completing = DecisionOutcome(completed.review, ("e2", "e3"), completed)

    assert builders.decision_events(partial) == []
    assert [event.topic for event in builders.decision_events(completing)] == [
        CONFIRMED_TOPIC,
        NOTIFICATION_TOPIC,
    ]


def test_completed_batches_events_keep_each_batch_together_at_the_given_time() -> None:
    later = DECIDED_AT + timedelta(hours=1)

    events = builders.completed_batches_events([_human_completed(), _human_completed()], later)

    assert [event.topic for event in events] == [CONFIRMED_TOPIC, NOTIFICATION_TOPIC] * 2
    assert {event.occurred_at for event in events} == {later}


def test_class_created_notification_tells_the_owner() -> None:
    event = class_notifications.class_created_notification(SCHOOL_CLASS, ACTOR)

    data = _envelope(event, NOTIFICATION_TOPIC, CREATED_AT, str(CLASS_ID), ACTOR.correlation_id)
    assert event.aggregate_type == "class"
    assert data["payload"].pop("message")
    assert data == {
        "teacher_id": OWNER,
        "notification_type": "class_created",
        "category": "class_management",
        "priority": "standard",
        "payload": {"class_id": str(CLASS_ID), "class_designation": "9A English", "course_codes": ["ENG5"]},
        "action_required": False,
        "deadline_timestamp": None,
        "correlation_id": str(ACTOR.correlation_id),
        "batch_id": None,
        "class_id": str(CLASS_ID),
        "timestamp": CREATED_AT.isoformat().replace("+00:00", "Z"),
    }


def test_student_added_notification_goes_once_per_own_class() -> None:
    updated_at = CREATED_AT + timedelta(days=1)
    student = Student(
        ADA, "Ada", "Lovelace", "Augusta Ada King", None, (CLASS_ID,), OWNER, CREATED_AT, updated_at
    )
    foreign = replace(SCHOOL_CLASS, id=uuid.uuid4(), created_by_user_id="teacher-2")
    second = replace(SCHOOL_CLASS, id=uuid.uuid4(), name="9B")

    events = class_notifications.student_added_notification(student, [SCHOOL_CLASS, foreign, second], ACTOR)

    assert len(events) == 2
    data = _envelope(events[0], NOTIFICATION_TOPIC, updated_at, str(ADA), ACTOR.correlation_id)
    assert data["payload"].pop("message")
    assert data == {
        "teacher_id": OWNER,
        "notification_type": "student_added_to_class",
        "category": "class_management",
        "priority": "low",
        "payload": {
            "class_id": str(CLASS_ID),
            "class_designation": "9A English",
            "student_id": str(ADA),
            "student_name": "Ada Lovelace",
        },
        "action_required": False,
        "deadline_timestamp": None,
        "correlation_id": str(ACTOR.correlation_id),
        "batch_id": None,
        "class_id": str(CLASS_ID),
        "timestamp": updated_at.isoformat().replace("+00:00", "Z"),
    }
    assert EventEnvelope.model_validate_json(events[1].envelope_json).data["class_id"] == str(second.id)
