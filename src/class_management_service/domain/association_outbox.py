"""Outbox rows of the matching topics: the envelope every batch event and teacher notification shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from class_management_service.domain import association_events as wire
from class_management_service.domain.events import EventData, EventEnvelope, OutboxEvent

Aggregate = tuple[Literal["class", "student", "batch", "import"], UUID | str]
"""The entity an event is about: its kind and id (the Kafka key)."""
NotificationKind = tuple[str, wire.NotificationCategory, wire.NotificationPriority]
"""A notification's type, and the platform's category and priority for it."""


def outbox_event(
    topic: str, data: EventData, aggregate: Aggregate, owner: str, correlation_id: UUID, at: datetime
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


def notification(
    kind: NotificationKind,
    aggregate: Aggregate,
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
    return outbox_event(wire.TEACHER_NOTIFICATION_TOPIC, data, aggregate, owner, correlation_id, at)
