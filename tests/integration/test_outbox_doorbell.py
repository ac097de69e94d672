"""The doorbell: writers' NOTIFY after commit, coalesced, best effort; no NOTIFY inside a write."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.domain.models import NewClass
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.leadership import asyncpg_dsn
from class_management_service.implementations.postgres.outbox_doorbell import NOTIFY_CHANNEL, OutboxDoorbell
from tests.api.conftest import closed_port_url
from tests.conftest import unique_user
from tests.integration.conftest import envelope_row, insert_rows


class Listener:
    """A LISTENing connection on the relay's channel, counting notifications."""

    def __init__(self) -> None:
        self.count = 0
        self.arrived = asyncio.Event()

    def on_notify(self, *_args: object) -> None:
        self.count += 1
        self.arrived.set()


@pytest.fixture
async def listener(clean_pg: AsyncEngine) -> AsyncIterator[Listener]:
    connection = await asyncpg.connect(asyncpg_dsn(clean_pg.url))
    found = Listener()
    await connection.add_listener(NOTIFY_CHANNEL, found.on_notify)
    try:
        yield found
    finally:
        await connection.close()


@pytest.fixture
async def doorbell(clean_pg: AsyncEngine) -> AsyncIterator[OutboxDoorbell]:
    rung = OutboxDoorbell(clean_pg, interval_s=0.2)
    yield rung
    await rung.close()


async def test_a_ring_reaches_a_listener(doorbell: OutboxDoorbell, listener: Listener) -> None:
    doorbell.ring()

    await asyncio.wait_for(listener.arrived.wait(), timeout=5)


async def test_a_burst_of_rings_sends_few_notifications(doorbell: OutboxDoorbell, listener: Listener) -> None:
    for _ in range(500):
        doorbell.ring()
        await asyncio.sleep(0)
    await asyncio.sleep(0.5)  # two intervals and a half: the burst's last rings are sent too

    assert 1 <= listener.count <= 3


async def test_a_repository_write_rings_after_its_commit(
    clean_pg: AsyncEngine, doorbell: OutboxDoorbell, listener: Listener
) -> None:
    classes = AsyncpgClassRepository(clean_pg, doorbell)
    new = NewClass(
        id=uuid.uuid4(), name="Rung", course_code="ENG5", owner=unique_user(), at=datetime.now(UTC)
    )

    await classes.create(new, lambda _: [])

    await asyncio.wait_for(listener.arrived.wait(), timeout=5)


async def test_an_outbox_insert_alone_notifies_nobody(clean_pg: AsyncEngine, listener: Listener) -> None:
    # Migration 0004 dropped the trigger whose in-transaction NOTIFY serialised all commits.
    await insert_rows(clean_pg, [envelope_row()])
    await asyncio.sleep(0.3)

    assert listener.count == 0


async def test_rings_with_the_database_down_raise_nothing_and_the_sender_lives_on(
    clean_pg: AsyncEngine, listener: Listener
) -> None:
    unreachable = create_engine(Settings(database_url=closed_port_url()))
    doorbell = OutboxDoorbell(unreachable, interval_s=0.01)
    try:
        for _ in range(3):
            doorbell.ring()
            await asyncio.sleep(0.2)  # each ring fails to connect, and is logged

        assert [task.done() for task in asyncio.all_tasks() if task.get_name() == "outbox-doorbell"] == [
            False
        ]
    finally:
        await doorbell.close()
        await unreachable.dispose()
    assert listener.count == 0


async def test_a_closed_doorbell_ignores_rings(doorbell: OutboxDoorbell, listener: Listener) -> None:
    await doorbell.close()

    doorbell.ring()
    await asyncio.sleep(0.3)

    assert listener.count == 0
