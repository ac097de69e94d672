"""What both SQL backends share about rows: UTC timestamps and the relay's outbox rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from class_management_service.protocols import OutboxRecord

MAX_ERROR_CHARS = 500
PURGE_CHUNK = 10_000


def utc(moment: datetime) -> datetime:
    """Aware UTC: SQLite stores wall time without an offset, so every write and read goes via UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_outbox_record(row: Mapping[Any, Any]) -> OutboxRecord:
    """A claimed row by column name: a SQLAlchemy row's ``_mapping`` or an asyncpg record."""
    return OutboxRecord(
        id=row["id"],
        event_id=row["event_id"],
        topic=row["topic"],
        key=row["aggregate_id"],
        user_id=row["user_id"],
        correlation_id=row["correlation_id"],
        payload=row["payload"],
        occurred_at=utc(row["occurred_at"]),
        attempts=row["attempts"],
    )
