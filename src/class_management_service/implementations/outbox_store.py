"""The relay's SQL on ``event_outbox``: claim in id order, mark published or failed, purge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Interval,
    all_,
    any_,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from class_management_service.implementations.sql_rows import utc
from class_management_service.models_db import event_outbox
from class_management_service.protocols import OutboxRecord, OutboxStoreProtocol, RowFailure

MAX_ERROR_CHARS = 500
PURGE_CHUNK = 10_000

_outbox = event_outbox.c
_ID_ARRAY = ARRAY(BigInteger())
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
    """Outbox bookkeeping for the relay; only the leader calls it, so claims take no row locks."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # PostgreSQL's clock decides every "now", so relays on hosts with skewed clocks agree;
        # SQLite has no usable timestamp arithmetic, and runs in one process anyway.
        self._is_postgres = engine.dialect.name == "postgresql"
        # Each relay statement is atomic on its own: on PostgreSQL it commits by itself, saving
        # the BEGIN and COMMIT (or ROLLBACK) round trips around it.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def claim(self, limit: int, skip_ids: Sequence[int] = ()) -> Sequence[OutboxRecord]:
        waiting = select(_outbox.aggregate_id).where(_PENDING, _outbox.next_attempt_at > self._now())
        # Rows are read in id order and a key with a row in backoff is skipped entirely, so what
        # is claimed for each key is always its oldest unpublished rows, in order. ``skip_ids``
        # are rows already acknowledged whose marking is still in flight.
        statement = (
            select(*_CLAIM_COLUMNS)
            .where(_PENDING, _outbox.aggregate_id.not_in(waiting), self._not_among(skip_ids))
            .order_by(_outbox.id)
            .limit(limit)
        )
        async with self._connection() as connection:
            rows = (await connection.execute(statement)).all()
        return [to_outbox_record(row._mapping) for row in rows]

    async def mark_published(self, ids: Sequence[int]) -> None:
        statement = update(event_outbox).where(self._among(ids)).values(published_at=self._now())
        async with self._connection() as connection:
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
                next_attempt_at=self._later("retry_in"),
            )
        )
        params = [self._failure_params(failure) for failure in failures]
        async with self._connection() as connection:
            await connection.execute(statement, params)

    async def purge_published(self, older_than: timedelta) -> int:
        """Delete published rows older than ``older_than``, in chunks that keep locks short."""
        cutoff = self._now() - older_than if self._is_postgres else _utcnow() - older_than
        old = select(_outbox.id).where(_outbox.published_at < cutoff).limit(PURGE_CHUNK)
        purged = 0
        while True:
            async with self._connection() as connection:
                result = await connection.execute(delete(event_outbox).where(_outbox.id.in_(old)))
            purged += result.rowcount
            if result.rowcount < PURGE_CHUNK:
                return purged

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        if self._is_postgres:
            async with self._autocommit.connect() as connection:
                yield connection
        else:
            async with self._engine.begin() as connection:
                yield connection

    def _among(self, ids: Sequence[int]) -> ColumnElement[bool]:
        # One array parameter on PostgreSQL: one cached statement whatever the batch size.
        if self._is_postgres:
            return _outbox.id == any_(bindparam("ids", list(ids), type_=_ID_ARRAY))
        return _outbox.id.in_(ids)

    def _not_among(self, ids: Sequence[int]) -> ColumnElement[bool]:
        if self._is_postgres:
            return _outbox.id != all_(bindparam("skip_ids", list(ids), type_=_ID_ARRAY))
        return _outbox.id.not_in(ids)

    def _now(self) -> ColumnElement[datetime] | datetime:
        return func.now() if self._is_postgres else _utcnow()

    def _later(self, name: str) -> Any:
        if self._is_postgres:
            return func.now() + bindparam(name, type_=Interval())
        return bindparam(name)

    def _failure_params(self, failure: RowFailure) -> dict[str, object]:
        retry_in: timedelta | datetime = failure.retry_in
        if not self._is_postgres:
            retry_in = _utcnow() + failure.retry_in
        return {"row_id": failure.id, "error": failure.error[:MAX_ERROR_CHARS], "retry_in": retry_in}


def _utcnow() -> datetime:
    return datetime.now(UTC)


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
