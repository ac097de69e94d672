"""Idempotency keys in SQLite: claims in their own transaction, completion in the write's."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from class_management_service.domain.errors import IdempotencyKeyInFlightError
from class_management_service.domain.idempotency import (
    IdempotencyClaim,
    IdempotentWrite,
    StoredKey,
    StoredResponse,
    is_reclaimable,
)
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite.engine import write_sessions
from class_management_service.models_db import idempotency_keys as keys
from class_management_service.protocols import IdempotencyStoreProtocol

_T = TypeVar("_T")
_new = insert(keys)
_CLAIM = _new.on_conflict_do_update(
    index_elements=[keys.c.owner, keys.c.key],
    set_={
        name: _new.excluded[name]
        for name in ("request_hash", "status", "response_status", "response_body", "created_at")
    },
)


class SqlAlchemyIdempotencyStore(IdempotencyStoreProtocol):
    """Keys of every teacher in ``idempotency_keys``; the write lock from BEGIN serialises claims."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)

    async def claim(self, claim: IdempotencyClaim) -> StoredKey | None:
        at = utc(claim.at)
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(select(keys).where(_is(claim.owner, claim.key)))).one_or_none()
            stored = _stored_key(row._mapping) if row is not None else None
            if stored is not None and not is_reclaimable(stored, at):
                return stored
            values = {"owner": claim.owner, "key": claim.key, "request_hash": claim.request_hash}
            await session.execute(
                _CLAIM,
                {
                    **values,
                    "status": "in_flight",
                    "response_status": None,
                    "response_body": None,
                    "created_at": at,
                },
            )
        return None

    async def release(self, claim: IdempotencyClaim) -> None:
        async with translate_database_errors(), self._sessions.begin() as session:
            await session.execute(delete(keys).where(_ours(claim)))

    async def purge(self, older_than: datetime) -> int:
        async with translate_database_errors(), self._sessions.begin() as session:
            result = await session.execute(delete(keys).where(keys.c.created_at < utc(older_than)))
        return int(getattr(result, "rowcount", 0))


async def complete_key(session: AsyncSession, write: IdempotentWrite[_T] | None, outcome: _T) -> None:
    """Inside the write's transaction: the claim becomes the stored response, or the write fails."""
    if write is None:
        return
    response = write.respond(outcome)
    values = {"status": "completed", "response_status": response.status, "response_body": response.body}
    result = await session.execute(update(keys).where(_ours(write.claim)).values(values))
    if not getattr(result, "rowcount", 0):
        raise IdempotencyKeyInFlightError(write.claim.key)  # the claim expired and another request took it


def _is(owner: str, key: str) -> ColumnElement[bool]:
    return and_(keys.c.owner == owner, keys.c.key == key)


def _ours(claim: IdempotencyClaim) -> ColumnElement[bool]:
    return and_(_is(claim.owner, claim.key), keys.c.status == "in_flight", keys.c.created_at == utc(claim.at))


def _stored_key(row: Any) -> StoredKey:
    status, body = row["response_status"], row["response_body"]
    response = StoredResponse(status, body) if status is not None else None
    return StoredKey(row["request_hash"], utc(row["created_at"]), response)
