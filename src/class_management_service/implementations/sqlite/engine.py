"""The embedded SQLite engine: Unicode lower(), ICU name keys, WAL, foreign keys, up-front write locks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from class_management_service.config import Settings

_WRITE_LOCK_WAIT_MS = 30_000


def create_sqlite_engine(settings: Settings) -> AsyncEngine:
    """Build the engine (and the database file's directory); opens no connection until first use."""
    ensure_sqlite_directory(settings.database_url)
    engine = create_async_engine(settings.database_url)
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
    # One writer at a time, and a large roster import holds the write lock for its whole
    # transaction (about 5 s per 50,000 rows): other writers wait up to 30 s for it instead of
    # the driver's 5 s, after which they answer 503.
    cursor.execute(f"PRAGMA busy_timeout={_WRITE_LOCK_WAIT_MS}")
    cursor.close()


def _unicode_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _begin_sqlite(connection: Connection) -> None:
    # Writes take the write lock up front: a deferred transaction that reads and then writes
    # fails with SQLITE_BUSY instead of waiting when another writer got there first.
    mode = connection.get_execution_options().get("sqlite_begin", "")
    connection.exec_driver_sql(f"BEGIN {mode}")
