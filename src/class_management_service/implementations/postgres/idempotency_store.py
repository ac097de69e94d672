"""Idempotency keys in PostgreSQL: claims in their own statement, completion in the write's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.errors import IdempotencyKeyInFlightError
from class_management_service.domain.idempotency import (
    IN_FLIGHT_LEASE,
    KEY_TTL,
    IdempotencyClaim,
    IdempotentWrite,
    StoredKey,
    StoredResponse,
)
from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import IdempotencyStoreProtocol

_T = TypeVar("_T")

# Takes the key unless a live one holds it: the upsert's row lock makes two claims of one key
# serialise, so exactly one of them gets a row back.
_CLAIM = """
INSERT INTO idempotency_keys AS k (owner, key, request_hash, status, created_at)
VALUES ($1, $2, $3, 'in_flight', $4)
ON CONFLICT (owner, key) DO UPDATE SET
    request_hash = excluded.request_hash, status = 'in_flight', response_status = NULL,
    response_body = NULL, created_at = excluded.created_at
WHERE k.created_at <= $5 OR (k.status = 'in_flight' AND k.created_at <= $6)
RETURNING true"""
_READ = """
SELECT request_hash, created_at, response_status, response_body
FROM idempotency_keys WHERE owner = $1 AND key = $2"""
_OURS = "owner = $1 AND key = $2 AND status = 'in_flight' AND created_at = $3"
_RELEASE = f"DELETE FROM idempotency_keys WHERE {_OURS}"
_COMPLETE = f"""
UPDATE idempotency_keys SET status = 'completed', response_status = $4, response_body = $5
WHERE {_OURS} RETURNING true"""
_PURGE = "DELETE FROM idempotency_keys WHERE created_at < $1"


class AsyncpgIdempotencyStore(IdempotencyStoreProtocol):
    """Keys of every teacher in ``idempotency_keys``, on the raw driver like the repositories."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, claim: IdempotencyClaim) -> StoredKey | None:
        at = utc(claim.at)
        async with pg_connection(self._engine) as connection:
            # A released claim can vanish between the upsert and the read: then claim again.
            while True:
                arguments = (claim.owner, claim.key, claim.request_hash, at, *_cutoffs(at))
                if await connection.fetchval(_CLAIM, *arguments):
                    return None
                row = await connection.fetchrow(_READ, claim.owner, claim.key)
                if row is not None:
                    return _stored_key(row)

    async def release(self, claim: IdempotencyClaim) -> None:
        async with pg_connection(self._engine) as connection:
            await connection.execute(_RELEASE, claim.owner, claim.key, utc(claim.at))

    async def purge(self, older_than: datetime) -> int:
        async with pg_connection(self._engine) as connection:
            status = await connection.execute(_PURGE, utc(older_than))
        return int(status.split()[-1])


async def complete_key(
    connection: asyncpg.Connection, write: IdempotentWrite[_T] | None, outcome: _T
) -> None:
    """Inside the write's transaction: the claim becomes the stored response, or the write fails."""
    if write is None:
        return
    claim, response = write.claim, write.respond(outcome)
    arguments = (claim.owner, claim.key, utc(claim.at), response.status, response.body)
    if not await connection.fetchval(_COMPLETE, *arguments):
        raise IdempotencyKeyInFlightError(claim.key)  # the claim expired and another request took it


def _cutoffs(at: datetime) -> tuple[datetime, datetime]:
    """Keys created before the first are expired; claims in flight since before the second, abandoned."""
    return at - KEY_TTL, at - IN_FLIGHT_LEASE


def _stored_key(row: asyncpg.Record) -> StoredKey:
    status, body = row["response_status"], row["response_body"]
    response = StoredResponse(status, body) if status is not None else None
    return StoredKey(row["request_hash"], utc(row["created_at"]), response)
