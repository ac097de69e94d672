"""The commands a newcomer runs locally: `make run`'s choice of database, `make services-reset`."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import asyncpg

from tests.conftest import REPO_ROOT

RUN_SCRIPT = REPO_ROOT / "scripts" / "run.sh"
SERVICES_SCRIPT = REPO_ROOT / "scripts" / "services.sh"
DB_VAR = "CLASS_MANAGEMENT_SERVICE_DATABASE_URL"


def _run_script(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CLASS_MANAGEMENT_SERVICE_")}
    env.setdefault("UV", shutil.which("uv") or "uv")
    return subprocess.run(  # noqa: S603 - the repository's own scripts, no shell
        [str(RUN_SCRIPT), *args], env={**env, **extra_env}, capture_output=True, text=True, check=False
    )


async def test_run_uses_the_local_services_when_they_run_and_migrates_that_database(
    services_env: dict[str, str],
) -> None:
    result = _run_script("auto", "migrate")

    assert result.returncode == 0, result.stderr
    url = services_env[DB_VAR]
    shown = url.replace("cms:cms@", "")
    assert result.stderr.splitlines()[0] == (
        f"make migrate: local services from .services.env: PostgreSQL {shown}, "
        f"Kafka {services_env['CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS']}, "
        f"Redis {services_env['CLASS_MANAGEMENT_SERVICE_REDIS_URL']} (make run-embedded for SQLite)"
    )
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        assert await connection.fetchval("SELECT count(*) FROM alembic_version") == 1
    finally:
        await connection.close()


def test_a_database_url_in_the_environment_wins_over_the_local_services(
    tmp_path: Path, services_env: dict[str, str]
) -> None:
    database = tmp_path / "chosen.db"

    result = _run_script("auto", "migrate", **{DB_VAR: f"sqlite+aiosqlite:///{database}"})

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"make migrate: the database in {DB_VAR} (sqlite+aiosqlite:///{database}), from the environment"
    )
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_services_reset_with_the_services_down_removes_their_data(tmp_path: Path) -> None:
    # A checkout of its own (services.sh keeps its state next to itself), whose services never ran.
    shutil.copytree(SERVICES_SCRIPT.parent, tmp_path / "scripts")
    postgres_data = tmp_path / ".services" / "postgres" / "data"
    kafka_data = tmp_path / ".services" / "kafka" / "data"
    for data in (postgres_data, kafka_data):
        data.mkdir(parents=True)
        (data / "left-over").write_text("tens of thousands of test events")

    result = subprocess.run(  # noqa: S603 - the repository's own scripts, no shell
        [str(tmp_path / "scripts" / "services.sh"), "reset"], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert not postgres_data.exists()
    assert not kafka_data.exists()
    assert "redis: not running" in result.stderr
