"""Command line: ``serve`` (production ASGI server), ``migrate`` (Alembic to head)."""

from __future__ import annotations

import argparse
import os
import sys

from class_management_service.config import Settings
from class_management_service.implementations.migrations import upgrade_to_head


def _serve(settings: Settings, workers: int, server: str) -> None:
    target = "class_management_service.app:create_app"
    if server == "hypercorn":
        bind = f"{settings.host}:{settings.port}"
        os.execvp(  # noqa: S606 - replaces this process with the server, no shell involved
            sys.executable,
            [sys.executable, "-m", "hypercorn", "--workers", str(workers), "--bind", bind, f"{target}()"],
        )
    os.execvp(  # noqa: S606 - replaces this process with the server, no shell involved
        sys.executable,
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            "--host",
            settings.host,
            "--port",
            str(settings.port),
            "--workers",
            str(workers),
            "--no-ws",
            "--log-level",
            "warning",
            target,
        ],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="class_management_service", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API with a production ASGI server")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    serve.add_argument("--server", choices=("granian", "hypercorn"), default="granian")
    commands.add_parser("migrate", help="apply database migrations up to head")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "migrate":
        upgrade_to_head(settings.database_url)
    elif args.command == "serve":
        _serve(settings, args.workers, args.server)


if __name__ == "__main__":
    main()
