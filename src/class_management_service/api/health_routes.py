"""Operations endpoints: /healthz (liveness + readiness detail) and /metrics (Prometheus)."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, current_app
from quart_dishka import inject

from class_management_service.protocols import ObservabilityProtocol
from class_management_service.services.health_service import HealthService

health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
@inject
async def healthz(health: FromDishka[HealthService]) -> tuple[dict[str, object], int]:
    report = await health.report()
    config = current_app.config
    body: dict[str, object] = {
        "service": config["SERVICE_NAME"],
        "status": report.status,
        "version": config["SERVICE_VERSION"],
        "environment": config["ENVIRONMENT"],
        "checks": report.checks,
        "detail": report.detail,
    }
    return body, 200 if report.is_ready else 503


@health_bp.get("/metrics")
@inject
async def metrics(
    health: FromDishka[HealthService], observability: FromDishka[ObservabilityProtocol]
) -> Response:
    if observability.exposes_outbox_backlog:  # only a process that publishes owns the backlog series
        try:
            pending, oldest_age = await health.pending_outbox()
        except Exception:  # noqa: BLE001, S110 - a scrape must succeed even when the database is down
            pass
        else:
            observability.record_outbox_backlog(pending, oldest_age)
    body, content_type = observability.render()
    return Response(body, status=200, content_type=content_type)
