"""The relay's SQL on real PostgreSQL and SQLite: claim order, per-key backoff, marks, purge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.implementations.database import create_engine
from class_management_service.implementations.outbox_store import MAX_ERROR_CHARS, SqlAlchemyOutboxStore
from class_management_service.implementations.sql_rows import utc
from class_management_service.protocols import RowFailure
from tests.integration.conftest import envelope_row, insert_rows, outbox_rows


@pytest.fixture
async def sqlite_engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=sqlite_url))
    yield engine
    await engine.dispose()


@pytest.fixture(params=["clean_pg", "sqlite_engine"])
def engine(request: pytest.FixtureRequest) -> AsyncEngine:
    """Both databases the relay runs on; looked up lazily so ``-k sqlite`` needs no PostgreSQL."""
    found = request.getfixturevalue(request.param)
    assert isinstance(found, AsyncEngine)
    return found


async def _seed(engine: AsyncEngine, *keys: str) -> list[int]:
    """One row per key given, in that order; returns their ids."""
    await insert_rows(engine, [envelope_row(key) for key in keys])
    return [row.id for row in await outbox_rows(engine)]


async def test_claim_returns_unpublished_rows_in_id_order_up_to_the_limit(engine: AsyncEngine) -> None:
    store = SqlAlchemyOutboxStore(engine)
    ids = await _seed(engine, "a", "b", "a", "c", "b")
    await store.mark_published([ids[1]])

    claimed = await store.claim(limit=3)

    assert [record.id for record in claimed] == [ids[0], ids[2], ids[3]]
    assert [record.key for record in claimed] == ["a", "a", "c"]
    assert all(record.attempts == 0 for record in claimed)


async def test_claim_skips_every_row_of_a_key_while_one_of_its_rows_waits_out_a_backoff(
    engine: AsyncEngine,
) -> None:
    store = SqlAlchemyOutboxStore(engine)
    ids = await _seed(engine, "blocked", "free", "blocked", "free")
    await store.mark_failed([RowFailure(ids[0], "boom", timedelta(minutes=5))])

    claimed = await store.claim(limit=10)

    assert [record.id for record in claimed] == [ids[1], ids[3]]


async def test_claim_takes_a_failed_row_again_first_once_its_backoff_has_passed(engine: AsyncEngine) -> None:
    store = SqlAlchemyOutboxStore(engine)
    ids = await _seed(engine, "k", "k", "other")
    await store.mark_failed([RowFailure(ids[0], "boom", timedelta(seconds=-1))])

    claimed = await store.claim(limit=10)

    assert [record.id for record in claimed] == ids
    assert claimed[0].attempts == 1


async def test_mark_failed_counts_attempts_keeps_a_truncated_error_and_schedules_the_retry(
    engine: AsyncEngine,
) -> None:
    store = SqlAlchemyOutboxStore(engine)
    [row_id] = await _seed(engine, "k")
    before = datetime.now(UTC)

    await store.mark_failed([RowFailure(row_id, "x" * 2000, timedelta(seconds=30))])
    await store.mark_failed([RowFailure(row_id, "second", timedelta(seconds=60))])

    [row] = await outbox_rows(engine)
    assert row.attempts == 2
    assert row.last_error == "second"
    assert row.published_at is None
    assert row.next_attempt_at is not None
    retry_at = utc(row.next_attempt_at)
    assert before + timedelta(seconds=55) < retry_at < datetime.now(UTC) + timedelta(seconds=61)
    await store.mark_failed([RowFailure(row_id, "y" * 2000, timedelta(seconds=1))])
    assert len((await outbox_rows(engine))[0].last_error or "") == MAX_ERROR_CHARS


async def test_purge_deletes_only_published_rows_older_than_the_retention(engine: AsyncEngine) -> None:
    store = SqlAlchemyOutboxStore(engine)
    ids = await _seed(engine, "old", "recent", "pending")
    await store.mark_published(ids[:2])
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE event_outbox SET published_at = :at WHERE id = :id"),
            {"at": datetime.now(UTC) - timedelta(hours=30), "id": ids[0]},
        )

    purged = await store.purge_published(timedelta(hours=24))

    assert purged == 1
    assert [row.id for row in await outbox_rows(engine)] == ids[1:]
