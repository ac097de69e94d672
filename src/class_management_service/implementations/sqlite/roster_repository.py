"""Class-side enrolment in SQLite: read under the write lock, write what the domain decided."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.memberships import in_read_order
from class_management_service.domain.roster import (
    EnrolledStudent,
    RosterChange,
    RosterOutcome,
    RosterPlan,
    roster_plan,
)
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite.engine import write_sessions
from class_management_service.implementations.sqlite.idempotency_store import complete_key
from class_management_service.implementations.sqlite.outbox_writer import add_outbox_events
from class_management_service.implementations.sqlite.rows import STUDENT_COLUMNS, to_student
from class_management_service.models_db import class_students, classes, students
from class_management_service.protocols import ClassRosterRepositoryProtocol, EventsFor

_OWNER = bindparam("owner", type_=students.c.created_by_user_id.type)
_OWNED_CLASSES = select(classes.c.id).where(
    classes.c.created_by_user_id == _OWNER, classes.c.id.in_(bindparam("class_ids", expanding=True))
)
_STUDENTS = select(*STUDENT_COLUMNS).where(
    students.c.created_by_user_id == _OWNER, students.c.id.in_(bindparam("student_ids", expanding=True))
)
_MEMBERSHIPS = select(
    class_students.c.student_id, class_students.c.class_id, class_students.c.created_at
).where(class_students.c.student_id.in_(bindparam("student_ids", expanding=True)))
_TOUCH = (
    update(students)
    .where(students.c.id == bindparam("changed_id"))
    .values(updated_at=bindparam("changed_at", type_=students.c.updated_at.type))
)
_LEAVE = delete(class_students).where(
    class_students.c.student_id == bindparam("leaving_student"),
    class_students.c.class_id == bindparam("leaving_class"),
)
_JOIN = insert(class_students)


class SqlAlchemyClassRosterRepository(ClassRosterRepositoryProtocol):
    """Roster changes in one write transaction; BEGIN IMMEDIATE keeps what is read current."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)

    async def change_roster(
        self,
        change: RosterChange,
        events: EventsFor[RosterOutcome],
        *,
        key: IdempotentWrite[RosterOutcome] | None = None,
    ) -> RosterOutcome:
        async with translate_database_errors(), self._sessions.begin() as session:
            owned_params = {"owner": change.owner, "class_ids": list(change.class_ids)}
            owned = set((await session.execute(_OWNED_CLASSES, owned_params)).scalars())
            plan = roster_plan(change, owned, await _found(session, change))
            if plan.edits:
                await _write(session, plan)
                await add_outbox_events(session, events(plan.outcome))
            await complete_key(session, key, plan.outcome)
        return plan.outcome


async def _found(session: AsyncSession, change: RosterChange) -> dict[UUID, EnrolledStudent]:
    """The owner's students among those named, each with their memberships."""
    params = {"owner": change.owner, "student_ids": list(change.student_ids)}
    rows = (await session.execute(_STUDENTS, params)).all()
    joined: dict[UUID, dict[UUID, datetime]] = {row.id: {} for row in rows}
    ids = {"student_ids": list(joined)}
    for student_id, class_id, at in await session.execute(_MEMBERSHIPS, ids) if joined else ():
        joined[student_id][class_id] = utc(at)
    return {
        row.id: EnrolledStudent(to_student(row, in_read_order(joined[row.id])), joined[row.id])
        for row in rows
    }


async def _write(session: AsyncSession, plan: RosterPlan) -> None:
    """Each changed student's memberships and ``updated_at``, as the domain decided them."""
    touched = [{"changed_id": e.student.id, "changed_at": utc(e.student.updated_at)} for e in plan.edits]
    await session.execute(_TOUCH, touched)
    leaving = [
        {"leaving_student": e.student.id, "leaving_class": class_id}
        for e in plan.edits
        for class_id in e.membership.removed
    ]
    if leaving:
        await session.execute(_LEAVE, leaving)
    joining = [
        {"class_id": class_id, "student_id": e.student.id, "created_at": utc(at)}
        for e in plan.edits
        for class_id, at in e.membership.joined.items()
    ]
    if joining:
        await session.execute(_JOIN, joining)
