"""Writes outbox rows inside the caller's transaction, and reads the backlog for health checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import extract, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from class_management_service.domain.events import OutboxEvent
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_rows import utc
from class_management_service.models_db import event_outbox
from class_management_service.protocols import OutboxStatsProtocol

_INSERT = insert(event_outbox)
_OLDEST = func.min(event_outbox.c.occurred_at)
_PENDING = event_outbox.c.published_at.is_(None)
# PostgreSQL measures the age on its own clock, so replicas with skewed clocks agree.
_BACKLOG_WITH_AGE = select(func.count(), extract("epoch", func.now() - _OLDEST)).where(_PENDING)
_BACKLOG_WITH_OLDEST = select(func.count(), _OLDEST).where(_PENDING)


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
        self._is_postgres = engine.dialect.name == "postgresql"

    async def pending(self) -> tuple[int, float | None]:
        statement = _BACKLOG_WITH_AGE if self._is_postgres else _BACKLOG_WITH_OLDEST
        async with translate_database_errors(), self._engine.connect() as connection:
            count, oldest_or_age = (await connection.execute(statement)).one()
        if oldest_or_age is None:
            return int(count), None
        if self._is_postgres:
            return int(count), float(oldest_or_age)
        return int(count), (datetime.now(UTC) - utc(oldest_or_age)).total_seconds()
