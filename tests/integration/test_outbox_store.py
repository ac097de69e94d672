"""The relay's SQL on real PostgreSQL and SQLite: claim order, per-key backoff, marks, purge.

Every test runs on each store the relay can get: asyncpg statements on PostgreSQL and
SQLAlchemy Core on SQLite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.implementations.postgres import relay_store as postgres_relay_store
from class_management_service.implementations.postgres.relay_store import AsyncpgOutboxStore
from class_management_service.implementations.sql_common import MAX_ERROR_CHARS, utc
from class_management_service.implementations.sqlite import relay_store as sqlite_relay_store
from class_management_service.implementations.sqlite.relay_store import SqlAlchemyOutboxStore
from class_management_service.protocols import OutboxStoreProtocol, RowFailure
from tests.integration.conftest import envelope_row, insert_rows, outbox_rows


@pytest.fixture
async def sqlite_engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=sqlite_url))
    yield engine
    await engine.dispose()


_STORES: dict[str, tuple[str, Callable[[AsyncEngine], OutboxStoreProtocol]]] = {
    "pg-asyncpg": ("clean_pg", AsyncpgOutboxStore),
    "sqlite": ("sqlite_engine", SqlAlchemyOutboxStore),
}


@pytest.fixture(params=list(_STORES))
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def engine(request: pytest.FixtureRequest, store_kind: str) -> AsyncEngine:
    """The database of the store under test; looked up lazily so ``-k sqlite`` needs no PostgreSQL."""
    found = request.getfixturevalue(_STORES[store_kind][0])
    assert isinstance(found, AsyncEngine)
    return found


@pytest.fixture
def store(store_kind: str, engine: AsyncEngine) -> OutboxStoreProtocol:
    return _STORES[store_kind][1](engine)


async def _seed(engine: AsyncEngine, *keys: str) -> list[int]:
    """One row per key given, in that order; returns their ids."""
    await insert_rows(engine, [envelope_row(key) for key in keys])
    return [row.id for row in await outbox_rows(engine)]


async def test_claim_returns_unpublished_rows_in_id_order_up_to_the_limit(
    engine: AsyncEngine, store: OutboxStoreProtocol
) -> None:
    ids = await _seed(engine, "a", "b", "a", "c", "b")
    await store.mark_published([ids[1]])

    claimed = await store.claim(limit=3)

    assert [record.id for record in claimed] == [ids[0], ids[2], ids[3]]
    assert [record.key for record in claimed] == ["a", "a", "c"]
    assert all(record.attempts == 0 for record in claimed)


async def test_claim_skips_every_row_of_a_key_while_one_of_its_rows_waits_out_a_backoff(
    engine: AsyncEngine, store: OutboxStoreProtocol
) -> None:
    ids = await _seed(engine, "blocked", "free", "blocked", "free")
    await store.mark_failed([RowFailure(ids[0], "boom", timedelta(minutes=5))])

    claimed = await store.claim(limit=10)

    assert [record.id for record in claimed] == [ids[1], ids[3]]


async def test_claim_takes_a_failed_row_again_first_once_its_backoff_has_passed(
    engine: AsyncEngine, store: OutboxStoreProtocol
) -> None:
    ids = await _seed(engine, "k", "k", "other")
    await store.mark_failed([RowFailure(ids[0], "boom", timedelta(seconds=-1))])

    claimed = await store.claim(limit=10)

    assert [record.id for record in claimed] == ids
    assert claimed[0].attempts == 1


async def test_mark_failed_counts_attempts_keeps_a_truncated_error_and_schedules_the_retry(
    engine: AsyncEngine, store: OutboxStoreProtocol
) -> None:
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


async def test_purge_deletes_only_published_rows_older_than_the_retention(
    engine: AsyncEngine, store: OutboxStoreProtocol
) -> None:
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


async def test_mark_failed_records_each_row_of_a_batch_with_its_own_error_and_retry(
    engine: AsyncEngine, store: OutboxStoreProtocol
) -> None:
    first, second, untouched = await _seed(engine, "a", "b", "c")

    await store.mark_failed(
        [RowFailure(first, "first", timedelta(minutes=1)), RowFailure(second, "second", timedelta(hours=1))]
    )

    rows = {row.id: row for row in await outbox_rows(engine)}
    assert (rows[first].attempts, rows[first].last_error) == (1, "first")
    assert (rows[second].attempts, rows[second].last_error) == (1, "second")
    first_retry, second_retry = rows[first].next_attempt_at, rows[second].next_attempt_at
    assert first_retry is not None
    assert second_retry is not None
    assert timedelta(minutes=58) < utc(second_retry) - utc(first_retry) < timedelta(minutes=60)
    untouched_row = rows[untouched]
    assert (untouched_row.attempts, untouched_row.last_error, untouched_row.next_attempt_at) == (
        0,
        None,
        None,
    )


async def test_purge_goes_on_chunk_by_chunk_until_no_old_row_is_left(
    engine: AsyncEngine, store: OutboxStoreProtocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module in (sqlite_relay_store, postgres_relay_store):
        monkeypatch.setattr(module, "PURGE_CHUNK", 2)
    ids = await _seed(engine, "a", "b", "c", "d", "e", "pending")
    await store.mark_published(ids[:5])
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE event_outbox SET published_at = :at WHERE published_at IS NOT NULL"),
            {"at": datetime.now(UTC) - timedelta(days=2)},
        )

    purged = await store.purge_published(timedelta(hours=24))

    assert purged == 5
    assert [row.id for row in await outbox_rows(engine)] == ids[5:]
