"""Readiness: the database decides; Kafka, Redis or a stalled outbox is reported as degraded."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from class_management_service.domain.outbox_backlog import stall_reason
from class_management_service.protocols import HealthProbeProtocol, OutboxStatsProtocol

PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The /healthz answer: overall status, whether it is serviceable, each check, and why."""

    status: str
    is_ready: bool
    checks: dict[str, object]
    detail: str | None = None


class HealthService:
    """Runs every probe concurrently with a timeout, plus the outbox backlog and its stall rule."""

    def __init__(
        self,
        database: HealthProbeProtocol,
        others: Sequence[HealthProbeProtocol],
        outbox: OutboxStatsProtocol,
        stall_after_s: float,
    ) -> None:
        self._database = database
        self._others = others
        self._outbox = outbox
        self._stall_after_s = stall_after_s

    async def report(self) -> HealthReport:
        probes = [self._database, *self._others]
        results = await asyncio.gather(*(self._run(probe) for probe in probes))
        checks: dict[str, object] = {
            probe.name: result for probe, result in zip(probes, results, strict=True)
        }
        if results[0] != "ok":
            checks["outbox"] = {"pending": None, "oldest_pending_age_s": None}
            return HealthReport("unhealthy", is_ready=False, checks=checks, detail="database down")
        pending, oldest_age = await self._outbox_backlog()
        checks["outbox"] = {"pending": pending, "oldest_pending_age_s": oldest_age}
        reasons = [
            f"{probe.name} down" for probe, result in zip(probes, results, strict=True) if result == "down"
        ]
        stalled = stall_reason(oldest_age, self._stall_after_s)
        if stalled is not None:
            reasons.append(stalled)
        if reasons:
            return HealthReport("degraded", is_ready=True, checks=checks, detail="; ".join(reasons))
        return HealthReport("healthy", is_ready=True, checks=checks)

    async def pending_outbox(self) -> tuple[int, float | None]:
        return await self._outbox.pending()

    @staticmethod
    async def _run(probe: HealthProbeProtocol) -> str:
        try:
            result = await asyncio.wait_for(probe.is_healthy(), PROBE_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - any failure of a probe means "down", never a 500
            return "down"
        return "disabled" if result is None else "ok" if result else "down"

    async def _outbox_backlog(self) -> tuple[int | None, float | None]:
        try:
            return await asyncio.wait_for(self._outbox.pending(), PROBE_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - the backlog is informative; its failure must not fail health
            return None, None
