"""Roster imports in PostgreSQL through asyncpg: one transaction, bulk writes by COPY."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.errors import ClassNotFoundError, RepositoryUnavailableError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.roster_import import ImportCommand, ImportPlan, plan_import
from class_management_service.implementations.bulk_work import collector_paused
from class_management_service.implementations.postgres import roster_import_records as copy_rows
from class_management_service.implementations.postgres import roster_import_statements as sql
from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.implementations.postgres.idempotency_store import complete_key
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.postgres.rows import to_student
from class_management_service.models_db import STUDENT_EMAIL_INDEX, STUDENT_EXTERNAL_ID_INDEX
from class_management_service.protocols import EventsFor, RosterImportRepositoryProtocol

MAX_ATTEMPTS = 5
"""Plans per import when single-student writes keep taking its emails or external ids."""

COPY_FROM = 1000
"""Students an import creates or updates from which it writes by COPY, building its events in a
thread meanwhile; below, one statement's round trip costs less than three COPYs and a thread hop."""

_TAKEN_BY_ANOTHER_WRITE = frozenset({STUDENT_EMAIL_INDEX, STUDENT_EXTERNAL_ID_INDEX})


class _PlanOutdatedError(Exception):
    """A write outside the import's lock took an email or external id the plan gave a student."""


class AsyncpgRosterImportRepository(RosterImportRepositoryProtocol):
    """Plans under a per-teacher advisory lock and writes the plan in the same transaction."""

    def __init__(self, engine: AsyncEngine, doorbell: OutboxDoorbell | None = None) -> None:
        """``doorbell`` wakes the relay after each committed import; None where no relay listens."""
        self._engine = engine
        self._doorbell = doorbell

    async def import_students(
        self,
        command: ImportCommand,
        events: EventsFor[ImportPlan],
        *,
        key: IdempotentWrite[ImportPlan] | None = None,
    ) -> ImportPlan:
        # Single-student creates do not take the teacher's import lock (they stay one round
        # trip), so one of them can commit an email the plan gives a new student: the unique
        # index refuses the import's row, and the import is planned again on the new state.
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                async with pg_connection(self._engine) as connection:
                    plan = await _import(connection, command, events, key)
            except _PlanOutdatedError:
                if attempt == MAX_ATTEMPTS:
                    raise RepositoryUnavailableError() from None
                continue
            if plan.writes and self._doorbell is not None:
                self._doorbell.ring()
            return plan
        raise AssertionError("unreachable")  # pragma: no cover


async def _import(
    connection: asyncpg.Connection,
    command: ImportCommand,
    events: EventsFor[ImportPlan],
    key: IdempotentWrite[ImportPlan] | None,
) -> ImportPlan:
    owner, class_ids = command.owner, list(command.upload.class_ids)
    try:
        async with connection.transaction():
            _, missing = await connection.fetchrow(sql.LOCK_AND_CHECK_CLASSES, class_ids, owner)
            if missing:
                raise ClassNotFoundError(missing)
            external_ids, emails = command.lookup_keys()
            rows = await connection.fetch(sql.LOAD_NAMED, owner, external_ids, emails)
            with collector_paused():
                plan = plan_import(command, [to_student(row) for row in rows])
            if plan.is_rejected:
                return plan
            if plan.writes:
                await _write(connection, plan, owner, events)
            await complete_key(connection, key, plan)
            return plan
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name in _TAKEN_BY_ANOTHER_WRITE:
            raise _PlanOutdatedError() from error
        raise


async def _write(
    connection: asyncpg.Connection, plan: ImportPlan, owner: str, events: EventsFor[ImportPlan]
) -> None:
    """The plan's rows, then its events' outbox rows.

    A small import sends everything in one statement (one round trip). A large one COPYs, and
    builds its events in a worker thread while PostgreSQL inserts its students and memberships:
    the two take similar time, one on each core, instead of one after the other. The builder is
    pure and holds the GIL only for itself; the event loop meanwhile mostly waits.
    """
    if len(plan.created) + len(plan.updated) < COPY_FROM:
        await connection.execute(sql.WRITE_SMALL, *copy_rows.small_write_arguments(plan, owner, events(plan)))
        return
    building = asyncio.ensure_future(asyncio.to_thread(_built, events, plan))
    try:
        await _write_rows(connection, plan)
    except BaseException:
        # A thread cannot be stopped: let it end before a retry; the write's error is the one to tell.
        with contextlib.suppress(Exception):
            await building
        raise
    outbox = await building
    with collector_paused():
        records = copy_rows.outbox_records(outbox)
    await connection.copy_records_to_table("event_outbox", records=records, columns=sql.OUTBOX_COLUMNS)


def _built(events: EventsFor[ImportPlan], plan: ImportPlan) -> Sequence[OutboxEvent]:
    with collector_paused():
        return events(plan)


async def _write_rows(connection: asyncpg.Connection, plan: ImportPlan) -> None:
    if plan.created:
        with collector_paused():
            records = copy_rows.created_records(plan.created)
        await connection.copy_records_to_table("students", records=records, columns=sql.STUDENT_COPY_COLUMNS)
    if plan.updated:
        await connection.execute(sql.UPDATE_STUDENTS, *copy_rows.updated_columns(plan))
    if plan.memberships:
        with collector_paused():
            records = copy_rows.membership_records(plan.memberships)
        await connection.copy_records_to_table(
            "class_student_association", records=records, columns=sql.MEMBERSHIP_COLUMNS
        )
