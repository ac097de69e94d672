"""The observed relay ports: what the relay's /healthz learns from its publisher and leadership."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.protocols import (
    BrokerState,
    EventPublisherProtocol,
    OutboxRecord,
    PublishFailure,
    RelayLeadershipProtocol,
)
from class_management_service.relay.relay_state import (
    NO_ACK_AFTER_S,
    LiveRelayState,
    ObservedEventPublisher,
    ObservedLeadership,
)

BROKER_DOWN = PublishFailure("KafkaConnectionError: broker down", is_transient=True)
POISON = PublishFailure("record too large", is_transient=False)


def record(row_id: int) -> OutboxRecord:
    return OutboxRecord(
        id=row_id,
        event_id=uuid.uuid4(),
        topic="t",
        key="k",
        user_id="u",
        correlation_id=uuid.uuid4(),
        payload="{}",
        occurred_at=datetime.now(UTC),
        attempts=0,
    )


class ScriptedPublisher(EventPublisherProtocol):
    """Starts unless told the broker is down; answers every record with the planned outcome."""

    def __init__(self) -> None:
        self.is_reachable = True
        self.outcome: PublishFailure | None = None
        self.closed = False
        self._is_started = False

    @property
    def is_started(self) -> bool:
        return self._is_started

    async def start(self) -> None:
        if not self.is_reachable:
            raise ConnectionRefusedError("broker down")
        self._is_started = True

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        return [self.outcome for _ in records]

    async def close(self) -> None:
        self.closed = True


class ScriptedLeadership(RelayLeadershipProtocol):
    def __init__(self) -> None:
        self.is_free = True
        self.released = False
        self._rows_committed = asyncio.Event()

    @property
    def rows_committed(self) -> asyncio.Event:
        return self._rows_committed

    async def acquire(self) -> bool:
        return self.is_free

    async def release(self) -> None:
        self.released = True


async def test_broker_is_not_started_until_the_relay_first_connects() -> None:
    state = LiveRelayState()

    assert state.broker.state == "not_started"
    assert not state.is_leading


async def test_failed_start_marks_the_broker_failing_and_a_later_start_clears_it() -> None:
    state, inner = LiveRelayState(), ScriptedPublisher()
    publisher = ObservedEventPublisher(inner, state)
    inner.is_reachable = False

    with pytest.raises(ConnectionRefusedError):
        await publisher.start()

    assert state.broker.state == "failing"
    assert state.broker.failing_since is not None
    assert state.broker.last_error == "ConnectionRefusedError: broker down"
    inner.is_reachable = True
    await publisher.start()
    assert state.broker.state == "ok"
    assert state.broker.failing_since is None
    assert publisher.is_started


async def test_failing_since_is_the_first_failure_not_the_latest_retry() -> None:
    state, inner = LiveRelayState(), ScriptedPublisher()
    publisher = ObservedEventPublisher(inner, state)
    inner.outcome = BROKER_DOWN

    await publisher.publish([record(1)])
    first = state.broker.failing_since
    await publisher.publish([record(2)])

    assert state.broker.failing_since == first
    assert state.broker.last_error == BROKER_DOWN.error


async def test_a_record_the_broker_rejects_does_not_count_as_a_broker_failure() -> None:
    state, inner = LiveRelayState(), ScriptedPublisher()
    publisher = ObservedEventPublisher(inner, state)
    inner.outcome = POISON

    outcomes = await publisher.publish([record(1)])

    assert outcomes == [POISON]
    assert state.broker.state == "ok"


async def test_leadership_is_recorded_on_acquire_and_dropped_on_release_and_shown_by_the_gauge() -> None:
    state, inner = LiveRelayState(), ScriptedLeadership()
    leadership = ObservedLeadership(inner, state)
    metrics = PrometheusRelayMetrics()
    metrics.track_relay_state(state)

    assert await leadership.acquire()
    assert state.is_leading
    assert metrics.registry.get_sample_value("cms_relay_leader") == 1.0
    await leadership.release()
    assert not state.is_leading
    assert inner.released
    assert metrics.registry.get_sample_value("cms_relay_leader") == 0.0
    inner.is_free = False
    assert not await leadership.acquire()
    assert not state.is_leading
    assert leadership.rows_committed is inner.rows_committed


class StalledPublisher(ScriptedPublisher):
    """A broker that accepts the connection but has not acknowledged yet."""

    def __init__(self) -> None:
        super().__init__()
        self.acknowledge = asyncio.Event()
        self.sending = asyncio.Event()

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        self.sending.set()
        await self.acknowledge.wait()
        return [None for _ in records]


async def test_a_send_unacknowledged_past_the_limit_reads_failing_since_it_began_until_acknowledged() -> None:
    clock = [datetime(2026, 1, 1, 12, 0, tzinfo=UTC)]
    state, inner = LiveRelayState(now=lambda: clock[0]), StalledPublisher()
    state.broker_ok()
    publisher = ObservedEventPublisher(inner, state)
    began = clock[0]

    sending = asyncio.create_task(publisher.publish([record(1)]))
    await inner.sending.wait()
    clock[0] = began + timedelta(seconds=NO_ACK_AFTER_S)
    assert state.broker.state == "ok"
    clock[0] = began + timedelta(seconds=NO_ACK_AFTER_S + 2)
    assert state.broker == BrokerState(
        "failing", failing_since=began, last_error=f"no acknowledgement for {NO_ACK_AFTER_S + 2:.0f} s"
    )
    inner.acknowledge.set()
    await sending
    assert state.broker == BrokerState("ok")
