"""Command line: ``serve`` (production ASGI server), ``relay`` (outbox → Kafka), ``migrate``."""

from __future__ import annotations

import argparse
import os
import sys

import uvloop

from class_management_service import preloaded_granian
from class_management_service.config import Settings
from class_management_service.implementations.migrations import upgrade_to_head
from class_management_service.relay_process import run_relay


def _serve(settings: Settings, workers: int, server: str) -> None:
    if server == "hypercorn":
        # hypercorn does not replace a worker that was killed (OOM, SIGKILL) or crashed: its
        # master stops and exits with status 0, so only a supervisor that restarts on any exit
        # (systemd Restart=always, not on-failure) brings it back. granian respawns the worker.
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
                f"{preloaded_granian.APP_FACTORY}()",
            ],
        )
    preloaded_granian.serve(settings.host, settings.port, workers)


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
        uvloop.run(run_relay(settings))


if __name__ == "__main__":
    main()
