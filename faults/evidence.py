"""What actually happened: every message on the service's topics, and the outbox's pending rows."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer
from bench.environment import asyncpg_dsn

from class_management_service.domain.events import ENTITY_TOPICS
from faults.verdict import Event


async def _fetch(database_url: str, query: str, *args: object) -> int | None:
    """One number from PostgreSQL; None while it is unreachable."""
    try:
        connection = await asyncpg.connect(asyncpg_dsn(database_url), timeout=2)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return None
    try:
        value: int = await connection.fetchval(query, *args)
        return value
    finally:
        await connection.close()


async def newest_outbox_id(database_url: str) -> int | None:
    return await _fetch(database_url, "SELECT coalesce(max(id), 0) FROM event_outbox")


async def pending_outbox_rows(database_url: str, up_to_id: int) -> int | None:
    """Rows up to ``up_to_id`` the relay has not published yet; None while PostgreSQL is unreachable."""
    return await _fetch(
        database_url, "SELECT count(*) FROM event_outbox WHERE published_at IS NULL AND id <= $1", up_to_id
    )


async def consume_all(bootstrap: str, correlation_ids: set[str]) -> list[Event]:
    """Read every partition of the entity topics from its first offset to its end; keep this run's
    events. Teacher notifications share a write's correlation id but are not the write's event."""
    consumer = AIOKafkaConsumer(
        *ENTITY_TOPICS, bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()  # no group: every partition of the subscribed topics is assigned
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while not consumer.assignment():
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"no partition of {ENTITY_TOPICS} was assigned within 30 s")
            await asyncio.sleep(0.1)
        partitions = sorted(consumer.assignment())
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        events: list[Event] = []
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=2000, max_records=5000)
            for records in batches.values():
                events.extend(
                    event for record in records if (event := _event(record, correlation_ids)) is not None
                )
            remaining = {tp for tp in remaining if await consumer.position(tp) < ends[tp]}
        return events
    finally:
        await consumer.stop()


def _event(record: object, correlation_ids: set[str]) -> Event | None:
    envelope = json.loads(record.value)  # type: ignore[attr-defined]
    correlation_id = str(envelope.get("correlation_id"))
    if correlation_id not in correlation_ids:
        return None  # another run's (or a test's) event on the shared topics
    return Event(
        event_id=str(envelope["event_id"]),
        correlation_id=correlation_id,
        aggregate_id=str((envelope.get("metadata") or {}).get("aggregate_id", "")),
        topic=record.topic,  # type: ignore[attr-defined]
        partition=record.partition,  # type: ignore[attr-defined]
        offset=record.offset,  # type: ignore[attr-defined]
        timestamp=datetime.fromisoformat(envelope["event_timestamp"]),
    )
