"""Command line: ``serve`` (production ASGI server), ``relay`` (outbox → Kafka), ``migrate``."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

import uvloop
from dishka import make_async_container
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import create_engine, providers_for
from class_management_service.implementations.migrations import upgrade_to_head
from class_management_service.implementations.observability.prometheus_metrics import PrometheusMetrics
from class_management_service.logging_config import configure_logging
from class_management_service.relay.outbox_relay import OutboxRelay
from class_management_service.startup_objects import freeze_startup_objects


def _serve(settings: Settings, workers: int, server: str) -> None:
    target = "class_management_service.app:create_app"
    if server == "hypercorn":
        bind = f"{settings.host}:{settings.port}"
        os.execvp(  # noqa: S606 - replaces this process with the server, no shell involved
            sys.executable,
            [
                sys.executable,
                "-m",
                "hypercorn",
                "--workers",
                str(workers),
                "--worker-class",
                "uvloop",
                "--bind",
                bind,
                f"{target}()",
            ],
        )
    os.execvp(  # noqa: S606 - replaces this process with the server, no shell involved
        sys.executable,
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",  # granian's default (RSGI) would answer every Quart request with an empty 500
            "--factory",
            "--loop",
            "uvloop",
            "--host",
            settings.host,
            "--port",
            str(settings.port),
            "--workers",
            str(workers),
            "--no-ws",
            # A worker that dies (OOM kill, a crash in a C extension) is replaced instead of the
            # master shutting the whole server down; 0.5 s keeps a crash loop from spinning.
            "--respawn-failed-workers",
            "--respawn-interval",
            "0.5",
            "--log-level",
            "info",  # startup and shutdown lines only; the app writes its own access log
            target,
        ],
    )


async def _relay(settings: Settings) -> None:
    """Run the relay until SIGTERM or SIGINT, then drain it and close everything it opened."""
    configure_logging(settings)
    engine = create_engine(settings)
    context = {Settings: settings, AsyncEngine: engine, PrometheusMetrics: PrometheusMetrics()}
    container = make_async_container(*providers_for(settings), context=context)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        relay = await container.get(OutboxRelay)
        relay.start()
        freeze_startup_objects()
        await stop.wait()
        await relay.stop()
    finally:
        await container.close()
        await engine.dispose()


def _check_relay_settings(settings: Settings) -> None:
    if not settings.is_kafka_configured:
        sys.exit(
            "relay: CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS is empty; events wait in the outbox"
        )
    if settings.use_mock_repository:
        sys.exit("relay: USE_MOCK_REPOSITORY keeps events in memory; there is no outbox table to relay")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="class_management_service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API with a production ASGI server")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    serve.add_argument("--server", choices=("granian", "hypercorn"), default="granian")
    commands.add_parser("relay", help="publish the outbox to Kafka and Redis until SIGTERM")
    commands.add_parser("migrate", help="apply database migrations up to head")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "migrate":
        upgrade_to_head(settings.database_url)
    elif args.command == "serve":
        _serve(settings, args.workers, args.server)
    elif args.command == "relay":
        _check_relay_settings(settings)
        # uvloop, as granian picks for the API workers: asyncpg and aiokafka spend less in the loop.
        uvloop.run(_relay(settings))


if __name__ == "__main__":
    main()
