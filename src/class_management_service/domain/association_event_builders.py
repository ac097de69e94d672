"""Turn the outcomes of essay→student matching into outbox events: the teacher's review request,
the confirmed associations and the teacher's notice of them.

Every batch event is keyed by ``batch_id`` and carries the batch's correlation id, which came
with NLP's suggestions event: the platform follows one batch through every service by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from class_management_service.domain import association_events as wire
from class_management_service.domain import event_builders
from class_management_service.domain.association_decisions import (
    CompletedBatch,
    DecisionOutcome,
    IngestOutcome,
)
from class_management_service.domain.association_outbox import (
    Aggregate,
    NotificationKind,
    notification,
    outbox_event,
)
from class_management_service.domain.associations import BatchReview, EssayAssociation
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.matching import validation_summary
from class_management_service.domain.models import Actor

REVIEW_REQUIRED = "student_matching_review_required"
ASSOCIATIONS_CONFIRMED = "student_associations_confirmed"
TIMEOUT_PROCESSED = "validation_timeout_processed"
REVIEW_REQUIRED_KIND: NotificationKind = (REVIEW_REQUIRED, "student_workflow", "high")
CONFIRMED_KIND: NotificationKind = (ASSOCIATIONS_CONFIRMED, "student_workflow", "high")
TIMEOUT_KIND: NotificationKind = (TIMEOUT_PROCESSED, "student_workflow", "immediate")


def _batch_notification(
    review: BatchReview,
    kind: NotificationKind,
    payload: dict[str, Any],
    at: datetime,
    deadline: datetime | None = None,
) -> OutboxEvent:
    batch = review.batch
    ids = {"batch_id": batch.batch_id, "class_id": str(batch.class_id)}
    return notification(
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
    aggregate: Aggregate = ("batch", batch.batch_id)
    topic = wire.ASSOCIATIONS_CONFIRMED_TOPIC
    events.append(outbox_event(topic, data, aggregate, batch.owner, batch.correlation_id, at))
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
