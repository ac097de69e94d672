"""The timeout monitor with fakes: scans only while it leads, with the configured policy."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from class_management_service.config import Settings
from class_management_service.consumer.timeout_monitor import MonitorPorts, TimeoutMonitor
from class_management_service.domain.association_decisions import CompletedBatch, TimeoutPolicy
from class_management_service.domain.events import OutboxEvent
from tests.fakes import FakeClock
from tests.unit.association_samples import essay, review
from tests.unit.consumer_fakes import (
    FakeAssociations,
    FakeMonitorLeadership,
    RecordingConsumerMetrics,
    eventually,
)


class Harness:
    def __init__(self, *, is_leader: bool = True, scan_s: float = 60.0) -> None:
        self.associations = FakeAssociations()
        self.leadership = FakeMonitorLeadership(is_leader)
        self.metrics = RecordingConsumerMetrics()
        self.clock = FakeClock()
        self.built: list[CompletedBatch] = []
        settings = Settings(
            association_auto_confirm_min_confidence=0.8,
            association_timeout_scan_s=scan_s,
            relay_initial_backoff_s=0.001,
            relay_max_backoff_s=0.005,
            log_level="CRITICAL",
        )
        ports = MonitorPorts(self.associations, self.leadership, self.clock, self.metrics)
        self.monitor = TimeoutMonitor(ports, self._events, settings)

    def _events(self, completed: CompletedBatch) -> Sequence[OutboxEvent]:
        self.built.append(completed)
        return []


def _completed() -> CompletedBatch:
    return CompletedBatch(review([essay("e1", 0)]), timeout_triggered=True)


async def test_a_scan_decides_expired_batches_now_with_the_configured_confidence_bar() -> None:
    harness = Harness()
    expired = [_completed(), _completed()]
    harness.associations.expired = list(expired)

    decided = await harness.monitor.scan()

    assert decided == 2
    assert harness.associations.scans == [(harness.clock.now(), TimeoutPolicy(min_confidence=0.8))]
    assert harness.built == expired
    assert harness.metrics.counts["timed_out"] == 2


async def test_a_standby_never_scans_and_releases_its_lock_on_stop() -> None:
    harness = Harness(is_leader=False, scan_s=0.001)
    harness.monitor.start()
    await asyncio.sleep(0.02)

    await harness.monitor.stop()

    assert harness.associations.scans == []
    assert harness.leadership.released == 1
    assert not harness.metrics.is_leading


async def test_a_failed_scan_is_counted_and_retried() -> None:
    harness = Harness(scan_s=0.001)
    harness.associations.failures = 2
    harness.associations.expired = [_completed()]
    harness.monitor.start()
    await eventually(lambda: harness.metrics.counts["timed_out"] >= 1)

    await harness.monitor.stop()

    assert harness.metrics.counts["scan_failed"] == 2
    assert len(harness.associations.scans) >= 3


async def test_a_full_scan_is_followed_at_once_by_another() -> None:
    harness = Harness(scan_s=3600.0)
    harness.associations.expired = [_completed() for _ in range(TimeoutPolicy(0.0).batch_limit + 1)]
    harness.monitor.start()
    await eventually(lambda: harness.metrics.counts["timed_out"] > TimeoutPolicy(0.0).batch_limit)

    await harness.monitor.stop()

    assert len(harness.associations.scans) == 2
