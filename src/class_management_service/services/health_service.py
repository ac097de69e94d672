"""Readiness: the database decides; Kafka and Redis being down is reported as degraded, not fatal."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from class_management_service.protocols import HealthProbeProtocol, OutboxStatsProtocol

PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The /healthz answer: overall status, whether it is serviceable, and each check."""

    status: str
    is_ready: bool
    checks: dict[str, object]


class HealthService:
    """Runs every probe concurrently with a timeout, plus the outbox backlog."""

    def __init__(
        self,
        database: HealthProbeProtocol,
        others: Sequence[HealthProbeProtocol],
        outbox: OutboxStatsProtocol,
    ) -> None:
        self._database = database
        self._others = others
        self._outbox = outbox

    async def report(self) -> HealthReport:
        probes = [self._database, *self._others]
        results = await asyncio.gather(*(self._run(probe) for probe in probes))
        checks: dict[str, object] = {
            probe.name: result for probe, result in zip(probes, results, strict=True)
        }
        is_ready = results[0] == "ok"
        checks["outbox"] = (
            await self._outbox_check() if is_ready else {"pending": None, "oldest_pending_age_s": None}
        )
        degraded = any(result == "down" for result in results[1:])
        status = "unhealthy" if not is_ready else "degraded" if degraded else "healthy"
        return HealthReport(status=status, is_ready=is_ready, checks=checks)

    async def pending_outbox(self) -> tuple[int, float | None]:
        return await self._outbox.pending()

    @staticmethod
    async def _run(probe: HealthProbeProtocol) -> str:
        try:
            result = await asyncio.wait_for(probe.is_healthy(), PROBE_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - any failure of a probe means "down", never a 500
            return "down"
        return "disabled" if result is None else "ok" if result else "down"

    async def _outbox_check(self) -> dict[str, object]:
        try:
            pending, oldest_age = await asyncio.wait_for(self._outbox.pending(), PROBE_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - the backlog is informative; its failure must not fail health
            return {"pending": None, "oldest_pending_age_s": None}
        return {"pending": pending, "oldest_pending_age_s": oldest_age}
