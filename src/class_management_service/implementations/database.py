"""The application's one async engine, and the translation of "database unreachable" errors."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from class_management_service.config import Settings
from class_management_service.domain.errors import RepositoryUnavailableError

# Connections idle for longer than this are pinged before use (a database restart, a firewall
# dropping idle flows); busy ones are not.
IDLE_PING_AFTER_S = 10.0
_CHECKED_IN_AT = "cms_checked_in_at"

_UNREACHABLE = (
    OSError,  # includes ConnectionRefusedError and the builtin TimeoutError
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    # The driver lost track of the protocol: the server dropped the connection (a FATAL error
    # arrived) and the socket's end was not read yet when the next statement was sent.
    asyncpg.InternalClientError,
    exc.TimeoutError,  # pool exhausted for pool_timeout seconds
)
# SQLSTATE classes meaning "not now": connection exception, insufficient resources, shutdown.
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the engine; opens no connection until first use."""
    url = settings.database_url
    if not settings.is_sqlite:
        engine = create_async_engine(
            url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_timeout=settings.database_pool_timeout_s,
        )
        event.listen(engine.sync_engine, "checkin", _note_checkin)
        event.listen(engine.sync_engine, "checkout", _ping_if_idle)
        return engine
    ensure_sqlite_directory(url)
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
    event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return engine


def write_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for one write transaction each (on SQLite it holds the write lock from BEGIN)."""
    return async_sessionmaker(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)


def read_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads (SQLite: a deferred transaction, so readers never wait for the write lock)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def ensure_sqlite_directory(database_url: str) -> None:
    """SQLite creates the file but not its directory; create that if missing."""
    url = make_url(database_url)
    database = url.database
    if (
        url.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and not database.startswith("file:")
    ):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN_AT] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # pool_pre_ping would cost three round trips (BEGIN, ping, ROLLBACK) on every checkout. A
    # connection in steady use needs none: a disconnect it meets invalidates the whole pool.
    checked_in_at = record.info.get(_CHECKED_IN_AT)
    if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_PING_AFTER_S:
        return
    try:
        dbapi_connection.ping()
    except Exception as error:
        raise exc.DisconnectionError from error  # the pool replaces the connection and retries


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN skips SELECTs, so reads before a write would fall outside
    # the transaction; SQLAlchemy's "begin" hook emits BEGIN instead.
    dbapi_connection.isolation_level = None
    # SQLite's own lower() folds ASCII only; Swedish names and emails need Unicode folding for
    # search and for the case-insensitive email index. Deterministic, so indexes may use it.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _unicode_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _begin_sqlite(connection: Connection) -> None:
    # Writes take the write lock up front: a deferred transaction that reads and then writes
    # fails with SQLITE_BUSY instead of waiting when another writer got there first.
    mode = connection.get_execution_options().get("sqlite_begin", "")
    connection.exec_driver_sql(f"BEGIN {mode}")


@asynccontextmanager
async def translate_database_errors() -> AsyncIterator[None]:
    """Turn "the database cannot be reached" into RepositoryUnavailableError; others pass."""
    try:
        yield
    except Exception as error:
        if is_unavailable(error):
            raise RepositoryUnavailableError() from error
        raise


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` means "not now": raised through SQLAlchemy or by the driver directly."""
    if isinstance(error, exc.DBAPIError):
        return (
            error.connection_invalidated
            or isinstance(error, exc.OperationalError | exc.InterfaceError)
            or is_unavailable(error.orig)
        )
    if isinstance(error, _UNREACHABLE):
        return True
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
