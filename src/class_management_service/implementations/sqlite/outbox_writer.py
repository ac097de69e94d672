"""Writes outbox rows inside the caller's transaction, and reads the backlog for health checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from class_management_service.domain.events import OutboxEvent
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite.driver_values import timestamp_value, uuid_value
from class_management_service.models_db import event_outbox
from class_management_service.protocols import OutboxStatsProtocol

_INSERT = insert(event_outbox)
_INSERT_MANY = (
    "INSERT INTO event_outbox (event_id, topic, aggregate_type, aggregate_id, user_id, correlation_id,"
    " payload, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_BACKLOG = select(func.count(), func.min(event_outbox.c.occurred_at)).where(
    event_outbox.c.published_at.is_(None)
)


async def add_outbox_events(session: AsyncSession | AsyncConnection, events: Sequence[OutboxEvent]) -> None:
    """Insert the events in one round trip; their ids follow the order given."""
    if not events:
        return
    rows = [
        {
            "event_id": outbox_event.event_id,
            "topic": outbox_event.topic,
            "aggregate_type": outbox_event.aggregate_type,
            "aggregate_id": outbox_event.key,
            "user_id": outbox_event.user_id,
            "correlation_id": outbox_event.correlation_id,
            "payload": outbox_event.envelope_json,
            "occurred_at": utc(outbox_event.occurred_at),
        }
        for outbox_event in events
    ]
    # A lone row goes as a plain execute: the executemany path costs more for a single row.
    await session.execute(_INSERT, rows[0] if len(rows) == 1 else rows)


async def add_many_outbox_events(session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
    """``add_outbox_events`` for thousands of events (an import's): the same rows, in the order
    given, as plain driver tuples, without SQLAlchemy's per-row parameter processing."""
    rows = [
        (
            uuid_value(outbox_event.event_id),
            outbox_event.topic,
            outbox_event.aggregate_type,
            outbox_event.key,
            outbox_event.user_id,
            uuid_value(outbox_event.correlation_id),
            outbox_event.envelope_json,
            timestamp_value(outbox_event.occurred_at),
        )
        for outbox_event in events
    ]
    if rows:
        connection = await session.connection()
        await connection.exec_driver_sql(_INSERT_MANY, rows)


class SqlAlchemyOutboxStats(OutboxStatsProtocol):
    """Reports how many events wait for the relay, and for how long, from the outbox table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def pending(self) -> tuple[int, float | None]:
        async with translate_database_errors(), self._engine.connect() as connection:
            count, oldest = (await connection.execute(_BACKLOG)).one()
        if oldest is None:
            return int(count), None
        return int(count), (datetime.now(UTC) - utc(oldest)).total_seconds()
