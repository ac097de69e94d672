"""The relay process's own status endpoints: /healthz (leadership, broker, backlog) and /metrics."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response
from quart_dishka import inject

from class_management_service.api.status_replies import health_reply, metrics_reply
from class_management_service.protocols import RelayObservabilityProtocol
from class_management_service.services.relay_health_service import RelayHealthService

relay_bp = Blueprint("relay_status", __name__)


@relay_bp.get("/healthz")
@inject
async def healthz(health: FromDishka[RelayHealthService]) -> tuple[dict[str, object], int]:
    return health_reply(await health.report(), role="relay")


@relay_bp.get("/metrics")
@inject
async def metrics(
    health: FromDishka[RelayHealthService], observability: FromDishka[RelayObservabilityProtocol]
) -> Response:
    return await metrics_reply(observability, health.pending_outbox)
