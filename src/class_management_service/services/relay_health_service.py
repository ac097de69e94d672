"""The relay process's /healthz: leadership, the broker as the relay sees it, and the backlog."""

from __future__ import annotations

import asyncio

from class_management_service.domain.outbox_backlog import stall_reason
from class_management_service.protocols import (
    ConsumerStateProtocol,
    OutboxStatsProtocol,
    RelayStateProtocol,
)
from class_management_service.services.health_service import PROBE_TIMEOUT_S, HealthReport


class RelayHealthService:
    """Unhealthy (503) without the database; degraded when the leader's broker fails or the outbox stalls.

    A standby is healthy as long as the database answers: it is waiting, as it should. A stalled
    outbox is reported by every relay (and the API), since it means that nobody publishes.
    """

    def __init__(
        self,
        state: RelayStateProtocol,
        outbox: OutboxStatsProtocol,
        stall_after_s: float,
        consumer: ConsumerStateProtocol | None = None,
    ) -> None:
        self._state = state
        self._outbox = outbox
        self._stall_after_s = stall_after_s
        self._consumer = consumer

    def with_consumer(self, consumer: ConsumerStateProtocol) -> RelayHealthService:
        """The same report, plus what the suggestions consumer in this process is doing."""
        return RelayHealthService(self._state, self._outbox, self._stall_after_s, consumer)

    async def report(self) -> HealthReport:
        broker = self._state.broker
        failing_since = broker.failing_since.isoformat() if broker.failing_since else None
        checks: dict[str, object] = {
            "leadership": "leading" if self._state.is_leading else "standby",
            "kafka": {
                "state": broker.state,
                "failing_since": failing_since,
                "last_error": broker.last_error,
            },
        }
        if self._consumer is not None:
            consumer = self._consumer.state
            # Informational: its database failures show under the database, Kafka's under kafka.
            checks["suggestions_consumer"] = {
                "state": "running" if consumer.is_running else "stopped",
                "assigned_partitions": list(consumer.assigned_partitions),
                "last_error": consumer.last_error,
            }
        try:
            pending, oldest_age = await asyncio.wait_for(self._outbox.pending(), PROBE_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - the database is down: reported, never a 500
            checks["outbox"] = {"pending": None, "oldest_pending_age_s": None}
            return HealthReport("unhealthy", is_ready=False, checks=checks, detail="database down")
        checks["outbox"] = {"pending": pending, "oldest_pending_age_s": oldest_age}
        reasons: list[str] = []
        if self._state.is_leading and broker.state == "failing":
            reasons.append(f"kafka failing since {failing_since}: {broker.last_error}")
        stalled = stall_reason(oldest_age, self._stall_after_s)
        if stalled is not None:
            reasons.append(stalled)
        if reasons:
            return HealthReport("degraded", is_ready=True, checks=checks, detail="; ".join(reasons))
        return HealthReport("healthy", is_ready=True, checks=checks)

    async def pending_outbox(self) -> tuple[int, float | None]:
        return await self._outbox.pending()
