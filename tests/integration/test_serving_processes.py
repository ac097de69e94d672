"""``migrate``, ``serve`` and ``relay`` run as the commands a user types: crashes and SIGTERM.

Each test has a PostgreSQL database of its own (so no other test's relay holds its advisory
lock) and ends with every process it started gone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import asyncpg

from class_management_service.domain.events import STUDENT_CREATED_TOPIC
from class_management_service.implementations.relay_leadership import asyncpg_dsn
from tests.http_load import Client, Reply, Writers, create_student
from tests.processes import (
    command_env,
    free_port,
    run_to_end,
    running,
    wait_for_children,
    wait_until_serving,
)

RECOVERY_BOUND_S = 5.0  # issue 13: requests succeed again within 5 s of a worker's SIGKILL
STOP_BOUND_S = 30.0


def _create_students(client: Client) -> None:
    create_student(client)


def _first_write_after(port: int, since: float) -> float:
    """Seconds from ``since`` until a new connection's write succeeds."""
    client = Client(port, "teacher-probe")
    try:
        while not create_student(client).is_success:
            time.sleep(0.02)
    finally:
        client.close()
    return time.monotonic() - since


async def _committed_students(database_url: str) -> tuple[set[str], list[str]]:
    """Every student row's id, and the aggregate id of every student-created outbox row."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        students = {str(row["id"]) for row in await connection.fetch("SELECT id FROM students")}
        events = await connection.fetch(
            "SELECT aggregate_id FROM event_outbox WHERE topic = $1", STUDENT_CREATED_TOPIC
        )
    finally:
        await connection.close()
    return students, [row["aggregate_id"] for row in events]


def _acknowledged_ids(replies: list[Reply]) -> set[str]:
    return {str(reply.body["id"]) for reply in replies if reply.status == 201}


def _assert_no_server_error(replies: list[Reply]) -> None:
    server_errors = [reply for reply in replies if reply.status is not None and reply.status >= 500]
    assert server_errors == []


async def _assert_every_acknowledged_write_committed_whole(database_url: str, replies: list[Reply]) -> None:
    """Every 201 is a student row; every student row has exactly one created event, and no other."""
    students, created_events = await _committed_students(database_url)
    acknowledged = _acknowledged_ids(replies)
    assert acknowledged <= students
    assert sorted(created_events) == sorted(students)


async def test_migrate_creates_the_schema_in_an_empty_database_and_a_second_run_changes_nothing(
    empty_postgres_url: str, services_env: dict[str, str]
) -> None:
    env = command_env(empty_postgres_url, services_env)
    await asyncio.to_thread(run_to_end, ["migrate"], env)
    connection = await asyncpg.connect(asyncpg_dsn(empty_postgres_url))
    try:
        head = await connection.fetchval("SELECT version_num FROM alembic_version")
        tables = {row["tablename"] for row in await connection.fetch("SELECT tablename FROM pg_tables")}
        await asyncio.to_thread(run_to_end, ["migrate"], env)
        assert await connection.fetchval("SELECT version_num FROM alembic_version") == head
    finally:
        await connection.close()
    assert {"classes", "students", "event_outbox", "class_student_association"} <= tables


async def test_serve_replaces_a_worker_killed_with_sigkill_and_loses_no_acknowledged_write(
    empty_postgres_url: str, services_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = command_env(empty_postgres_url, services_env, port=port, kafka_bootstrap_servers="")
    await asyncio.to_thread(run_to_end, ["migrate"], env)
    async with running(["serve", "--workers", "1"], env, tmp_path / "serve.log") as server:
        await wait_until_serving(server, port)
        [worker] = await wait_for_children(server.pid, 1)
        writers = Writers([port], 8, _create_students).start()
        try:
            await asyncio.sleep(1.0)
            os.kill(worker, signal.SIGKILL)
            recovered_s = await asyncio.to_thread(_first_write_after, port, time.monotonic())
            await asyncio.sleep(0.5)
        finally:
            replies = writers.stop()
        [respawned] = await wait_for_children(server.pid, 1)
        print(f"\nworker SIGKILL -> first successful write: {recovered_s:.2f} s")
        assert respawned != worker
        assert recovered_s < RECOVERY_BOUND_S
        server.send(signal.SIGTERM)
        assert await server.wait(STOP_BOUND_S) == 0
    _assert_no_server_error(replies)
    assert any(reply.status is None for reply in replies)  # the kill cut requests off mid-flight
    assert len(_acknowledged_ids(replies)) > 50
    await _assert_every_acknowledged_write_committed_whole(empty_postgres_url, replies)
