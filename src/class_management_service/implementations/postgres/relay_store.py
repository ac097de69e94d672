"""The relay's outbox bookkeeping in PostgreSQL through asyncpg: one prepared statement a call.

Every statement commits on its own (autocommit), and PostgreSQL's clock decides every "now".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.implementations.sql_common import (
    MAX_ERROR_CHARS,
    PURGE_CHUNK,
    to_outbox_record,
)
from class_management_service.protocols import OutboxRecord, OutboxStoreProtocol, RowFailure

# Up to $1 unpublished rows in id order, leaving out the rows $2 (acknowledged, their marking
# still in flight) and every row of a key that has a row waiting out a backoff: so what is
# claimed for each key is always its oldest unpublished rows, in order. Only the leader claims,
# so no row locks. The subquery reads the small partial index of rows in backoff.
_CLAIM = """
SELECT o.id, o.event_id, o.topic, o.aggregate_id, o.user_id, o.correlation_id, o.payload,
       o.occurred_at, o.attempts
FROM event_outbox o
WHERE o.published_at IS NULL
  AND o.aggregate_id NOT IN (SELECT w.aggregate_id FROM event_outbox w
                             WHERE w.published_at IS NULL AND w.next_attempt_at > now())
  AND o.id <> ALL($2::bigint[])
ORDER BY o.id
LIMIT $1"""

_MARK_PUBLISHED = "UPDATE event_outbox SET published_at = now() WHERE id = ANY($1::bigint[])"

# One statement for every failure of a batch: row $1[i] failed with error $2[i] and is retried
# $3[i] from now.
_MARK_FAILED = """
UPDATE event_outbox o
SET attempts = o.attempts + 1, last_error = f.error, next_attempt_at = now() + f.retry_in
FROM unnest($1::bigint[], $2::text[], $3::interval[]) AS f(id, error, retry_in)
WHERE o.id = f.id"""

# At most $2 published rows older than $1, so each delete holds its locks briefly.
_PURGE_CHUNK = """
DELETE FROM event_outbox WHERE id IN (
    SELECT id FROM event_outbox WHERE published_at < now() - $1::interval LIMIT $2)"""


class AsyncpgOutboxStore(OutboxStoreProtocol):
    """Outbox bookkeeping for the relay on PostgreSQL with asyncpg: one prepared statement a call."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, limit: int, skip_ids: Sequence[int] = ()) -> Sequence[OutboxRecord]:
        async with pg_connection(self._engine) as connection:
            rows = await connection.fetch(_CLAIM, limit, list(skip_ids))
        return [to_outbox_record(row) for row in rows]

    async def mark_published(self, ids: Sequence[int]) -> None:
        async with pg_connection(self._engine) as connection:
            await connection.execute(_MARK_PUBLISHED, list(ids))

    async def mark_failed(self, failures: Sequence[RowFailure]) -> None:
        if not failures:
            return
        ids = [failure.id for failure in failures]
        errors = [failure.error[:MAX_ERROR_CHARS] for failure in failures]
        retry_ins = [failure.retry_in for failure in failures]
        async with pg_connection(self._engine) as connection:
            await connection.execute(_MARK_FAILED, ids, errors, retry_ins)

    async def purge_published(self, older_than: timedelta) -> int:
        purged = 0
        while True:
            async with pg_connection(self._engine) as connection:
                status = await connection.execute(_PURGE_CHUNK, older_than, PURGE_CHUNK)
            deleted = int(status.rpartition(" ")[2])  # the command tag: "DELETE <count>"
            purged += deleted
            if deleted < PURGE_CHUNK:
                return purged
