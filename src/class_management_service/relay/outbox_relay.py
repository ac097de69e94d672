"""The outbox relay: committed rows to Kafka in id order, then to Redis, with backoff on failure."""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta

import structlog

from class_management_service.config import Settings
from class_management_service.domain.backoff import Backoff
from class_management_service.error_log import error_fields, type_name
from class_management_service.protocols import (
    EventPublisherProtocol,
    NotificationPublisherProtocol,
    OutboxStoreProtocol,
    RelayLeadershipProtocol,
    RelayMetricsProtocol,
)
from class_management_service.relay.batches import RelayBatches

PURGE_EVERY_S = 300.0

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Pause:
    seconds: float
    is_woken_by_commit: bool


@dataclass(frozen=True, slots=True)
class RelayPorts:
    """What the relay talks to; bundled so the relay's constructor stays readable."""

    store: OutboxStoreProtocol
    publisher: EventPublisherProtocol
    notifier: NotificationPublisherProtocol
    leadership: RelayLeadershipProtocol
    metrics: RelayMetricsProtocol


class OutboxRelay:
    """Delivers every committed outbox row at least once, in per-key order, without hot loops.

    A row is marked published only after Kafka acknowledged it, so a crash at any point leads
    to a re-send with the same ``event_id``, never to a loss.
    """

    def __init__(self, ports: RelayPorts, settings: Settings) -> None:
        self._ports = ports
        self._batch_size = settings.relay_batch_size
        self._poll_s = settings.relay_poll_interval_s
        self._batch_window_s = settings.relay_batch_window_s
        self._drain_s = settings.relay_drain_timeout_s
        self._retention = timedelta(hours=settings.outbox_retention_hours)
        self._backoff = Backoff(settings.relay_initial_backoff_s, settings.relay_max_backoff_s)
        self._batches = RelayBatches(
            ports.store, ports.publisher, ports.notifier, ports.metrics, self._backoff
        )
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_purge = 0.0

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop taking new batches, publish what is pending for up to the drain timeout, return."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        # The margin lets a batch in flight finish; past it, whatever was not marked is re-sent.
        done, _ = await asyncio.wait({task}, timeout=self._drain_s + 1.0)
        if not done:
            task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await task

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                await self._step()
            await self._drain()
        finally:
            # Leadership goes only after the last marks landed, or the next leader re-sends them.
            with suppress(Exception):
                await self._batches.finish()
            await self._ports.leadership.release()

    async def publish_batch(self) -> tuple[int, bool]:
        """One batch right now (also what the drain repeats): (rows claimed, broker healthy)."""
        return await self._batches.publish_batch(self._batch_size)

    async def _step(self) -> None:
        try:
            pause = await self._cycle()
        except Exception as error:  # noqa: BLE001 - e.g. the database is down: log, back off, retry
            log.error("outbox_relay_cycle_failed", **error_fields(error))  # noqa: TRY400 - no messages
            pause = _Pause(self._backoff.next_delay(), is_woken_by_commit=False)
        if pause.seconds > 0:
            await self._pause(pause)

    async def _cycle(self) -> _Pause:
        if not await self._ports.leadership.acquire():
            return _Pause(self._poll_s, is_woken_by_commit=False)
        if not await self._start_publisher():
            return _Pause(self._backoff.next_delay(), is_woken_by_commit=False)
        await self._purge_if_due()
        # Cleared before the claim: a commit landing during this batch wakes the next one.
        self._ports.leadership.rows_committed.clear()
        claimed, is_healthy = await self.publish_batch()
        if not is_healthy:
            # Ignore commit wake-ups while the broker fails, or a busy API would make this spin.
            return _Pause(self._backoff.next_delay(), is_woken_by_commit=False)
        self._backoff.reset()
        if claimed == self._batch_size:
            return _Pause(0.0, is_woken_by_commit=False)
        return _Pause(self._poll_s, is_woken_by_commit=True)

    async def _start_publisher(self) -> bool:
        if self._ports.publisher.is_started:
            return True
        try:
            await self._ports.publisher.start()
        except Exception as error:  # noqa: BLE001 - the broker is down: the caller backs off
            log.warning("kafka_unavailable", error_type=type_name(error))
            return False
        log.info("kafka_publisher_started")
        return True

    async def _purge_if_due(self) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY_S
        try:
            purged = await self._ports.store.purge_published(self._retention)
        except Exception as error:  # noqa: BLE001 - purging is housekeeping; publishing goes on
            log.error("outbox_purge_failed", **error_fields(error))  # noqa: TRY400 - no messages
            return
        if purged:
            log.info("outbox_purged", rows=purged)

    async def _drain(self) -> None:
        """On stop, publish what is already committed while the broker answers and time is left."""
        deadline = time.monotonic() + self._drain_s
        try:
            while time.monotonic() < deadline and self._ports.publisher.is_started:
                if not await self._ports.leadership.acquire():
                    return
                claimed, is_healthy = await self.publish_batch()
                if claimed < self._batch_size or not is_healthy:
                    return
        except Exception as error:  # noqa: BLE001 - shutting down: the rest waits for the next relay
            log.error("outbox_relay_drain_failed", **error_fields(error))  # noqa: TRY400 - no messages

    async def _pause(self, pause: _Pause) -> None:
        events = [self._stopping]
        if pause.is_woken_by_commit:
            events.append(self._ports.leadership.rows_committed)
        waiters = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait(waiters, timeout=pause.seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        is_commit_wake = pause.is_woken_by_commit and self._ports.leadership.rows_committed.is_set()
        if is_commit_wake and not self._stopping.is_set():
            await asyncio.sleep(self._batch_window_s)
