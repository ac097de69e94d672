"""Writes outbox rows inside the caller's transaction, and reads the backlog for health checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from class_management_service.domain.events import OutboxEvent
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_common import utc
from class_management_service.models_db import event_outbox
from class_management_service.protocols import OutboxStatsProtocol

_INSERT = insert(event_outbox)
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
