"""What a run stands on: the local services, a fresh migrated database, a free port, the machine."""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES_ENV = REPO_ROOT / ".services.env"
CACHE_DIR = REPO_ROOT / "bench" / ".cache"
ENV_PREFIX = "CLASS_MANAGEMENT_SERVICE_"


def services_env() -> dict[str, str]:
    """The URLs ``scripts/services.sh up`` wrote; without them there is nothing to measure."""
    if not SERVICES_ENV.exists():
        sys.exit(f"{SERVICES_ENV} is missing: run `make services-up` (or `make bench`, which does it)")
    pairs = (line.split("=", 1) for line in SERVICES_ENV.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run_migrations(database_url: str) -> None:
    """The production migrate command, so the benchmark measures the schema production gets."""
    env = {**os.environ, f"{ENV_PREFIX}DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "class_management_service", "migrate"], env=env, cwd=REPO_ROOT, check=True
    )


@asynccontextmanager
async def fresh_database(env: dict[str, str], purpose: str, *, keep: bool) -> AsyncIterator[str]:
    """A new PostgreSQL database migrated to head; dropped afterwards unless ``keep``."""
    admin_dsn = env["CMS_PG_ADMIN_URL"]
    name = f"cms_bench_{purpose}_{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:4]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = env[f"{ENV_PREFIX}DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    try:
        _run_migrations(url)
        yield url
    finally:
        if not keep:
            admin = await asyncpg.connect(admin_dsn)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()


def asyncpg_dsn(database_url: str) -> str:
    """SQLAlchemy's ``postgresql+asyncpg://`` URL as a plain libpq DSN for asyncpg."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def service_env(
    services: dict[str, str], database_url: str, use_kafka: bool, overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """Production defaults (LOG_LEVEL INFO, JSON logs), this run's services, then any experiment overrides."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    kafka = services[f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS"] if use_kafka else ""
    run_settings = {
        f"{ENV_PREFIX}DATABASE_URL": database_url,
        f"{ENV_PREFIX}HOST": "127.0.0.1",
        f"{ENV_PREFIX}PORT": str(free_port()),
        f"{ENV_PREFIX}RELAY_METRICS_PORT": str(free_port()),  # the relay process's /healthz, /metrics
        f"{ENV_PREFIX}LOG_LEVEL": "INFO",
        f"{ENV_PREFIX}LOG_FORMAT": "json",
        f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS": kafka,
        f"{ENV_PREFIX}REDIS_URL": services[f"{ENV_PREFIX}REDIS_URL"],
    }
    return inherited | run_settings | (overrides or {})


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float:
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return round(memory_kb / 1024 / 1024, 1)


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    return result.stdout.strip()


def _tool_version(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=10)
    except OSError:
        return "missing"
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


# The test cluster of scripts/services.sh trades durability for speed; a benchmark must not.
PRODUCTION_DURABILITY = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


@asynccontextmanager
async def production_durability(env: dict[str, str]) -> AsyncIterator[dict[str, str]]:
    """Run the bench against PostgreSQL with fsync, synchronous commit and full-page writes on.

    The three are reloadable server settings: ALTER SYSTEM and a reload for the run, then back to
    the cluster's own configuration (the test suite's). Yields the settings as the server reports them.
    """
    admin = await asyncpg.connect(env["CMS_PG_ADMIN_URL"])
    try:
        for name, value in PRODUCTION_DURABILITY.items():
            await admin.execute(f"ALTER SYSTEM SET {name} = {value}")
        await admin.execute("SELECT pg_reload_conf()")
        await asyncio.sleep(0.5)  # the reload reaches every process asynchronously
        yield {name: await admin.fetchval(f"SHOW {name}") for name in PRODUCTION_DURABILITY}
    finally:
        for name in PRODUCTION_DURABILITY:
            await admin.execute(f"ALTER SYSTEM RESET {name}")
        await admin.execute("SELECT pg_reload_conf()")
        await admin.close()


async def machine_info(database_url: str) -> dict[str, object]:
    """Everything a reader needs to compare this run with theirs."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        postgres_version = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return {
        "cpu_model": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": postgres_version,
        "wrk": _tool_version(["wrk", "--version"]),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }
