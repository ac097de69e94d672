"""Roster imports in PostgreSQL through asyncpg: one transaction per import, per teacher at a time."""

from __future__ import annotations

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.errors import (
    ClassManagementError,
    ClassNotFoundError,
    DuplicateStudentEmailError,
    DuplicateStudentExternalIdError,
)
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.roster_import import ImportCommand, ImportPlan, plan_import
from class_management_service.implementations.bulk_work import collector_paused
from class_management_service.implementations.postgres import roster_import_records as copy_rows
from class_management_service.implementations.postgres import roster_import_statements as sql
from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.implementations.postgres.idempotency_store import complete_key
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.postgres.roster_import_copy import (
    RejectedPlanError,
    plan_and_copy,
)
from class_management_service.implementations.postgres.rows import to_student
from class_management_service.models_db import STUDENT_EMAIL_INDEX, STUDENT_EXTERNAL_ID_INDEX
from class_management_service.protocols import EventsFor, RosterImportRepositoryProtocol

MAX_ATTEMPTS = 5
"""Plans per import when single-student writes keep taking its emails or external ids."""

COPY_FROM = 1000
"""Rows from which an import writes by COPY (``roster_import_copy``); below, one statement's round
trip costs less than three COPYs and a thread hop."""

_TAKEN_BY_ANOTHER_WRITE = frozenset({STUDENT_EMAIL_INDEX, STUDENT_EXTERNAL_ID_INDEX})


class _PlanOutdatedError(Exception):
    """A write outside the import's lock took an email or external id the plan gave a student."""

    def __init__(self, index: str) -> None:
        super().__init__(index)
        self.index = index

    def as_conflict(self) -> ClassManagementError:
        """What the import answers when planning again never helps: the index's own 409. (Python's
        and PostgreSQL's case folding disagree on a few letters, "İ" among them: a row's email may
        then match a student only in PostgreSQL's eyes.)"""
        if self.index == STUDENT_EMAIL_INDEX:
            return DuplicateStudentEmailError()
        return DuplicateStudentExternalIdError()


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
            except _PlanOutdatedError as outdated:
                if attempt == MAX_ATTEMPTS:
                    raise outdated.as_conflict() from None
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
    owner, upload = command.owner, command.upload
    try:
        async with connection.transaction():
            _, missing = await connection.fetchrow(sql.LOCK_AND_CHECK_CLASSES, list(upload.class_ids), owner)
            if missing:
                raise ClassNotFoundError(missing)
            named = await connection.fetch(sql.LOAD_NAMED, owner, *command.lookup_keys(fold_emails=False))
            existing = [to_student(row) for row in named]
            if len(upload.rows) >= COPY_FROM and not upload.dry_run:
                plan = await plan_and_copy(connection, command, existing, events)
            else:
                with collector_paused():
                    plan = plan_import(command, existing)
                if plan.is_rejected:
                    return plan
                if plan.writes:
                    arguments = copy_rows.small_write_arguments(plan, owner, events(plan))
                    await connection.execute(sql.WRITE_SMALL, *arguments)
            await complete_key(connection, key, plan)
            return plan
    except RejectedPlanError as rejected:
        return rejected.plan  # its students, already COPYed, were rolled back
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name in _TAKEN_BY_ANOTHER_WRITE:
            raise _PlanOutdatedError(error.constraint_name) from error
        raise
