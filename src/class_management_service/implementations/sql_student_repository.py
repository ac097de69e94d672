"""Students and memberships in PostgreSQL or SQLite, each write committed with its outbox rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Exists, bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from class_management_service.domain.errors import (
    ClassNotFoundError,
    DuplicateStudentEmailError,
    StudentNotFoundError,
)
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
    unique_ids,
)
from class_management_service.implementations.database import (
    read_sessions,
    translate_database_errors,
    write_sessions,
)
from class_management_service.implementations.sql_outbox import add_outbox_events
from class_management_service.implementations.sql_rows import (
    STUDENT_COLUMNS,
    membership_times,
    owned,
    paginate,
    to_student,
    utc,
)
from class_management_service.models_db import STUDENT_EMAIL_INDEX, class_students, classes, students
from class_management_service.protocols import EventsFor, StudentRepositoryProtocol

_SEARCHED = (students.c.first_name, students.c.last_name, students.c.legal_full_name, students.c.email)
_MEMBER = class_students.c.student_id == students.c.id
_OWNED_CLASSES = select(classes.c.id).where(
    classes.c.created_by_user_id == bindparam("owner"),
    classes.c.id.in_(bindparam("ids", expanding=True)),
)
# A share lock on each class keeps it from being deleted before the memberships commit.
_LOCK_OWNED_CLASSES = _OWNED_CLASSES.with_for_update(read=True, key_share=True)
_OTHER = students.alias("other_student")


def _email_taken(owner: Any, email: Any) -> Exists:
    lowered = func.lower(_OTHER.c.email) == func.lower(email)
    return exists().where(_OTHER.c.created_by_user_id == owner, lowered)


_INSERT_STUDENT = (
    insert(students)
    .from_select(
        [column.name for column in STUDENT_COLUMNS],
        select(*(bindparam(column.name, type_=column.type) for column in STUDENT_COLUMNS)).where(
            ~_email_taken(bindparam("created_by_user_id"), bindparam("email", type_=students.c.email.type))
        ),
    )
    .returning(students.c.id)
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
    """Stores students with SQLAlchemy Core statements, a few round trips per request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)
        self._reads = read_sessions(engine)

    async def create(self, new: NewStudent, events: EventsFor[Student]) -> Student:
        at = utc(new.at)
        class_ids = unique_ids(new.class_ids)
        params = {
            "id": new.id,
            "first_name": new.first_name,
            "last_name": new.last_name,
            "legal_full_name": new.legal_full_name,
            "email": new.email,
            "created_by_user_id": new.owner,
            "created_at": at,
            "updated_at": at,
        }
        async with translate_database_errors(), _unique_email(), self._sessions.begin() as session:
            await _require_owned_classes(session, new.owner, class_ids)
            if (await session.execute(_INSERT_STUDENT, params)).first() is None:
                raise DuplicateStudentEmailError()
            await _add_memberships(session, new.id, class_ids, at)
            student = Student(
                id=new.id,
                first_name=new.first_name,
                last_name=new.last_name,
                legal_full_name=new.legal_full_name,
                email=new.email,
                class_ids=class_ids,
                created_by_user_id=new.owner,
                created_at=at,
                updated_at=at,
            )
            await add_outbox_events(session, events(student))
        return student

    async def get(self, owner: str, student_id: UUID) -> Student:
        statement = (
            select(*STUDENT_COLUMNS, class_students.c.class_id)
            .outerjoin(class_students, _MEMBER)
            .where(owned(students, owner, student_id))
            .order_by(class_students.c.created_at, class_students.c.class_id)
        )
        async with translate_database_errors(), self._reads.begin() as session:
            rows = (await session.execute(statement)).all()
        if not rows:
            raise StudentNotFoundError(student_id)
        return to_student(rows[0], (row.class_id for row in rows if row.class_id is not None))

    async def list(self, owner: str, page: PageRequest, where: StudentFilter) -> Page[Student]:
        conditions = [students.c.created_by_user_id == owner]
        if where.class_id is not None:
            members = select(class_students.c.student_id).where(class_students.c.class_id == where.class_id)
            conditions.append(students.c.id.in_(members))
        if where.query:
            term = where.query.lower()
            conditions.append(or_(*(func.lower(c).contains(term, autoescape=True) for c in _SEARCHED)))
        page_statement = paginate(select(*STUDENT_COLUMNS).where(*conditions), students, page)
        total_statement = select(func.count()).select_from(students).where(*conditions)
        async with translate_database_errors(), self._reads.begin() as session:
            if where.class_id is not None:
                await _require_owned_classes(session, owner, (where.class_id,), lock=False)
            rows = (await session.execute(page_statement)).all()
            total = (await session.execute(total_statement)).scalar_one()
            class_ids = await _class_ids_of(session, [row.id for row in rows])
        items = [to_student(row, class_ids.get(row.id, ())) for row in rows]
        return Page(items=items, total=total, request=page)

    async def update(
        self, owner: str, student_id: UUID, changes: StudentChanges, events: EventsFor[StudentUpdate]
    ) -> StudentUpdate:
        at = utc(changes.at)
        values: dict[str, Any] = {"updated_at": at}
        for name in ("first_name", "last_name", "legal_full_name"):
            if getattr(changes, name) is not None:
                values[name] = getattr(changes, name)
        conditions = [owned(students, owner, student_id)]
        if changes.email is not UNSET:
            values["email"] = changes.email
        if isinstance(changes.email, str):
            conditions.append(~_email_taken(owner, changes.email).where(_OTHER.c.id != student_id))
        # The UPDATE takes the row lock first: concurrent writers of one student queue here, so
        # the memberships read below are current and outbox ids follow commit order.
        statement = update(students).where(*conditions).values(values).returning(*STUDENT_COLUMNS)
        async with translate_database_errors(), _unique_email(), self._sessions.begin() as session:
            row = (await session.execute(statement)).one_or_none()
            if row is None:
                raise await _update_refused(session, owner, student_id)
            current = await _memberships(session, student_id)
            added = tuple(c for c in unique_ids(changes.add_class_ids) if c not in current)
            removed = tuple(c for c in unique_ids(changes.remove_class_ids) if c in current)
            await _require_owned_classes(session, owner, added)
            await _remove_memberships(session, student_id, removed)
            kept = {c: joined for c, joined in current.items() if c not in removed}
            kept.update(zip(added, membership_times(at, len(added)), strict=True))
            await _add_memberships(session, student_id, added, at)
            result = StudentUpdate(to_student(row, _ordered(kept)), added, removed)
            await add_outbox_events(session, events(result))
        return result

    async def delete(self, owner: str, student_id: UUID, events: EventsFor[DeletedStudent]) -> DeletedStudent:
        lock = select(*STUDENT_COLUMNS).where(owned(students, owner, student_id)).with_for_update()
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(lock)).one_or_none()
            if row is None:
                raise StudentNotFoundError(student_id)
            current = await _memberships(session, student_id)
            await session.execute(delete(students).where(students.c.id == student_id))
            deleted = DeletedStudent(to_student(row, _ordered(current)))
            await add_outbox_events(session, events(deleted))
        return deleted


async def _require_owned_classes(
    session: AsyncSession, owner: str, class_ids: Sequence[UUID], *, lock: bool = True
) -> None:
    if not class_ids:
        return
    statement = _LOCK_OWNED_CLASSES if lock else _OWNED_CLASSES
    found = set((await session.execute(statement, {"owner": owner, "ids": list(class_ids)})).scalars())
    missing = [class_id for class_id in class_ids if class_id not in found]
    if missing:
        raise ClassNotFoundError(missing)


async def _memberships(session: AsyncSession, student_id: UUID) -> dict[UUID, datetime]:
    statement = select(class_students.c.class_id, class_students.c.created_at).where(
        class_students.c.student_id == student_id
    )
    return {class_id: utc(joined) for class_id, joined in await session.execute(statement)}


def _ordered(memberships: dict[UUID, datetime]) -> list[UUID]:
    """The order reads return: by membership time, then class id."""
    return sorted(memberships, key=lambda class_id: (memberships[class_id], class_id))


async def _class_ids_of(session: AsyncSession, student_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    if not student_ids:
        return {}
    statement = (
        select(class_students.c.student_id, class_students.c.class_id)
        .where(class_students.c.student_id.in_(student_ids))
        .order_by(class_students.c.created_at, class_students.c.class_id)
    )
    by_student: dict[UUID, list[UUID]] = {}
    for student_id, class_id in await session.execute(statement):
        by_student.setdefault(student_id, []).append(class_id)
    return by_student


async def _add_memberships(
    session: AsyncSession, student_id: UUID, class_ids: Sequence[UUID], at: datetime
) -> None:
    if class_ids:
        times = membership_times(at, len(class_ids))
        rows = [
            {"class_id": class_id, "student_id": student_id, "created_at": joined}
            for class_id, joined in zip(class_ids, times, strict=True)
        ]
        await session.execute(insert(class_students).values(rows))


async def _remove_memberships(session: AsyncSession, student_id: UUID, class_ids: Sequence[UUID]) -> None:
    if class_ids:
        await session.execute(
            delete(class_students).where(
                class_students.c.student_id == student_id, class_students.c.class_id.in_(class_ids)
            )
        )


async def _update_refused(session: AsyncSession, owner: str, student_id: UUID) -> Exception:
    """The UPDATE matched nothing: either no such student, or the new email is taken."""
    exists_statement = select(students.c.id).where(owned(students, owner, student_id))
    if (await session.execute(exists_statement)).first() is None:
        return StudentNotFoundError(student_id)
    return DuplicateStudentEmailError()
