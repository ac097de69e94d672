"""The ``relay`` command: the outbox relay, the suggestions consumer and the timeout monitor, plus
their own /healthz and /metrics, in one event loop."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from importlib.metadata import PackageNotFoundError, version

from dishka import AsyncContainer, make_async_container
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart
from quart_dishka import QuartDishka
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.api.relay_routes import relay_bp
from class_management_service.config import Settings
from class_management_service.consumer.suggestions_consumer import SuggestionsConsumer
from class_management_service.consumer.timeout_monitor import TimeoutMonitor
from class_management_service.di import create_engine, providers_for
from class_management_service.implementations.observability.prometheus_metrics import PrometheusMetrics
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.logging_config import configure_logging
from class_management_service.relay.outbox_relay import OutboxRelay
from class_management_service.startup_objects import freeze_startup_objects


def relay_context(settings: Settings, engine: AsyncEngine) -> dict[type, object]:
    """The container's context in a relay process: only the relay's series are ever exposed."""
    return {
        Settings: settings,
        AsyncEngine: engine,
        PrometheusMetrics: PrometheusMetrics(),  # the API's series: nobody scrapes them here
        PrometheusRelayMetrics: PrometheusRelayMetrics(),
    }


def create_status_app(settings: Settings, container: AsyncContainer) -> Quart:
    """Two routes; none of the API's hooks, so a scrape costs the relay next to nothing."""
    app = Quart(__name__)
    try:
        service_version = version("class-management-service")
    except PackageNotFoundError:
        service_version = "0.0.0"
    app.config.update(
        SERVICE_NAME=settings.service_name, SERVICE_VERSION=service_version, ENVIRONMENT=settings.environment
    )
    app.register_blueprint(relay_bp)
    QuartDishka(app=app, container=container)
    return app


async def run_relay(settings: Settings) -> None:
    """Run the relay (and, unless disabled, the consumer and the timeout monitor) and the status
    server until SIGTERM or SIGINT; then stop consuming, drain the relay and close everything.

    The status server shares the relay's event loop (hypercorn's asyncio ``serve``): one process
    to deploy, and /healthz answers only while that loop runs, so a wedged relay shows as down.
    """
    configure_logging(settings)
    engine = create_engine(settings)
    container = make_async_container(*providers_for(settings), context=relay_context(settings, engine))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    status: asyncio.Task[None] | None = None
    try:
        relay = await container.get(OutboxRelay)
        relay.start()
        workers = await _start_consumers(settings, container)
        status = asyncio.create_task(_serve_status(settings, container, stop), name="relay-status")
        freeze_startup_objects()
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({status, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()  # SIGTERM, or the status server failed (port taken): either way all stop
        # Consumers first: what they stored last is still published by the relay's drain.
        await asyncio.gather(*(worker.stop() for worker in workers))
        await relay.stop()
        try:
            await status
        except OSError as error:  # the port is taken or the host is not ours: a deployment error
            bind = f"{settings.host}:{settings.relay_metrics_port}"
            raise SystemExit(f"relay: cannot serve /healthz and /metrics on {bind}: {error}") from None
    finally:
        if status is not None and not status.done():
            status.cancel()
            with suppress(asyncio.CancelledError):
                await status
        await container.close()
        await engine.dispose()


async def _start_consumers(
    settings: Settings, container: AsyncContainer
) -> list[SuggestionsConsumer | TimeoutMonitor]:
    if not settings.consumer_enabled:
        return []
    workers: list[SuggestionsConsumer | TimeoutMonitor] = [
        await container.get(SuggestionsConsumer),
        await container.get(TimeoutMonitor),
    ]
    for worker in workers:
        worker.start()
    return workers


async def _serve_status(settings: Settings, container: AsyncContainer, stop: asyncio.Event) -> None:
    config = Config()
    config.bind = [f"{settings.host}:{settings.relay_metrics_port}"]
    config.accesslog = None
    # A logger object, not "-": hypercorn then adds no handler of its own, and its lines go
    # through the service's logging setup like every other library's.
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 1.0
    await serve(create_status_app(settings, container), config, shutdown_trigger=stop.wait)
