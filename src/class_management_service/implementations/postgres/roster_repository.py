"""Class-side enrolment in PostgreSQL through asyncpg: three round trips inside one transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.memberships import in_read_order
from class_management_service.domain.roster import (
    EnrolledStudent,
    RosterChange,
    RosterOutcome,
    RosterPlan,
    roster_plan,
)
from class_management_service.implementations.postgres import roster_statements as sql
from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.implementations.postgres.idempotency_store import complete_key
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.postgres.outbox_writer import outbox_arguments
from class_management_service.implementations.postgres.rows import to_student
from class_management_service.implementations.postgres.transactions import in_transaction
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import ClassRosterRepositoryProtocol, EventsFor


class AsyncpgClassRosterRepository(ClassRosterRepositoryProtocol):
    """Locks the students, then the classes; writes every changed membership with one statement."""

    def __init__(self, engine: AsyncEngine, doorbell: OutboxDoorbell | None = None) -> None:
        """``doorbell`` wakes the relay after each committed write; None where no relay listens."""
        self._engine = engine
        self._doorbell = doorbell

    async def change_roster(
        self,
        change: RosterChange,
        events: EventsFor[RosterOutcome],
        *,
        key: IdempotentWrite[RosterOutcome] | None = None,
    ) -> RosterOutcome:

        async def apply(connection: asyncpg.Connection) -> RosterPlan:
            owned, found = await _locked_state(connection, change)
            plan = roster_plan(change, owned, found)
            if plan.edits:
                await connection.execute(sql.CHANGE, *_changes(plan), *outbox_arguments(events(plan.outcome)))
            await complete_key(connection, key, plan.outcome)
            return plan

        async with pg_connection(self._engine) as connection:
            plan = await in_transaction(connection, apply)
        if plan.edits and self._doorbell is not None:
            self._doorbell.ring()
        return plan.outcome


async def _locked_state(
    connection: asyncpg.Connection, change: RosterChange
) -> tuple[set[UUID], dict[UUID, EnrolledStudent]]:
    """The owner's classes among those named, and the owner's named students with their memberships."""
    rows = await connection.fetch(sql.LOCK_STUDENTS, list(change.student_ids), change.owner)
    locked = [row["id"] for row in rows]
    owned, student_ids, class_ids, joined_at = await connection.fetchrow(
        sql.STATE, list(change.class_ids), change.owner, locked
    )
    joined: dict[UUID, dict[UUID, datetime]] = {student_id: {} for student_id in locked}
    for student_id, class_id, at in zip(student_ids, class_ids, joined_at, strict=True):
        joined[student_id][class_id] = at
    found = {
        row["id"]: EnrolledStudent(to_student(row, in_read_order(joined[row["id"]])), joined[row["id"]])
        for row in rows
    }
    return set(owned), found


def _changes(plan: RosterPlan) -> tuple[list[object], ...]:
    """The CHANGE statement's parameters $1-$7, column by column."""
    edits = plan.edits
    leaving = [(e.student.id, class_id) for e in edits for class_id in e.membership.removed]
    joining = [
        (class_id, e.student.id, utc(at)) for e in edits for class_id, at in e.membership.joined.items()
    ]
    return (
        [e.student.id for e in edits],
        [utc(e.student.updated_at) for e in edits],
        [student_id for student_id, _ in leaving],
        [class_id for _, class_id in leaving],
        [class_id for class_id, _, _ in joining],
        [student_id for _, student_id, _ in joining],
        [at for _, _, at in joining],
    )
