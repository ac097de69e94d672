"""Turn the outcomes of essay→student matching (and the teacher-facing CRUD moments) into outbox events.

Every batch event is keyed by ``batch_id`` and carries the batch's correlation id, which came
with NLP's suggestions event: the platform follows one batch through every service by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from class_management_service.domain import association_events as wire
from class_management_service.domain import event_builders
from class_management_service.domain.associations import (
    BatchReview,
    CompletedBatch,
    DecisionOutcome,
    EssayAssociation,
    IngestOutcome,
)
from class_management_service.domain.events import EventData, EventEnvelope, OutboxEvent
from class_management_service.domain.matching import validation_summary
from class_management_service.domain.models import Actor, SchoolClass, Student

REVIEW_REQUIRED = "student_matching_review_required"
ASSOCIATIONS_CONFIRMED = "student_associations_confirmed"
TIMEOUT_PROCESSED = "validation_timeout_processed"
CLASS_CREATED = "class_created"
STUDENT_ADDED = "student_added_to_class"

_Aggregate = tuple[Literal["class", "student", "batch"], UUID | str]
"""The entity an event is about: its kind and id (the Kafka key)."""
_Kind = tuple[str, wire.NotificationPriority]
"""A notification's type and the platform's priority for it."""


def _outbox_event(
    topic: str,
    data: EventData,
    aggregate: _Aggregate,
    owner: str,
    correlation_id: UUID,
    at: datetime,
) -> OutboxEvent:
    aggregate_type, aggregate_id = aggregate
    event_id = uuid4()
    envelope = EventEnvelope(
        event_id=event_id,
        event_type=topic,
        event_timestamp=at,
        correlation_id=correlation_id,
        data=data.model_dump(mode="json"),
        metadata={"aggregate_type": aggregate_type, "aggregate_id": str(aggregate_id)},
    )
    return OutboxEvent(
        event_id=event_id,
        topic=topic,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        user_id=owner,
        correlation_id=correlation_id,
        occurred_at=at,
        envelope_json=envelope.model_dump_json(),
    )


def _batch_notification(
    review: BatchReview,
    kind: _Kind,
    payload: dict[str, Any],
    at: datetime,
    deadline: datetime | None = None,
) -> OutboxEvent:
    batch = review.batch
    notification_type, priority = kind
    data = wire.TeacherNotificationRequestedV1(
        teacher_id=batch.owner,
        notification_type=notification_type,
        category="student_workflow",
        priority=priority,
        payload={"batch_id": batch.batch_id, "class_id": str(batch.class_id), **payload},
        action_required=deadline is not None,
        deadline_timestamp=deadline,
        correlation_id=str(batch.correlation_id),
        batch_id=batch.batch_id,
        class_id=str(batch.class_id),
        timestamp=at,
    )
    aggregate: _Aggregate = ("batch", batch.batch_id)
    return _outbox_event(
        wire.TEACHER_NOTIFICATION_TOPIC, data, aggregate, batch.owner, batch.correlation_id, at
    )


def suggestions_ready(outcome: IngestOutcome) -> list[OutboxEvent]:
    """Tells the owning teacher that essays await review, with the auto-confirm deadline.

    Nothing when nothing was stored (a replay, an unknown class, a completed batch).
    """
    review = outcome.review
    if review is None or outcome.stored_essays == 0:
        return []
    batch = review.batch
    pending = sum(1 for essay in review.essays if essay.is_pending)
    payload = {
        "class_designation": batch.class_name,
        "course_code": batch.course_code,
        "essay_count": len(review.essays),
        "pending_count": pending,
        "message": f"{pending} essays in class {batch.class_name} await your confirmation of their authors",
    }
    kind: _Kind = (REVIEW_REQUIRED, "high")
    return [_batch_notification(review, kind, payload, batch.received_at, deadline=batch.deadline)]


def _confirmation(essay: EssayAssociation, at: datetime) -> wire.StudentAssociationConfirmationV1:
    if essay.validation_method is None:
        raise ValueError(f"essay {essay.essay_id} is still pending in a completed batch")
    return wire.StudentAssociationConfirmationV1(
        essay_id=essay.essay_id,
        student_id=None if essay.student_id is None else str(essay.student_id),
        confidence_score=essay.confidence_score if essay.confidence_score is not None else 0.0,
        validation_method=essay.validation_method,
        validated_by=essay.validated_by,
        validated_at=essay.validated_at or at,
    )


def _completed_at(completed: CompletedBatch) -> datetime:
    """When the batch was decided: its ``completed_at``, else its last decision."""
    review = completed.review
    if review.batch.completed_at is not None:
        return review.batch.completed_at
    return max(essay.validated_at for essay in review.essays if essay.validated_at is not None)


def batch_completed(completed: CompletedBatch, at: datetime | None = None) -> list[OutboxEvent]:
    """The placeholder's StudentCreatedV1 (if the timeout created it), the confirmed event, the notification.

    ``at`` defaults to the batch's ``completed_at``.
    """
    review = completed.review
    batch = review.batch
    at = at or _completed_at(completed)
    events: list[OutboxEvent] = []
    if completed.placeholder is not None:
        actor = Actor(batch.owner, batch.correlation_id)
        events.append(event_builders.student_created(completed.placeholder, actor))
    summary = validation_summary(review)
    essays = sorted(review.essays, key=lambda essay: essay.position)
    data = wire.StudentAssociationsConfirmedV1(
        entity_id=batch.batch_id,
        timestamp=at,
        batch_id=batch.batch_id,
        class_id=str(batch.class_id),
        course_code=batch.course_code,
        associations=[_confirmation(essay, at) for essay in essays],
        timeout_triggered=completed.timeout_triggered,
        validation_summary=summary,
    )
    aggregate: _Aggregate = ("batch", batch.batch_id)
    topic = wire.ASSOCIATIONS_CONFIRMED_TOPIC
    events.append(_outbox_event(topic, data, aggregate, batch.owner, batch.correlation_id, at))
    if completed.timeout_triggered:
        kind: _Kind = (TIMEOUT_PROCESSED, "immediate")
        message = f"The confirmation deadline passed: {summary['total_associations']} essays were decided"
    else:
        kind = (ASSOCIATIONS_CONFIRMED, "high")
        message = f"Authors of {summary['total_associations']} essays confirmed"
    payload = {"class_designation": batch.class_name, **summary, "message": message}
    events.append(_batch_notification(review, kind, payload, at))
    return events


def decision_events(outcome: DecisionOutcome) -> list[OutboxEvent]:
    """A teacher's decisions announce something only when they complete the batch."""
    return [] if outcome.completed is None else batch_completed(outcome.completed)


def completed_batches_events(
    completed: Sequence[CompletedBatch], at: datetime | None = None
) -> list[OutboxEvent]:
    """The events of batches a forced delete completed, to go before the delete's own event."""
    return [event for batch in completed for event in batch_completed(batch, at)]


def _class_notification(
    kind: _Kind,
    school_class: SchoolClass,
    aggregate: _Aggregate,
    payload: dict[str, Any],
    actor: Actor,
    at: datetime,
) -> OutboxEvent:
    notification_type, priority = kind
    owner = school_class.created_by_user_id
    data = wire.TeacherNotificationRequestedV1(
        teacher_id=owner,
        notification_type=notification_type,
        category="class_management",
        priority=priority,
        payload={"class_id": str(school_class.id), "class_designation": school_class.name, **payload},
        correlation_id=str(actor.correlation_id),
        class_id=str(school_class.id),
        timestamp=at,
    )
    topic = wire.TEACHER_NOTIFICATION_TOPIC
    return _outbox_event(topic, data, aggregate, owner, actor.correlation_id, at)


def class_created_notification(school_class: SchoolClass, actor: Actor) -> OutboxEvent:
    """``class_created`` (class_management, standard) to the class's owner."""
    payload = {
        "course_codes": [school_class.course.code],
        "message": f"Class {school_class.name} was created",
    }
    aggregate: _Aggregate = ("class", school_class.id)
    at = school_class.created_at
    return _class_notification((CLASS_CREATED, "standard"), school_class, aggregate, payload, actor, at)


def student_added_notification(
    student: Student, classes: Sequence[SchoolClass], actor: Actor
) -> list[OutboxEvent]:
    """``student_added_to_class`` (class_management, low): one per class the student joined.

    Only to the class's owner, and only for classes the student's owner owns: a teacher is
    never told about (or told of) another teacher's class. The time is the student's
    ``updated_at`` (its creation time on create).
    """
    events = []
    for school_class in classes:
        if school_class.created_by_user_id != student.created_by_user_id:
            continue
        payload = {
            "student_id": str(student.id),
            "student_name": student.full_name,
            "message": f"{student.full_name} was added to class {school_class.name}",
        }
        aggregate: _Aggregate = ("student", student.id)
        kind: _Kind = (STUDENT_ADDED, "low")
        events.append(_class_notification(kind, school_class, aggregate, payload, actor, student.updated_at))
    return events
