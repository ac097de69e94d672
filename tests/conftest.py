"""Fixtures shared by every test level: service URLs, a migrated throwaway database, unique ids."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from class_management_service.implementations.migrations import upgrade_to_head

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICES_ENV = REPO_ROOT / ".services.env"
MUTABLE_TABLES = (
    "essay_match_suggestions",
    "essay_student_associations",
    "association_batches",
    "inbox_events",
    "dead_letter_events",
    "class_student_association",
    "students",
    "classes",
    "event_outbox",
    "idempotency_keys",
)


def _read_services_env() -> dict[str, str]:
    if not SERVICES_ENV.exists():
        pytest.fail(
            f"{SERVICES_ENV.name} is missing: start PostgreSQL, Kafka and Redis with `make services-up`",
            pytrace=False,
        )
    pairs = (line.split("=", 1) for line in SERVICES_ENV.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture(scope="session")
def services_env() -> dict[str, str]:
    """URLs of the real services; a missing file fails the run loudly (never skips)."""
    return _read_services_env()


def unique_user() -> str:
    """A teacher id no other test uses."""
    return f"teacher-{uuid.uuid4().hex[:12]}"


def unique_email(prefix: str = "student") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.com"


@asynccontextmanager
async def scratch_database(services_env: dict[str, str], prefix: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database named ``<prefix>_…``: its URL, dropped on exit."""
    admin_dsn = services_env["CMS_PG_ADMIN_URL"]
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        # A UTF-8 ctype, as in production: lower() must fold "Å" for search and email uniqueness.
        await admin.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
    finally:
        await admin.close()
    try:
        yield f"{services_env['CLASS_MANAGEMENT_SERVICE_DATABASE_URL'].rsplit('/', 1)[0]}/{name}"
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
async def postgres_url(services_env: dict[str, str]) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head, dropped afterwards."""
    async with scratch_database(services_env, "cms_test") as url:
        upgrade_to_head(url)
        yield url


@pytest.fixture(scope="session")
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(postgres_url, pool_size=10, max_overflow=20)
    yield engine
    await engine.dispose()


@pytest.fixture
async def clean_pg(pg_engine: AsyncEngine) -> AsyncEngine:
    """The session database with every mutable table emptied (courses stay seeded)."""
    async with pg_engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(MUTABLE_TABLES)} RESTART IDENTITY CASCADE"))
    return pg_engine


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per session; tests get copies (migrating is ~0.2 s)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "cms.db"
    upgrade_to_head(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite_template: Path) -> str:
    """A migrated SQLite file of its own, the embedded default's database."""
    path = tmp_path / "cms.db"
    shutil.copyfile(migrated_sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"
