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
from class_management_service.domain.association_decisions import (
    CompletedBatch,
    DecisionOutcome,
    IngestOutcome,
)
from class_management_service.domain.associations import BatchReview, EssayAssociation
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
_Kind = tuple[str, wire.NotificationCategory, wire.NotificationPriority]
"""A notification's type, and the platform's category and priority for it."""
REVIEW_REQUIRED_KIND: _Kind = (REVIEW_REQUIRED, "student_workflow", "high")
CONFIRMED_KIND: _Kind = (ASSOCIATIONS_CONFIRMED, "student_workflow", "high")
TIMEOUT_KIND: _Kind = (TIMEOUT_PROCESSED, "student_workflow", "immediate")
CLASS_CREATED_KIND: _Kind = (CLASS_CREATED, "class_management", "standard")
STUDENT_ADDED_KIND: _Kind = (STUDENT_ADDED, "class_management", "low")


def _outbox_event(
    topic: str, data: EventData, aggregate: _Aggregate, owner: str, correlation_id: UUID, at: datetime
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
    json = envelope.model_dump_json()
    return OutboxEvent(event_id, topic, aggregate_type, aggregate_id, owner, correlation_id, at, json)


def _notification(
    kind: _Kind,
    aggregate: _Aggregate,
    owner: str,
    correlation_id: UUID,
    at: datetime,
    payload: dict[str, Any],
    **fields: Any,
) -> OutboxEvent:
    """A TeacherNotificationRequestedV1 to ``owner``; ``fields`` are its optional wire fields."""
    notification_type, category, priority = kind
    data = wire.TeacherNotificationRequestedV1(
        teacher_id=owner,
        notification_type=notification_type,
        category=category,
        priority=priority,
        payload=payload,
        correlation_id=str(correlation_id),
        timestamp=at,
        **fields,
    )
    return _outbox_event(wire.TEACHER_NOTIFICATION_TOPIC, data, aggregate, owner, correlation_id, at)


def _batch_notification(
    review: BatchReview, kind: _Kind, payload: dict[str, Any], at: datetime, deadline: datetime | None = None
) -> OutboxEvent:
    batch = review.batch
    ids = {"batch_id": batch.batch_id, "class_id": str(batch.class_id)}
    return _notification(
        kind,
        ("batch", batch.batch_id),
        batch.owner,
        batch.correlation_id,
        at,
        {**ids, **payload},
        action_required=deadline is not None,
        deadline_timestamp=deadline,
        **ids,
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
    return [_batch_notification(review, REVIEW_REQUIRED_KIND, payload, batch.received_at, batch.deadline)]


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
    total = summary["total_associations"]
    if completed.timeout_triggered:
        kind, message = TIMEOUT_KIND, f"The confirmation deadline passed: {total} essays were decided"
    else:
        kind, message = CONFIRMED_KIND, f"Authors of {total} essays confirmed"
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
    class_id = str(school_class.id)
    owner = school_class.created_by_user_id
    ids = {"class_id": class_id, "class_designation": school_class.name}
    return _notification(
        kind, aggregate, owner, actor.correlation_id, at, {**ids, **payload}, class_id=class_id
    )


def class_created_notification(school_class: SchoolClass, actor: Actor) -> OutboxEvent:
    """``class_created`` (class_management, standard) to the class's owner, at its creation time."""
    payload = {
        "course_codes": [school_class.course.code],
        "message": f"Class {school_class.name} was created",
    }
    aggregate: _Aggregate = ("class", school_class.id)
    return _class_notification(
        CLASS_CREATED_KIND, school_class, aggregate, payload, actor, school_class.created_at
    )


def student_added_notification(
    student: Student, classes: Sequence[SchoolClass], actor: Actor
) -> list[OutboxEvent]:
    """``student_added_to_class`` (class_management, low): one per class the student joined.

    Only to the class's owner, and only for classes the student's owner owns: no teacher hears
    about another teacher's class. The time is the student's ``updated_at`` (on create, its
    creation time).
    """
    aggregate: _Aggregate = ("student", student.id)
    name = student.full_name
    return [
        _class_notification(
            STUDENT_ADDED_KIND,
            school_class,
            aggregate,
            {
                "student_id": str(student.id),
                "student_name": name,
                "message": f"{name} was added to {school_class.name}",
            },
            actor,
            student.updated_at,
        )
        for school_class in classes
        if school_class.created_by_user_id == student.created_by_user_id
    ]
