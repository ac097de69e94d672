"""The asyncpg connection inside a pooled engine connection: the one pool, without SQLAlchemy per call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection, QueuePool
from sqlalchemy.util import greenlet_spawn

from class_management_service import private_apis
from class_management_service.implementations.database import translate_database_errors


@asynccontextmanager
async def pg_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection's asyncpg connection, in autocommit unless the caller opens a transaction.

    "Database unreachable" errors become RepositoryUnavailableError, as in every repository.
    """
    async with translate_database_errors():
        pooled = await engine.raw_connection()
        connection: asyncpg.Connection = pooled.driver_connection
        try:
            yield connection
        except BaseException as error:
            if connection.is_closed() or isinstance(error, asyncpg.InternalClientError):
                # What SQLAlchemy does on a disconnect: the server likely dropped every
                # connection, so the pool recycles all those opened before this one.
                private_apis.sqlalchemy_invalidate_pool(engine.pool, pooled, error)
            raise
        finally:
            await _give_back(engine, pooled, connection)


async def _give_back(
    engine: AsyncEngine, pooled: PoolProxiedConnection, connection: asyncpg.Connection
) -> None:
    # The statements ran on the driver, so SQLAlchemy's reset-on-return ROLLBACK is a no-op
    # (its adapter began no transaction): returning the connection costs no round trip.
    if pooled.is_valid and connection.is_in_transaction():
        # A cancel can interrupt a transaction's ROLLBACK; never hand that state to the next caller.
        pooled.invalidate()
    if pooled.is_valid and _is_checkin_io_free(engine):
        pooled.close()
    else:
        # Closing a surplus or broken connection awaits I/O: shielded, so a cancel cannot leave
        # the pool's overflow count wrong, as SQLAlchemy's own AsyncConnection does it.
        await asyncio.shield(greenlet_spawn(pooled.close))


def _is_checkin_io_free(engine: AsyncEngine) -> bool:
    """A check-in only closes the connection (I/O) when the pool already holds ``pool_size`` of them."""
    pool = engine.pool
    return isinstance(pool, QueuePool) and pool.overflow() <= 0


def transaction_if(connection: asyncpg.Connection, is_needed: bool) -> AbstractAsyncContextManager[object]:
    """A transaction only when a write spans statements; a single statement is atomic on its own."""
    return connection.transaction() if is_needed else nullcontext()
