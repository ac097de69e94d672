"""The relay process's /healthz decisions, with a fake relay state and a fake outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from class_management_service.domain.consumed_messages import ConsumerState
from class_management_service.protocols import BrokerState, OutboxStatsProtocol, RelayStateProtocol
from class_management_service.services.relay_health_service import RelayHealthService

STALL_AFTER_S = 60.0
SINCE = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class FakeState(RelayStateProtocol):
    def __init__(self, *, is_leading: bool, broker: BrokerState) -> None:
        self._is_leading = is_leading
        self._broker = broker

    @property
    def is_leading(self) -> bool:
        return self._is_leading

    @property
    def broker(self) -> BrokerState:
        return self._broker


class FakeOutbox(OutboxStatsProtocol):
    def __init__(self, pending: int = 0, oldest_age_s: float | None = None, *, is_down: bool = False) -> None:
        self._backlog = (pending, oldest_age_s)
        self._is_down = is_down

    async def pending(self) -> tuple[int, float | None]:
        if self._is_down:
            raise ConnectionRefusedError("database down")
        return self._backlog


def service(state: FakeState, outbox: FakeOutbox) -> RelayHealthService:
    return RelayHealthService(state, outbox, STALL_AFTER_S)


OK = BrokerState("ok")
FAILING = BrokerState("failing", failing_since=SINCE, last_error="KafkaConnectionError: down")


async def test_leader_with_broker_ok_and_young_backlog_is_healthy_and_shows_everything() -> None:
    report = await service(FakeState(is_leading=True, broker=OK), FakeOutbox(3, 0.2)).report()

    assert report.status == "healthy"
    assert report.is_ready
    assert report.detail is None
    assert report.checks == {
        "leadership": "leading",
        "kafka": {"state": "ok", "failing_since": None, "last_error": None},
        "outbox": {"pending": 3, "oldest_pending_age_s": 0.2},
    }


async def test_leader_whose_broker_fails_is_degraded_and_says_since_when() -> None:
    report = await service(FakeState(is_leading=True, broker=FAILING), FakeOutbox(5, 2.0)).report()

    assert report.status == "degraded"
    assert report.is_ready
    assert report.detail is not None
    assert SINCE.isoformat() in report.detail
    assert "KafkaConnectionError" in report.detail
    assert report.checks["kafka"] == {
        "state": "failing",
        "failing_since": SINCE.isoformat(),
        "last_error": "KafkaConnectionError: down",
    }


async def test_standby_is_healthy_while_the_outbox_moves_whatever_its_last_broker_state() -> None:
    report = await service(FakeState(is_leading=False, broker=FAILING), FakeOutbox(1, 0.1)).report()

    assert report.status == "healthy"
    assert report.checks["leadership"] == "standby"


async def test_any_relay_reports_a_stalled_outbox_as_degraded() -> None:
    report = await service(FakeState(is_leading=False, broker=OK), FakeOutbox(40, 95.0)).report()

    assert report.status == "degraded"
    assert report.detail is not None
    assert report.detail.startswith("outbox stalled")


async def test_relay_without_its_database_is_unhealthy_and_not_ready() -> None:
    report = await service(FakeState(is_leading=True, broker=OK), FakeOutbox(is_down=True)).report()

    assert report.status == "unhealthy"
    assert not report.is_ready
    assert report.detail == "database down"
    assert report.checks["outbox"] == {"pending": None, "oldest_pending_age_s": None}


class StubConsumer:
    def __init__(self, state: ConsumerState) -> None:
        self.state = state


async def test_the_consumer_beside_the_relay_is_shown_without_changing_the_status() -> None:
    consumer = StubConsumer(ConsumerState(True, (0, 2), last_error="RepositoryUnavailableError"))
    state = FakeState(is_leading=True, broker=OK)
    report = await service(state, FakeOutbox()).with_consumer(consumer).report()

    assert report.status == "healthy"
    assert report.checks["suggestions_consumer"] == {
        "state": "running",
        "assigned_partitions": [0, 2],
        "last_error": "RepositoryUnavailableError",
    }
