"""Alembic revisions on real PostgreSQL and SQLite: stairway, seed data, schema == models."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from class_management_service.implementations.migrations import (
    alembic_config,
    downgrade_to,
    upgrade_to,
    upgrade_to_head,
)
from class_management_service.models_db import metadata

_SCRIPTS = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
# (revision, its predecessor or "base"), oldest first.
REVISIONS = [(s.revision, str(s.down_revision or "base")) for s in reversed(list(_SCRIPTS.walk_revisions()))]
HEAD = _SCRIPTS.get_current_head()
SEEDED_COURSES = [
    ("ENG5", "English 5", "en"),
    ("ENG6", "English 6", "en"),
    ("ENG7", "English 7", "en"),
    ("SV1", "Svenska 1", "sv"),
    ("SV2", "Svenska 2", "sv"),
    ("SV3", "Svenska 3", "sv"),
]


@pytest.fixture
async def empty_postgres_url(services_env: dict[str, str]) -> AsyncIterator[str]:
    """A brand-new, unmigrated PostgreSQL database, dropped after the test."""
    admin_dsn = services_env["CMS_PG_ADMIN_URL"]
    name = f"cms_migrations_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{services_env['CLASS_MANAGEMENT_SERVICE_DATABASE_URL'].rsplit('/', 1)[0]}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(params=["postgres", "sqlite"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("empty_postgres_url"))
    # A directory that does not exist yet: migrating must create it.
    return f"sqlite+aiosqlite:///{tmp_path / 'not-yet' / 'cms.db'}"


async def _inspect(url: str, look: Any) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(look)
    finally:
        await engine.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _courses(connection: Connection) -> list[tuple[str, str, str]]:
    rows = connection.execute(text("SELECT course_code, name, language FROM courses ORDER BY course_code"))
    return [(code, name, language) for code, name, language in rows]


def test_revisions_form_one_chain_from_base_to_head_when_listed() -> None:
    previous = ["base", *(revision for revision, _ in REVISIONS[:-1])]
    assert [down for _, down in REVISIONS] == previous
    assert REVISIONS[:2] == [("0001", "base"), ("0002", "0001")]
    assert REVISIONS[-1][0] == HEAD


async def test_each_revision_upgrades_downgrades_and_upgrades_again_when_applied_one_by_one(
    empty_database_url: str,
) -> None:
    for revision, previous in REVISIONS:
        upgrade_to(empty_database_url, revision)
        downgrade_to(empty_database_url, previous)
        upgrade_to(empty_database_url, revision)
        assert await _inspect(empty_database_url, _revision) == revision

    assert await _inspect(empty_database_url, _courses) == SEEDED_COURSES


async def test_downgrade_removes_every_table_when_taken_to_base(empty_database_url: str) -> None:
    upgrade_to_head(empty_database_url)

    downgrade_to(empty_database_url, "base")

    assert await _inspect(empty_database_url, _tables) == {"alembic_version"}


async def test_head_has_the_six_reference_courses_when_migrated(empty_database_url: str) -> None:
    upgrade_to_head(empty_database_url)

    assert await _inspect(empty_database_url, _courses) == SEEDED_COURSES


async def test_seed_downgrade_leaves_an_empty_course_table_when_taken_back_to_0001(
    empty_database_url: str,
) -> None:
    upgrade_to_head(empty_database_url)

    downgrade_to(empty_database_url, "0001")

    assert await _inspect(empty_database_url, _courses) == []


async def test_models_match_the_migrated_schema_when_compared_on_postgres(postgres_url: str) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    assert await _inspect(postgres_url, diff) == []
