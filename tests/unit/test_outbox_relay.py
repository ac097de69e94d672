"""OutboxRelay with hand-written fakes: what it marks, what it retries and when, how it waits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from class_management_service.config import Settings
from class_management_service.protocols import (
    EventPublisherProtocol,
    NotificationPublisherProtocol,
    OutboxRecord,
    OutboxStoreProtocol,
    PublishFailure,
    RelayLeadershipProtocol,
    RelayMetricsProtocol,
    RowFailure,
)
from class_management_service.relay.backoff import Backoff
from class_management_service.relay.batches import RelayBatches
from class_management_service.relay.outbox_relay import OutboxRelay, RelayPorts

BROKER_DOWN = PublishFailure("KafkaConnectionError", is_transient=True)
POISON = PublishFailure("unknown topic 'x'", is_transient=False)


def record(row_id: int, key: str = "k", attempts: int = 0) -> OutboxRecord:
    return OutboxRecord(
        id=row_id,
        event_id=uuid.uuid4(),
        topic="huleedu.class.updated.v1",
        key=key,
        user_id="teacher",
        correlation_id=uuid.uuid4(),
        payload="{}",
        occurred_at=datetime.now(UTC) - timedelta(seconds=1),
        attempts=attempts,
    )


class FakeStore(OutboxStoreProtocol):
    """Hands out whatever the test queued, oldest first, and remembers the outcomes."""

    def __init__(self, *records: OutboxRecord) -> None:
        self.queue = list(records)
        self.published: list[int] = []
        self.failed: list[RowFailure] = []
        self.purges: list[timedelta] = []
        self.claims = 0
        self.skipped: list[list[int]] = []
        self.has_claimed = asyncio.Event()

    async def claim(self, limit: int, skip_ids: Sequence[int] = ()) -> Sequence[OutboxRecord]:
        self.claims += 1
        self.skipped.append(list(skip_ids))
        self.has_claimed.set()
        batch, self.queue = self.queue[:limit], self.queue[limit:]
        return batch

    async def mark_published(self, ids: Sequence[int]) -> None:
        self.published.extend(ids)

    async def mark_failed(self, failures: Sequence[RowFailure]) -> None:
        self.failed.extend(failures)

    async def purge_published(self, older_than: timedelta) -> int:
        self.purges.append(older_than)
        return 0


class FakePublisher(EventPublisherProtocol):
    """Acknowledges everything except the outcomes planned per row id; can refuse to start."""

    def __init__(self, outcomes: dict[int, PublishFailure] | None = None, is_reachable: bool = True) -> None:
        self.outcomes = outcomes or {}
        self.is_reachable = is_reachable
        self.starts = 0
        self._is_started = False

    @property
    def is_started(self) -> bool:
        return self._is_started

    async def start(self) -> None:
        self.starts += 1
        if not self.is_reachable:
            raise ConnectionRefusedError("broker down")
        self._is_started = True

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        return [self.outcomes.get(r.id) for r in records]

    async def close(self) -> None:
        self._is_started = False


class FakeNotifier(NotificationPublisherProtocol):
    def __init__(self) -> None:
        self.notified: list[int] = []

    def notify(self, records: Sequence[OutboxRecord]) -> None:
        self.notified.extend(r.id for r in records)

    async def close(self) -> None:
        return None


class FakeLeadership(RelayLeadershipProtocol):
    def __init__(self) -> None:
        self._rows_committed = asyncio.Event()

    @property
    def rows_committed(self) -> asyncio.Event:
        return self._rows_committed

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FakeMetrics(RelayMetricsProtocol):
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.failed = 0
        self.batches: list[float] = []
        self.notification_failures = 0

    def events_published(self, ack_latencies_s: Sequence[float]) -> None:
        self.latencies.extend(ack_latencies_s)

    def events_failed(self, count: int) -> None:
        self.failed += count

    def relay_batch(self, seconds: float) -> None:
        self.batches.append(seconds)

    def notifications_failed(self, count: int) -> None:
        self.notification_failures += count


def relay_with(
    store: FakeStore, publisher: FakePublisher, **settings: object
) -> tuple[OutboxRelay, RelayPorts]:
    values: dict[str, object] = {"relay_initial_backoff_s": 1.0, "relay_max_backoff_s": 64.0, **settings}
    ports = RelayPorts(store, publisher, FakeNotifier(), FakeLeadership(), FakeMetrics())
    return OutboxRelay(ports, Settings.model_validate(values)), ports


def batches_with(
    store: FakeStore, publisher: FakePublisher
) -> tuple[RelayBatches, FakeNotifier, FakeMetrics]:
    notifier, metrics = FakeNotifier(), FakeMetrics()
    return RelayBatches(store, publisher, notifier, metrics, Backoff(1.0, 64.0)), notifier, metrics


async def test_acknowledged_rows_are_marked_notified_and_timed_and_failed_rows_are_not() -> None:
    store = FakeStore(record(1), record(2, "poisoned"), record(3))
    batches, notifier, metrics = batches_with(store, FakePublisher({2: POISON}))

    claimed, is_healthy = await batches.publish_batch(limit=10)
    await batches.finish()

    assert (claimed, is_healthy) == (3, True)
    assert store.published == [1, 3]
    assert [failure.id for failure in store.failed] == [2]
    assert notifier.notified == [1, 3]
    assert len(metrics.latencies) == 2
    assert all(0.9 < latency < 5 for latency in metrics.latencies)
    assert metrics.failed == 1


async def test_next_claim_skips_the_rows_whose_marking_is_still_in_flight() -> None:
    store = FakeStore(record(1), record(2), record(3), record(4))
    batches, _, _ = batches_with(store, FakePublisher({2: POISON}))

    await batches.publish_batch(limit=2)
    await batches.publish_batch(limit=2)
    await batches.publish_batch(limit=2)

    assert store.skipped == [[], [1], [3, 4]]
    assert store.published == [1, 3, 4]


@pytest.mark.parametrize(
    ("attempts", "low", "high"), [(0, 0.5, 1.0), (1, 1.0, 2.0), (4, 8.0, 16.0), (20, 32.0, 64.0)]
)
async def test_failed_row_waits_longer_the_more_attempts_it_already_has(
    attempts: int, low: float, high: float
) -> None:
    store = FakeStore(record(7, attempts=attempts))
    batches, _, _ = batches_with(store, FakePublisher({7: POISON}))

    await batches.publish_batch(limit=10)

    [failure] = store.failed
    assert failure.error == POISON.error
    assert timedelta(seconds=low) <= failure.retry_in <= timedelta(seconds=high)


async def test_batch_counts_as_unhealthy_only_when_a_failure_blames_the_broker() -> None:
    poisoned, _, _ = batches_with(FakeStore(record(1), record(2)), FakePublisher({1: POISON}))
    broken, _, _ = batches_with(FakeStore(record(1), record(2)), FakePublisher({2: BROKER_DOWN}))

    assert (await poisoned.publish_batch(limit=10))[1] is True
    assert (await broken.publish_batch(limit=10))[1] is False


async def test_relay_backs_off_from_an_unreachable_broker_even_when_commits_keep_waking_it() -> None:
    store = FakeStore(*(record(i) for i in range(10)))
    publisher = FakePublisher(is_reachable=False)
    relay, ports = relay_with(store, publisher, relay_initial_backoff_s=0.01, relay_max_backoff_s=0.08)

    relay.start()
    for _ in range(100):  # a commit every 5 ms for half a second
        ports.leadership.rows_committed.set()
        await asyncio.sleep(0.005)
    await relay.stop()

    # 0.01 doubling to 0.08 s: about ten attempts in 0.5 s; a loop that obeyed each wake-up makes 100+.
    assert 3 <= publisher.starts <= 20
    assert store.claims == 0


async def test_stop_publishes_what_is_pending_before_returning() -> None:
    store = FakeStore()
    relay, _ = relay_with(store, FakePublisher(), relay_poll_interval_s=60.0, relay_batch_size=2)
    relay.start()
    # Once it found nothing, it waits a minute for the next look.
    await asyncio.wait_for(store.has_claimed.wait(), timeout=2)
    store.queue.extend(record(i) for i in range(5))

    await relay.stop()

    assert store.published == [0, 1, 2, 3, 4]


async def test_leader_purges_published_rows_past_the_retention_once_then_every_few_minutes() -> None:
    store = FakeStore(record(1))
    relay, _ = relay_with(store, FakePublisher(), outbox_retention_hours=6, relay_poll_interval_s=0.001)

    relay.start()
    for _ in range(5):  # several cycles, one purge
        store.has_claimed.clear()
        await asyncio.wait_for(store.has_claimed.wait(), timeout=2)
    await relay.stop()

    assert store.purges == [timedelta(hours=6)]
