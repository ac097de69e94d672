"""The outbox seen from the database: how much is pending, waiting for it to drain, a synthetic backlog."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from class_management_service.domain import event_builders
from class_management_service.domain.models import Actor, Student
from class_management_service.implementations.postgres.outbox_writer import OUTBOX_COLUMNS

_PENDING_SQL = "SELECT count(*) FROM event_outbox WHERE published_at IS NULL"


async def pending_count(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        count: int = await connection.fetchval(_PENDING_SQL)
        return count
    finally:
        await connection.close()


async def wait_drained(dsn: str, timeout_s: float, stall_s: float = 5.0) -> tuple[int, float]:
    """Wait until no event is pending, so one scenario's backlog never costs the next one CPU.

    Gives up after ``timeout_s``, or after ``stall_s`` without progress (no relay running).
    Returns what is still pending and the seconds waited.
    """
    started = last_progress = time.monotonic()
    last = await pending_count(dsn)
    while last and time.monotonic() - started < timeout_s and time.monotonic() - last_progress < stall_s:
        await asyncio.sleep(0.2)
        current = await pending_count(dsn)
        if current < last:
            last_progress = time.monotonic()
        last = current
    return last, time.monotonic() - started


def _backlog_record(owner: str, index: int) -> tuple[object, ...]:
    """A real StudentCreatedV1 outbox event, built by the domain's own builder."""
    now = datetime.now(UTC)
    student = Student(
        id=uuid.uuid4(),
        first_name="Backlog",
        last_name=f"Student {index}",
        legal_full_name=f"Backlog Student {index}",
        email=f"backlog-{index}@example.com",
        class_ids=(),
        created_by_user_id=owner,
        created_at=now,
        updated_at=now,
    )
    event = event_builders.student_created(student, Actor(user_id=owner, correlation_id=uuid.uuid4()))
    return (
        event.event_id,
        event.topic,
        event.aggregate_type,
        event.key,
        event.user_id,
        event.correlation_id,
        event.envelope_json,
        event.occurred_at,
    )


async def insert_backlog(dsn: str, count: int, owner: str) -> None:
    """``count`` pending events written with COPY, as if the relay had been down while they committed."""
    records = [_backlog_record(owner, index) for index in range(count)]
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table("event_outbox", records=records, columns=OUTBOX_COLUMNS)
    finally:
        await connection.close()
