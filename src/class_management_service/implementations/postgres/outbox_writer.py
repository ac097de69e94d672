"""Outbox rows written by asyncpg statements: the same columns and values as ``sqlite.outbox_writer``."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from class_management_service.domain.events import OutboxEvent
from class_management_service.implementations.sql_common import utc

OUTBOX_COLUMNS = (
    "event_id",
    "topic",
    "aggregate_type",
    "aggregate_id",
    "user_id",
    "correlation_id",
    "payload",
    "occurred_at",
)
"""The columns an event fills, in the order of ``outbox_arguments`` (and of a COPY's records)."""
OUTBOX_PARAMETER_COUNT = len(OUTBOX_COLUMNS)
"""The events travel as this many array parameters, one per column."""


def outbox_insert(first: int, condition: str = "true") -> str:
    """An INSERT of the events in parameters ``$first`` onwards, when ``condition`` holds.

    Rows are inserted in array order, so their ids (the publish order) follow the order given.
    """
    p = range(first, first + OUTBOX_PARAMETER_COUNT)
    return f"""
    INSERT INTO event_outbox (event_id, topic, aggregate_type, aggregate_id, user_id, correlation_id,
                              payload, occurred_at)
    SELECT e.event_id, e.topic, e.aggregate_type, e.aggregate_id, e.user_id, e.correlation_id,
           e.payload, e.occurred_at
    FROM unnest(${p[0]}::uuid[], ${p[1]}::text[], ${p[2]}::text[], ${p[3]}::text[], ${p[4]}::text[],
                ${p[5]}::uuid[], ${p[6]}::text[], ${p[7]}::timestamptz[])
         WITH ORDINALITY AS e(event_id, topic, aggregate_type, aggregate_id, user_id, correlation_id,
                              payload, occurred_at, position)
    WHERE {condition}
    ORDER BY e.position"""


# Every event given, in order, on its own (inside the caller's transaction).
_INSERT = outbox_insert(1)


def outbox_arguments(events: Sequence[OutboxEvent]) -> tuple[list[object], ...]:
    """The events as the array parameters ``outbox_insert`` reads, column by column."""
    return (
        [e.event_id for e in events],
        [e.topic for e in events],
        [e.aggregate_type for e in events],
        [e.key for e in events],
        [e.user_id for e in events],
        [e.correlation_id for e in events],
        [e.envelope_json for e in events],
        [utc(e.occurred_at) for e in events],
    )


async def insert_outbox(connection: asyncpg.Connection, events: Sequence[OutboxEvent]) -> None:
    """Insert the events in one round trip; nothing to do without events."""
    if events:
        await connection.execute(_INSERT, *outbox_arguments(events))
