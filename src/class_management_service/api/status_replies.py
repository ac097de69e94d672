"""The bodies of /healthz and /metrics, shared by the API's and the relay process's status routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from quart import Response, current_app

from class_management_service.protocols import RelayObservabilityProtocol
from class_management_service.services.health_service import HealthReport


def health_reply(report: HealthReport, **role: str) -> tuple[dict[str, object], int]:
    """The health envelope (``role`` adds e.g. ``role="relay"``): 200 while ready, 503 otherwise."""
    config = current_app.config
    body: dict[str, object] = {
        "service": config["SERVICE_NAME"],
        **role,
        "status": report.status,
        "version": config["SERVICE_VERSION"],
        "environment": config["ENVIRONMENT"],
        "checks": report.checks,
        "detail": report.detail,
    }
    return body, 200 if report.is_ready else 503


async def metrics_reply(
    observability: RelayObservabilityProtocol,
    pending_outbox: Callable[[], Awaitable[tuple[int, float | None]]] | None,
) -> Response:
    """The exposition; the backlog gauges are read first when this process owns them."""
    if pending_outbox is not None:
        try:
            pending, oldest_age = await pending_outbox()
        except Exception:  # noqa: BLE001, S110 - a scrape must succeed even when the database is down
            pass
        else:
            observability.record_outbox_backlog(pending, oldest_age)
    body, content_type = observability.render()
    return Response(body, status=200, content_type=content_type)
