"""The association timeout monitor: one per deployment decides the batches whose deadline passed."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass

import structlog

from class_management_service.config import Settings
from class_management_service.domain.association_decisions import CompletedBatch, TimeoutPolicy
from class_management_service.domain.backoff import Backoff
from class_management_service.error_log import error_fields
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    ClockProtocol,
    ConsumerMetricsProtocol,
    EventsFor,
    MonitorLeadershipProtocol,
)

STOP_TIMEOUT_S = 10.0

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class MonitorPorts:
    """What the monitor talks to."""

    associations: AssociationRepositoryProtocol
    leadership: MonitorLeadershipProtocol
    clock: ClockProtocol
    metrics: ConsumerMetricsProtocol


class TimeoutMonitor:
    """Scans for expired batches every ``association_timeout_scan_s`` while it leads.

    Leadership only keeps replicas from doing the same work: correctness does not depend on it,
    since the repository decides each batch under its row lock and only the transaction that
    completes a batch writes its confirmed event.
    """

    def __init__(self, ports: MonitorPorts, events: EventsFor[CompletedBatch], settings: Settings) -> None:
        self._ports = ports
        self._events = events
        self._policy = TimeoutPolicy(min_confidence=settings.association_auto_confirm_min_confidence)
        self._scan_s = settings.association_timeout_scan_s
        self._backoff = Backoff(settings.relay_initial_backoff_s, settings.relay_max_backoff_s)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self.run(), name="association-timeout-monitor")

    async def stop(self) -> None:
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
        if not done:
            task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await task

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                pause = await self._step()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), pause)
        finally:
            self._ports.metrics.monitor_leading(False)
            await self._ports.leadership.release()

    async def _step(self) -> float:
        try:
            is_leading = await self._ports.leadership.acquire()
            self._ports.metrics.monitor_leading(is_leading)
            decided = await self.scan() if is_leading else 0
        except Exception as error:  # noqa: BLE001 - e.g. the database is down: log, back off, retry
            self._ports.metrics.timeout_scan_failed()
            log.error("association_timeout_scan_failed", **error_fields(error))  # noqa: TRY400 - no messages
            return self._backoff.next_delay()
        self._backoff.reset()
        # A full scan may have left more expired batches behind: look again at once.
        return 0.0 if decided >= self._policy.batch_limit else self._scan_s

    async def scan(self) -> int:
        """Decide the expired batches once (at most one policy's limit): how many were decided."""
        now = self._ports.clock.now()
        completed = await self._ports.associations.decide_expired(now, self._policy, self._events)
        for batch in completed:
            log.info(
                "association_batch_timed_out",
                batch_id=batch.review.batch.batch_id,
                essays=len(batch.review.essays),
                placeholder_created=batch.placeholder is not None,
            )
        if completed:
            self._ports.metrics.batches_timed_out(len(completed))
        return len(completed)
