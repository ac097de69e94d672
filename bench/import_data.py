"""The roster import bench's rows, and its ceiling: the same rows COPYed with no Python work timed.

The ceiling writes what a real import of the rows writes: each student, their membership in the
one class, and their ``StudentCreatedV1`` outbox row with a real envelope (built by the domain's
builder before the clock starts), plus the summary notification, in one transaction, by binary
COPY into the same tables with their indexes, constraints and foreign keys.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from class_management_service.domain.import_rows import ImportRow, RosterUpload
from class_management_service.domain.models import Actor
from class_management_service.domain.roster_import import ImportCommand, plan_import
from class_management_service.domain.roster_import_events import import_events
from class_management_service.implementations.postgres import roster_import_statements as sql
from class_management_service.implementations.postgres.outbox_writer import OUTBOX_COLUMNS

Record = tuple[object, ...]
_TABLES = "students, class_student_association, event_outbox"


def student_rows(count: int, tag: str) -> list[dict[str, str]]:
    """``count`` distinct students as the JSON route takes them: names, email and SIS id."""
    return [
        {
            "first_name": f"Bench{index}",
            "last_name": f"Student {tag}",
            "email": f"import-{tag}-{index}@example.com",
            "external_id": f"sis-{tag}-{index}",
        }
        for index in range(count)
    ]


def import_rows(students: list[dict[str, str]]) -> list[ImportRow]:
    """The rows as the route's parser hands them to the service (1-based positions as lines)."""
    return [
        ImportRow(line, s["first_name"], s["last_name"], None, s["email"], s["external_id"])
        for line, s in enumerate(students, start=1)
    ]


@dataclass(frozen=True)
class CeilingRows:
    """What an import of the rows writes, as COPY records, built before the clock starts."""

    students: list[Record]
    memberships: list[Record]
    outbox: list[Record]


def ceiling_rows(students: list[dict[str, str]], owner: str, class_id: UUID) -> CeilingRows:
    """The rows a real import writes, decided and built by the domain (not timed)."""
    upload = RosterUpload(import_rows(students), (class_id,))
    plan = plan_import(ImportCommand(owner, upload, datetime.now(UTC), uuid.uuid4), [])
    events = import_events(plan, Actor(owner, uuid.uuid4()))
    return CeilingRows(
        [
            (s.id, s.first_name, s.last_name, s.legal_full_name, s.email, s.external_id, owner,
             s.created_at, s.created_at)
            for s in plan.created
        ],
        [(m.class_id, m.student_id, m.joined_at) for m in plan.memberships],
        [
            (e.event_id, e.topic, e.aggregate_type, e.key, e.user_id, e.correlation_id, e.envelope_json,
             e.occurred_at)
            for e in events
        ],
    )  # fmt: skip


async def copy_ceiling(dsn: str, rows: CeilingRows) -> dict[str, Any]:
    """The three COPYs in one transaction, on a connection opened before the clock starts."""
    connection = await asyncpg.connect(dsn)
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        async with connection.transaction():
            await connection.copy_records_to_table(
                "students", records=rows.students, columns=sql.STUDENT_COPY_COLUMNS
            )
            copied_students = time.perf_counter()
            await connection.copy_records_to_table(
                "class_student_association", records=rows.memberships, columns=sql.MEMBERSHIP_COLUMNS
            )
            copied_memberships = time.perf_counter()
            await connection.copy_records_to_table(
                "event_outbox", records=rows.outbox, columns=OUTBOX_COLUMNS
            )
            copied_outbox = time.perf_counter()
        finished = time.perf_counter()
    finally:
        await connection.close()
    seconds = finished - started
    return {
        "rows": len(rows.students),
        "seconds": round(seconds, 3),
        "rows_per_s": round(len(rows.students) / seconds),
        "client_cpu_s": round(time.process_time() - cpu_started, 3),
        "students_s": round(copied_students - started, 3),
        "memberships_s": round(copied_memberships - copied_students, 3),
        "outbox_s": round(copied_outbox - copied_memberships, 3),
        "commit_s": round(finished - copied_outbox, 3),
    }


async def reset(dsn: str) -> None:
    """Emptied student, membership and outbox tables, and no dirty pages of an earlier step left
    to be written back inside the next one. The classes stay."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f"TRUNCATE {_TABLES} CASCADE")  # and the (empty) tables referencing them
        await connection.execute(f"VACUUM ANALYZE {_TABLES}")
    finally:
        await connection.close()
    await asyncio.to_thread(os.sync)


async def count_rows(dsn: str, owner: str) -> dict[str, int]:
    """The owner's students, all memberships and all outbox rows: what a step wrote."""
    connection = await asyncpg.connect(dsn)
    try:
        return {
            "students": await connection.fetchval(
                "SELECT count(*) FROM students WHERE created_by_user_id = $1", owner
            ),
            "memberships": await connection.fetchval("SELECT count(*) FROM class_student_association"),
            "outbox": await connection.fetchval("SELECT count(*) FROM event_outbox"),
        }
    finally:
        await connection.close()
