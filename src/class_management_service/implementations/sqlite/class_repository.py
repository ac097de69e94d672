"""Classes in SQLite: each write commits the change and its outbox rows together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.errors import ClassNotFoundError, CourseNotFoundError
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.memberships import in_read_order
from class_management_service.domain.models import (
    ClassChanges,
    DeletedClass,
    NewClass,
    Page,
    PageRequest,
    RosterEntry,
    SchoolClass,
)
from class_management_service.domain.name_order import in_name_order
from class_management_service.domain.preconditions import IfMatch
from class_management_service.domain.updates import is_class_changed
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite import class_statements as sql
from class_management_service.implementations.sqlite.engine import read_sessions, write_sessions
from class_management_service.implementations.sqlite.idempotency_store import complete_key
from class_management_service.implementations.sqlite.outbox_writer import add_outbox_events
from class_management_service.implementations.sqlite.pending_guard import settle_class_pending
from class_management_service.implementations.sqlite.rows import to_roster_entry, to_school_class
from class_management_service.protocols import ClassRepositoryProtocol, EventsFor


class SqlAlchemyClassRepository(ClassRepositoryProtocol):
    """Stores classes with prepared SQLAlchemy Core statements, a few round trips per request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)
        self._reads = read_sessions(engine)

    async def create(
        self,
        new: NewClass,
        events: EventsFor[SchoolClass],
        *,
        key: IdempotentWrite[SchoolClass] | None = None,
    ) -> SchoolClass:
        params = {
            "class_id": new.id,
            "new_name": new.name,
            "course_code": new.course_code,
            "owner": new.owner,
            "at": utc(new.at),
        }
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(sql.INSERT, params)).one_or_none()
            if row is None:
                raise CourseNotFoundError(new.course_code)
            school_class = to_school_class(row, student_count=0)
            await add_outbox_events(session, events(school_class))
            await complete_key(session, key, school_class)
        return school_class

    async def get(self, owner: str, class_id: UUID) -> SchoolClass:
        async with translate_database_errors(), self._reads() as session:
            row = (await session.execute(sql.GET, {"owner": owner, "class_id": class_id})).one_or_none()
        if row is None:
            raise ClassNotFoundError([class_id])
        return to_school_class(row)

    async def list(self, owner: str, page: PageRequest) -> Page[SchoolClass]:
        statement, params = sql.LIST.page(page)
        async with translate_database_errors(), self._reads() as session:
            rows = (await session.execute(statement, {**params, "owner": owner})).all()
            total = (await session.execute(sql.COUNT, {"owner": owner})).scalar_one()
        return Page(items=[to_school_class(row) for row in rows], total=total, request=page)

    async def update(
        self,
        owner: str,
        class_id: UUID,
        changes: ClassChanges,
        events: EventsFor[SchoolClass],
        *,
        if_match: IfMatch | None = None,
    ) -> SchoolClass:
        params = {
            "owner": owner,
            "class_id": class_id,
            "new_name": changes.name,
            "course_code": changes.course_code,
            "at": utc(changes.at),
        }
        # The write transaction (BEGIN IMMEDIATE) serialises writers, so outbox ids follow commit order.
        async with translate_database_errors(), self._sessions.begin() as session:
            current = (await session.execute(sql.GET, params)).one_or_none()
            if current is None:
                raise ClassNotFoundError([class_id])
            before = to_school_class(current)
            if if_match is not None:
                if_match.require(class_id, before.updated_at)
            if not is_class_changed(before, changes):
                return before
            row = (await session.execute(sql.UPDATE, params)).one()
            if changes.course_code is not None and row.course_code != changes.course_code:
                raise CourseNotFoundError(changes.course_code)
            school_class = to_school_class(row)
            await add_outbox_events(session, events(school_class))
        return school_class

    async def delete(
        self,
        owner: str,
        class_id: UUID,
        events: EventsFor[DeletedClass],
        *,
        at: datetime,
        force: bool = False,
        if_match: IfMatch | None = None,
    ) -> DeletedClass:
        params = {"owner": owner, "class_id": class_id}
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(sql.LOCK, params)).one_or_none()
            if row is None:
                raise ClassNotFoundError([class_id])
            if if_match is not None:
                if_match.require(class_id, utc(row.updated_at))
            completed = await settle_class_pending(session, class_id, owner, at, force=force)
            # Read after the lock: no membership can be added to the class while it is held.
            members = (await session.execute(sql.DELETE_MEMBERS, params)).all()
            removed = in_read_order({member.student_id: utc(member.created_at) for member in members})
            await session.execute(sql.DELETE, params)
            school_class = to_school_class(row, student_count=len(removed))
            deleted = DeletedClass(school_class, tuple(removed), completed)
            await add_outbox_events(session, events(deleted))
        return deleted

    async def roster(self, class_id: UUID, owner: str | None) -> Sequence[RosterEntry]:
        async with translate_database_errors(), self._reads() as session:
            rows = (await session.execute(sql.ROSTER, {"class_id": class_id})).all()
        if not rows or (owner is not None and rows[0].owner != owner):
            raise ClassNotFoundError([class_id])
        return in_name_order(to_roster_entry(row) for row in rows if row.student_id is not None)
