"""What the relay handles: a stored outbox row, the outcome of shipping one, and the broker's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """One stored outbox row as the relay ships it: routing columns plus the envelope text."""

    id: int
    event_id: UUID
    topic: str
    key: str
    user_id: str
    correlation_id: UUID
    payload: str
    occurred_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class PublishFailure:
    """Why one record was not acknowledged; ``is_transient`` blames the broker, not the record."""

    error: str
    is_transient: bool


@dataclass(frozen=True, slots=True)
class RowFailure:
    """A failed row's new state: the error to keep and how long to wait before retrying it."""

    id: int
    error: str
    retry_in: timedelta


@dataclass(frozen=True, slots=True)
class BrokerState:
    """What the relay last saw of Kafka: ``not_started``, ``ok`` or ``failing`` (since when, why)."""

    state: str
    failing_since: datetime | None = None
    last_error: str | None = None
