"""Tells the outbox relay, in whichever process it runs, that outbox rows have just committed."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.implementations.postgres.connection import pg_connection

NOTIFY_CHANNEL = "cms_outbox"  # the relay leader LISTENs on it (relay_leadership)

log = structlog.get_logger(__name__)


class OutboxDoorbell:
    """A NOTIFY sent after the write's commit, on its own statement, coalesced per process.

    Why not NOTIFY inside the writing transaction (a trigger on the outbox, as migration 0003
    did): at commit PostgreSQL takes one database-wide lock for the notification queue and holds
    it through the commit's WAL flush, so every writing transaction queues behind the previous
    one. Here a write's transaction carries no NOTIFY. After it commits, the repository
    calls ``ring()``, which only sets a flag; one background task sends ``pg_notify`` on a pooled
    connection when the flag is set, then waits ``interval_s`` before it may send again: the
    rings in between fold into the next NOTIFY (``OUTBOX_DOORBELL_INTERVAL_S``).

    Best effort by design: a NOTIFY that fails (database down) or is never sent (process
    stopping) delays delivery only until the relay's next poll; it never loses an event.
    """

    def __init__(self, engine: AsyncEngine, interval_s: float) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._rung = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._is_closed = False

    def ring(self) -> None:
        """Called after a commit that wrote outbox rows; costs a flag, never waits."""
        self._rung.set()
        if self._sender is None and not self._is_closed:
            self._sender = asyncio.get_running_loop().create_task(self._send_rings(), name="outbox-doorbell")

    async def close(self) -> None:
        self._is_closed = True
        sender, self._sender = self._sender, None
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    async def _send_rings(self) -> None:
        while True:
            await self._rung.wait()
            self._rung.clear()
            try:
                async with pg_connection(self._engine) as connection:
                    await connection.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
            except Exception as error:  # noqa: BLE001 - best effort: the relay's poll is the fallback
                log.warning("outbox_doorbell_failed", error=type(error).__name__)
            await asyncio.sleep(self._interval_s)
