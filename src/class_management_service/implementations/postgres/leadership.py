"""Who leads on PostgreSQL: one relay (and one timeout monitor) at a time, across processes and hosts."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import structlog
from sqlalchemy.engine import URL, make_url

from class_management_service.implementations.postgres.outbox_doorbell import NOTIFY_CHANNEL
from class_management_service.protocols import MonitorLeadershipProtocol, RelayLeadershipProtocol

# Any fixed bigints work as long as every replica of this database uses the same ones.
ADVISORY_LOCK_KEY = 0x636D_735F_6F75_7478  # "cms_outx": the outbox relay
TIMEOUT_MONITOR_LOCK_KEY = 0x636D_735F_746D_6F6E  # "cms_tmon": the association timeout monitor
# Each role's statement reads differently in pg_stat_activity, so an operator sees who waits for what.
_LOCK_STATEMENTS = {
    ADVISORY_LOCK_KEY: "SELECT pg_try_advisory_lock($1)",
    TIMEOUT_MONITOR_LOCK_KEY: "SELECT pg_try_advisory_lock($1) AS association_timeout_monitor",
}
CONNECT_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 2.0

log = structlog.get_logger(__name__)


def asyncpg_dsn(database_url: str | URL) -> str:
    """``postgresql+asyncpg://...`` as the plain ``postgresql://`` DSN asyncpg itself accepts."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresAdvisoryLeadership(RelayLeadershipProtocol, MonitorLeadershipProtocol):
    """The leader is whoever holds a session advisory lock on its own dedicated connection.

    Chosen over claiming rows with SKIP LOCKED and a lease: with a single reader, rows go out
    in id order with no row locks, so per-key order holds across replicas for free, a claim is
    one index scan and marking is one UPDATE. Standbys retry the lock once per poll interval.
    When the leader dies its session ends and PostgreSQL releases the lock on its own; a
    standby takes over within one poll interval. The same connection LISTENs for the
    NOTIFY that writers send after their commits (``OutboxDoorbell``).

    The timeout monitor leads through its own key (``for_timeout_monitor``), without LISTEN.
    """

    def __init__(
        self,
        dsn: str,
        lock_key: int = ADVISORY_LOCK_KEY,
        listen_channel: str | None = NOTIFY_CHANNEL,
        role: str = "outbox_relay",
    ) -> None:
        self._dsn = dsn
        self._lock_key = lock_key
        self._listen_channel = listen_channel
        self._role = role
        self._connection: Any = None  # asyncpg.Connection, untyped upstream
        self._is_leader = False
        self._rows_committed = asyncio.Event()

    @classmethod
    def for_timeout_monitor(cls, dsn: str) -> PostgresAdvisoryLeadership:
        return cls(dsn, TIMEOUT_MONITOR_LOCK_KEY, listen_channel=None, role="association_timeout_monitor")

    @property
    def rows_committed(self) -> asyncio.Event:
        return self._rows_committed

    async def acquire(self) -> bool:
        if self._is_leader and not self._connection.is_closed():
            return True
        if self._is_leader:
            log.warning(f"{self._role}_leadership_lost")
            self._is_leader = False
        try:
            await self._try_lock()
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning(f"{self._role}_leadership_unavailable", error=type(error).__name__)
            await self.release()
        return self._is_leader

    async def release(self) -> None:
        """Closing the session drops the lock and the LISTEN together."""
        connection, self._connection = self._connection, None
        self._is_leader = False
        if connection is None:
            return
        try:
            await asyncio.wait_for(connection.close(), CLOSE_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - a broken connection still has to go
            connection.terminate()

    async def _try_lock(self) -> None:
        if self._connection is None or self._connection.is_closed():
            self._connection = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT_S)
        locked = await self._connection.fetchval(
            _LOCK_STATEMENTS.get(self._lock_key, _LOCK_STATEMENTS[ADVISORY_LOCK_KEY]), self._lock_key
        )
        if locked:
            if self._listen_channel is not None:
                await self._connection.add_listener(self._listen_channel, self._on_notify)
            self._is_leader = True
            # Rows may have committed before we listened: look once right away.
            self._rows_committed.set()
            log.info(f"{self._role}_leading")

    def _on_notify(self, *_args: object) -> None:
        self._rows_committed.set()
