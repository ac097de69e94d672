"""Students in SQLite, each write committed together with its outbox rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.errors import (
    DuplicateStudentEmailError,
    DuplicateStudentExternalIdError,
    StudentNotFoundError,
)
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.memberships import enrolment, in_read_order
from class_management_service.domain.models import (
    DeletedStudent,
    NewStudent,
    Page,
    PageRequest,
    Student,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
)
from class_management_service.domain.preconditions import IfMatch
from class_management_service.domain.updates import named_class_ids, student_edit
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite import memberships as members
from class_management_service.implementations.sqlite import student_statements as sql
from class_management_service.implementations.sqlite.engine import read_sessions, write_sessions
from class_management_service.implementations.sqlite.idempotency_store import complete_key
from class_management_service.implementations.sqlite.outbox_writer import add_outbox_events
from class_management_service.implementations.sqlite.pending_guard import settle_student_pending
from class_management_service.implementations.sqlite.rows import to_student
from class_management_service.implementations.sqlite.student_listing import like_literal, student_listing
from class_management_service.models_db import STUDENT_EMAIL_INDEX, students
from class_management_service.protocols import EventsFor, StudentRepositoryProtocol

# SQLite names a unique index on plain columns by its columns, not by its name.
_EXTERNAL_ID_TAKEN = f"{students.name}.{students.c.external_id.name}"


@asynccontextmanager
async def _unique_fields() -> AsyncIterator[None]:
    """The external id is checked by its unique index alone (writers are serialised, so nothing
    else is written before the error); for the email it is the backstop of the in-statement check."""
    try:
        yield
    except IntegrityError as error:
        if STUDENT_EMAIL_INDEX in str(error.orig):
            raise DuplicateStudentEmailError() from error
        if _EXTERNAL_ID_TAKEN in str(error.orig):
            raise DuplicateStudentExternalIdError() from error
        raise


class SqlAlchemyStudentRepository(StudentRepositoryProtocol):
    """Stores students with prepared SQLAlchemy Core statements, a few round trips per request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)
        self._reads = read_sessions(engine)

    async def create(
        self, new: NewStudent, events: EventsFor[Student], *, key: IdempotentWrite[Student] | None = None
    ) -> Student:
        at = utc(new.at)
        class_ids = new.class_ids
        params = {
            "student_id": new.id,
            "new_first_name": new.first_name,
            "new_last_name": new.last_name,
            "new_legal_full_name": new.legal_full_name,
            "new_email": new.email,
            "new_external_id": new.external_id,
            "owner": new.owner,
            "at": at,
        }
        async with translate_database_errors(), _unique_fields(), self._sessions.begin() as session:
            await members.require_owned_classes(session, new.owner, class_ids)
            row = (await session.execute(sql.INSERT, params)).one_or_none()
            if row is None:
                raise DuplicateStudentEmailError()
            await members.add_memberships(session, new.id, enrolment(class_ids, at))
            student = to_student(row, class_ids)
            await add_outbox_events(session, events(student))
            await complete_key(session, key, student)
        return student

    async def get(self, owner: str, student_id: UUID) -> Student:
        async with translate_database_errors(), self._reads() as session:
            rows = (await session.execute(sql.GET, {"owner": owner, "student_id": student_id})).all()
        if not rows:
            raise StudentNotFoundError(student_id)
        return to_student(rows[0], (row.class_id for row in rows if row.class_id is not None))

    async def list(self, owner: str, page: PageRequest, where: StudentFilter) -> Page[Student]:
        paged, total_statement = student_listing(where.class_id is not None, bool(where.query))
        statement, paging = paged.page(page)
        params = {"owner": owner, "class_id": where.class_id, "term": like_literal(where.query or "")}
        async with translate_database_errors(), self._reads() as session:
            if where.class_id is not None:
                await members.require_owned_classes(session, owner, (where.class_id,), lock=False)
            rows = (await session.execute(statement, {**params, **paging})).all()
            total = (await session.execute(total_statement, params)).scalar_one()
            class_ids = await members.class_ids_of(session, [row.id for row in rows])
        items = [to_student(row, class_ids.get(row.id, ())) for row in rows]
        return Page(items=items, total=total, request=page)

    async def update(
        self,
        owner: str,
        student_id: UUID,
        changes: StudentChanges,
        events: EventsFor[StudentUpdate],
        *,
        if_match: IfMatch | None = None,
    ) -> StudentUpdate:
        params = {"owner": owner, "student_id": student_id}
        # The write transaction (BEGIN IMMEDIATE) serialises writers: what is read here stays
        # current until the commit, and outbox ids follow commit order.
        async with translate_database_errors(), _unique_fields(), self._sessions.begin() as session:
            row = (await session.execute(sql.FIND, params)).one_or_none()
            if row is None:
                raise StudentNotFoundError(student_id)
            if if_match is not None:
                if_match.require(student_id, utc(row.updated_at))
            joined = await members.memberships(session, student_id)
            await members.require_owned_classes(session, owner, named_class_ids(joined, changes))
            edit = student_edit(to_student(row, in_read_order(joined)), joined, changes)
            if not edit.is_changed:
                return edit.outcome
            if (await session.execute(sql.UPDATE, _row_values(edit.student, params))).first() is None:
                raise DuplicateStudentEmailError()
            await members.remove_memberships(session, student_id, edit.membership.removed)
            await members.add_memberships(session, student_id, edit.membership.joined)
            await add_outbox_events(session, events(edit.outcome))
        return edit.outcome

    async def delete(
        self,
        owner: str,
        student_id: UUID,
        events: EventsFor[DeletedStudent],
        *,
        at: datetime,
        force: bool = False,
        if_match: IfMatch | None = None,
    ) -> DeletedStudent:
        params = {"owner": owner, "student_id": student_id}
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(sql.LOCK, params)).one_or_none()
            if row is None:
                raise StudentNotFoundError(student_id)
            if if_match is not None:
                if_match.require(student_id, utc(row.updated_at))
            completed = await settle_student_pending(session, student_id, owner, at, force=force)
            # Read after the lock: no membership can be added to the student while it is held.
            joined = await members.memberships(session, student_id)
            await session.execute(sql.DELETE, params)
            deleted = DeletedStudent(to_student(row, in_read_order(joined)), completed)
            await add_outbox_events(session, events(deleted))
        return deleted


def _row_values(student: Student, params: dict[str, Any]) -> dict[str, Any]:
    return {
        **params,
        "new_first_name": student.first_name,
        "new_last_name": student.last_name,
        "new_legal_full_name": student.legal_full_name,
        "new_email": student.email,
        "new_external_id": student.external_id,
        "at": utc(student.updated_at),
    }
