"""The PostgreSQL engine: a sized pool whose idle connections are pinged before reuse."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from class_management_service.config import Settings

# Connections idle for longer than this are pinged before use (a database restart, a firewall
# dropping idle flows); busy ones are not.
IDLE_PING_AFTER_S = 10.0
_CHECKED_IN_AT = "cms_checked_in_at"


def create_postgres_engine(settings: Settings) -> AsyncEngine:
    """Build the engine; opens no connection until first use."""
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout_s,
    )
    event.listen(engine.sync_engine, "checkin", _note_checkin)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


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
