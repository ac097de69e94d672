"""Students in SQLite, each write committed together with its outbox rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from class_management_service.domain.errors import DuplicateStudentEmailError, StudentNotFoundError
from class_management_service.domain.memberships import enrolment, in_read_order, membership_change
from class_management_service.domain.models import (
    UNSET,
    DeletedStudent,
    NewStudent,
    Page,
    PageRequest,
    Student,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
)
from class_management_service.implementations.database import (
    read_sessions,
    translate_database_errors,
    write_sessions,
)
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite import memberships as members
from class_management_service.implementations.sqlite.outbox_writer import add_outbox_events
from class_management_service.implementations.sqlite.rows import (
    STUDENT_COLUMNS,
    owned_by,
    to_student,
)
from class_management_service.implementations.sqlite.student_listing import like_literal, student_listing
from class_management_service.models_db import STUDENT_EMAIL_INDEX, class_students, students
from class_management_service.protocols import EventsFor, StudentRepositoryProtocol

# Statements are built once: building and cache-keying one per call costs more CPU than running it.
_OTHER = students.alias("other_student")
_NEW_EMAIL = bindparam("new_email", type_=students.c.email.type)
# A NULL :new_email never matches, so the check is a no-op when the email is kept or cleared.
_EMAIL_TAKEN = exists().where(
    _OTHER.c.created_by_user_id == bindparam("owner"),
    func.lower(_OTHER.c.email) == func.lower(_NEW_EMAIL),
    _OTHER.c.id != bindparam("student_id"),
)
_INSERT = (
    insert(students)
    .from_select(
        [column.name for column in STUDENT_COLUMNS],
        select(
            bindparam("student_id", type_=students.c.id.type),
            bindparam("new_first_name", type_=students.c.first_name.type),
            bindparam("new_last_name", type_=students.c.last_name.type),
            bindparam("new_legal_full_name", type_=students.c.legal_full_name.type),
            _NEW_EMAIL,
            bindparam("owner", type_=students.c.created_by_user_id.type),
            bindparam("at", type_=students.c.created_at.type),
            bindparam("at", type_=students.c.updated_at.type),
        ).where(~_EMAIL_TAKEN),
    )
    .returning(*STUDENT_COLUMNS)
)


def _new_or_kept(column: str) -> Any:
    """``:new_<column>``, or the stored value when that parameter is NULL (the field was omitted)."""
    return func.coalesce(bindparam(f"new_{column}", type_=students.c[column].type), students.c[column])


_UPDATE = (
    update(students)
    .where(owned_by(students, "student_id"), ~_EMAIL_TAKEN)
    .values(
        first_name=_new_or_kept("first_name"),
        last_name=_new_or_kept("last_name"),
        legal_full_name=_new_or_kept("legal_full_name"),
        # NULL is a value for email (it clears it), so a flag says whether to write it at all.
        email=case((bindparam("set_email", type_=Boolean()), _NEW_EMAIL), else_=students.c.email),
        updated_at=bindparam("at", type_=students.c.updated_at.type),
    )
    .returning(*STUDENT_COLUMNS)
)
_FIND = select(*STUDENT_COLUMNS).where(owned_by(students, "student_id"))
_LOCK = _FIND.with_for_update()
_DELETE = delete(students).where(students.c.id == bindparam("student_id"))
_GET = (
    select(*STUDENT_COLUMNS, class_students.c.class_id)
    .outerjoin(class_students, class_students.c.student_id == students.c.id)
    .where(owned_by(students, "student_id"))
    .order_by(class_students.c.created_at, class_students.c.class_id)
)


@asynccontextmanager
async def _unique_email() -> AsyncIterator[None]:
    """The unique index is the backstop when two writers pass the in-statement check at once."""
    try:
        yield
    except IntegrityError as error:
        if STUDENT_EMAIL_INDEX in str(error.orig):
            raise DuplicateStudentEmailError() from error
        raise


class SqlAlchemyStudentRepository(StudentRepositoryProtocol):
    """Stores students with prepared SQLAlchemy Core statements, a few round trips per request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)
        self._reads = read_sessions(engine)

    async def create(self, new: NewStudent, events: EventsFor[Student]) -> Student:
        at = utc(new.at)
        class_ids = new.class_ids
        params = {
            "student_id": new.id,
            "new_first_name": new.first_name,
            "new_last_name": new.last_name,
            "new_legal_full_name": new.legal_full_name,
            "new_email": new.email,
            "owner": new.owner,
            "at": at,
        }
        async with translate_database_errors(), _unique_email(), self._sessions.begin() as session:
            await members.require_owned_classes(session, new.owner, class_ids)
            row = (await session.execute(_INSERT, params)).one_or_none()
            if row is None:
                raise DuplicateStudentEmailError()
            await members.add_memberships(session, new.id, enrolment(class_ids, at))
            student = to_student(row, class_ids)
            await add_outbox_events(session, events(student))
        return student

    async def get(self, owner: str, student_id: UUID) -> Student:
        async with translate_database_errors(), self._reads() as session:
            rows = (await session.execute(_GET, {"owner": owner, "student_id": student_id})).all()
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
        self, owner: str, student_id: UUID, changes: StudentChanges, events: EventsFor[StudentUpdate]
    ) -> StudentUpdate:
        at = utc(changes.at)
        params = {
            "owner": owner,
            "student_id": student_id,
            "new_first_name": changes.first_name,
            "new_last_name": changes.last_name,
            "new_legal_full_name": changes.legal_full_name,
            "set_email": changes.email is not UNSET,
            "new_email": None if changes.email is UNSET else changes.email,
            "at": at,
        }
        # The UPDATE takes the row lock first: concurrent writers of one student queue here, so
        # the memberships read next are current and outbox ids follow commit order.
        async with translate_database_errors(), _unique_email(), self._sessions.begin() as session:
            row = (await session.execute(_UPDATE, params)).one_or_none()
            if row is None:
                raise await _why_update_matched_nothing(session, params)
            joined = await members.memberships(session, student_id)
            change = membership_change(joined, changes.add_class_ids, changes.remove_class_ids, at)
            await members.require_owned_classes(session, owner, change.added)
            await members.remove_memberships(session, student_id, change.removed)
            await members.add_memberships(session, student_id, change.joined)
            result = StudentUpdate(to_student(row, change.class_ids), change.added, change.removed)
            await add_outbox_events(session, events(result))
        return result

    async def delete(self, owner: str, student_id: UUID, events: EventsFor[DeletedStudent]) -> DeletedStudent:
        params = {"owner": owner, "student_id": student_id}
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(_LOCK, params)).one_or_none()
            if row is None:
                raise StudentNotFoundError(student_id)
            # Read after the lock: no membership can be added to the student while it is held.
            joined = await members.memberships(session, student_id)
            await session.execute(_DELETE, params)
            deleted = DeletedStudent(to_student(row, in_read_order(joined)))
            await add_outbox_events(session, events(deleted))
        return deleted


async def _why_update_matched_nothing(session: AsyncSession, params: dict[str, Any]) -> Exception:
    """No such student of this owner, or the new email is taken."""
    if (await session.execute(_FIND, params)).first() is None:
        return StudentNotFoundError(params["student_id"])
    return DuplicateStudentEmailError()
