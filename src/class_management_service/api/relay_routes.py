"""The relay process's own status endpoints: /healthz (leadership, broker, backlog) and /metrics."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, current_app
from quart_dishka import inject

from class_management_service.protocols import RelayObservabilityProtocol
from class_management_service.services.relay_health_service import RelayHealthService

relay_bp = Blueprint("relay_status", __name__)


@relay_bp.get("/healthz")
@inject
async def healthz(health: FromDishka[RelayHealthService]) -> tuple[dict[str, object], int]:
    report = await health.report()
    config = current_app.config
    body: dict[str, object] = {
        "service": config["SERVICE_NAME"],
        "role": "relay",
        "status": report.status,
        "version": config["SERVICE_VERSION"],
        "environment": config["ENVIRONMENT"],
        "checks": report.checks,
        "detail": report.detail,
    }
    return body, 200 if report.is_ready else 503


@relay_bp.get("/metrics")
@inject
async def metrics(
    health: FromDishka[RelayHealthService], observability: FromDishka[RelayObservabilityProtocol]
) -> Response:
    try:
        pending, oldest_age = await health.pending_outbox()
    except Exception:  # noqa: BLE001, S110 - a scrape must succeed even when the database is down
        pass
    else:
        observability.record_outbox_backlog(pending, oldest_age)
    body, content_type = observability.render()
    return Response(body, status=200, content_type=content_type)
