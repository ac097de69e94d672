"""OutboxRelay with the fakes of ``tests/fakes.py``: what it marks, what it retries and when, how it waits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import pytest

from class_management_service.config import Settings
from class_management_service.domain.backoff import Backoff
from class_management_service.protocols import OutboxRecord, PublishFailure
from class_management_service.relay.batches import RelayBatches
from class_management_service.relay.outbox_relay import OutboxRelay, RelayPorts
from tests.fakes import FakeLeadership, FakeMetrics, FakeNotifier, FakePublisher, FakeStore, record

BROKER_DOWN = PublishFailure("KafkaConnectionError", is_transient=True)
POISON = PublishFailure("unknown topic 'x'", is_transient=False)


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


class PendingUntilMarkedStore(FakeStore):
    """Rows stay pending until marked, as in the database; while ``is_down`` every call fails."""

    def __init__(self, *records: OutboxRecord) -> None:
        super().__init__(*records)
        self.is_down = False

    async def claim(self, limit: int, skip_ids: Sequence[int] = ()) -> Sequence[OutboxRecord]:
        if self.is_down:
            raise ConnectionRefusedError("database down")
        pending = [r for r in self.queue if r.id not in self.published and r.id not in skip_ids]
        return pending[:limit]

    async def mark_published(self, ids: Sequence[int]) -> None:
        if self.is_down:
            raise ConnectionRefusedError("database down")
        await super().mark_published(ids)


class SendCountingPublisher(FakePublisher):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[int] = []

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        self.sent.extend(r.id for r in records)
        return await super().publish(records)


async def test_rows_kafka_acknowledged_are_not_sent_again_when_only_their_marking_failed() -> None:
    store = PendingUntilMarkedStore(record(1), record(2), record(3))
    publisher = SendCountingPublisher()
    batches, _, _ = batches_with(store, publisher)

    await batches.publish_batch(limit=2)  # 1 and 2 acknowledged; their marking is scheduled
    store.is_down = True  # the database goes away while the marking runs
    await asyncio.sleep(0)
    store.is_down = False
    with pytest.raises(ConnectionRefusedError):  # the failed marking surfaces once, after row 3 is sent
        await batches.publish_batch(limit=2)
    await batches.publish_batch(limit=2)
    await batches.finish()

    assert sorted(store.published) == [1, 2, 3]
    assert sorted(publisher.sent) == [1, 2, 3]


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
