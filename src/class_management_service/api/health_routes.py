"""Operations endpoints: /healthz (liveness + readiness detail) and /metrics (Prometheus)."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response
from quart_dishka import inject

from class_management_service.api.status_replies import health_reply, metrics_reply
from class_management_service.protocols import ObservabilityProtocol
from class_management_service.services.health_service import HealthService

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
@inject
async def healthz(health: FromDishka[HealthService]) -> tuple[dict[str, object], int]:
    return health_reply(await health.report())


@health_bp.get("/metrics")
@inject
async def metrics(
    health: FromDishka[HealthService], observability: FromDishka[ObservabilityProtocol]
) -> Response:
    # Only a process that publishes owns the backlog series.
    return await metrics_reply(
        observability, health.pending_outbox if observability.exposes_outbox_backlog else None
    )
