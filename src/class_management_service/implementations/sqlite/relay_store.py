"""The relay's SQL on SQLite's ``event_outbox``: claim in id order, mark published or failed, purge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.implementations.sql_common import MAX_ERROR_CHARS, PURGE_CHUNK, to_outbox_record
from class_management_service.models_db import event_outbox
from class_management_service.protocols import OutboxRecord, OutboxStoreProtocol, RowFailure

_outbox = event_outbox.c
_PENDING = _outbox.published_at.is_(None)
_CLAIM_COLUMNS = (
    _outbox.id,
    _outbox.event_id,
    _outbox.topic,
    _outbox.aggregate_id,
    _outbox.user_id,
    _outbox.correlation_id,
    _outbox.payload,
    _outbox.occurred_at,
    _outbox.attempts,
)


class SqlAlchemyOutboxStore(OutboxStoreProtocol):
    """Outbox bookkeeping for the relay; only the leader calls it, so claims take no row locks.

    Times come from this process's clock: the embedded database serves one host.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, limit: int, skip_ids: Sequence[int] = ()) -> Sequence[OutboxRecord]:
        waiting = select(_outbox.aggregate_id).where(_PENDING, _outbox.next_attempt_at > _utcnow())
        # Rows are read in id order and a key with a row in backoff is skipped entirely, so what
        # is claimed for each key is always its oldest unpublished rows, in order. ``skip_ids``
        # are rows already acknowledged whose marking is still in flight.
        statement = (
            select(*_CLAIM_COLUMNS)
            .where(_PENDING, _outbox.aggregate_id.not_in(waiting), _outbox.id.not_in(skip_ids))
            .order_by(_outbox.id)
            .limit(limit)
        )
        async with self._engine.begin() as connection:
            rows = (await connection.execute(statement)).all()
        return [to_outbox_record(row._mapping) for row in rows]

    async def mark_published(self, ids: Sequence[int]) -> None:
        statement = update(event_outbox).where(_outbox.id.in_(ids)).values(published_at=_utcnow())
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def mark_failed(self, failures: Sequence[RowFailure]) -> None:
        if not failures:
            return
        statement = (
            update(event_outbox)
            .where(_outbox.id == bindparam("row_id"))
            .values(
                attempts=_outbox.attempts + 1,
                last_error=bindparam("error"),
                next_attempt_at=bindparam("retry_at"),
            )
        )
        now = _utcnow()
        params = [
            {
                "row_id": failure.id,
                "error": failure.error[:MAX_ERROR_CHARS],
                "retry_at": now + failure.retry_in,
            }
            for failure in failures
        ]
        async with self._engine.begin() as connection:
            await connection.execute(statement, params)

    async def purge_published(self, older_than: timedelta) -> int:
        """Delete published rows older than ``older_than``, in chunks that keep locks short."""
        old = select(_outbox.id).where(_outbox.published_at < _utcnow() - older_than).limit(PURGE_CHUNK)
        purged = 0
        while True:
            async with self._engine.begin() as connection:
                result = await connection.execute(delete(event_outbox).where(_outbox.id.in_(old)))
            purged += result.rowcount
            if result.rowcount < PURGE_CHUNK:
                return purged


def _utcnow() -> datetime:
    return datetime.now(UTC)
