"""Run the Alembic revisions from code (app start-up, the migrate command, test fixtures)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def upgrade_to_head(database_url: str) -> None:
    upgrade_to(database_url, "head")


def upgrade_to(database_url: str, revision: str) -> None:
    _run(command.upgrade, database_url, revision)


def downgrade_to(database_url: str, revision: str) -> None:
    _run(command.downgrade, database_url, revision)


def alembic_config(database_url: str) -> Config:
    """A config that finds the revisions from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def _run(action: Callable[[Config, str], None], database_url: str, revision: str) -> None:
    config = alembic_config(database_url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        action(config, revision)
        return
    # env.py drives the async driver with asyncio.run(), which a running loop forbids; a
    # worker thread has no loop of its own.
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(action, config, revision).result()
