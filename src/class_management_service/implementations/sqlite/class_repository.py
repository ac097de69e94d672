"""Classes in SQLite: each write commits the change and its outbox rows together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, func, insert, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import ColumnClause

from class_management_service.domain.errors import ClassNotFoundError, CourseNotFoundError
from class_management_service.domain.models import (
    ClassChanges,
    DeletedClass,
    NewClass,
    Page,
    PageRequest,
    RosterEntry,
    SchoolClass,
)
from class_management_service.implementations.database import (
    read_sessions,
    translate_database_errors,
    write_sessions,
)
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite.outbox_writer import add_outbox_events
from class_management_service.implementations.sqlite.rows import (
    CLASS_COLUMNS,
    STUDENT_COUNT,
    NewestFirst,
    owned_by,
    to_roster_entry,
    to_school_class,
)
from class_management_service.models_db import class_students, classes, courses, students
from class_management_service.protocols import ClassRepositoryProtocol, EventsFor

# Statements are built once: building and cache-keying one per call costs more CPU than running it.

# RETURNING may only name the written table, so the course and the count come back through
# subqueries; SQLAlchemy does not correlate those to an INSERT, hence the literal outer columns.
_RETURNED_COURSE_ID: ColumnClause[Any] = literal_column("classes.course_id")


def _course_of_class(column: Any) -> Any:
    return select(column).where(courses.c.id == _RETURNED_COURSE_ID).scalar_subquery()


_RETURNING = (
    classes.c.id,
    classes.c.name,
    classes.c.created_by_user_id,
    classes.c.created_at,
    classes.c.updated_at,
    _course_of_class(courses.c.course_code).label("course_code"),
    _course_of_class(courses.c.name).label("course_name"),
    _course_of_class(courses.c.language).label("course_language"),
)
_RETURNED_STUDENT_COUNT = (
    select(func.count())
    .where(class_students.c.class_id == literal_column("classes.id"))
    .scalar_subquery()
    .label("student_count")
)
_COURSE_ID_OF_CODE = select(courses.c.id).where(courses.c.course_code == bindparam("course_code"))
_INSERT = (
    insert(classes)
    .from_select(
        ["id", "name", "course_id", "created_by_user_id", "created_at", "updated_at"],
        select(
            bindparam("class_id", type_=classes.c.id.type),
            bindparam("new_name", type_=classes.c.name.type),
            courses.c.id,
            bindparam("owner", type_=classes.c.created_by_user_id.type),
            bindparam("at", type_=classes.c.created_at.type),
            bindparam("at", type_=classes.c.updated_at.type),
        ).where(courses.c.course_code == bindparam("course_code")),
    )
    .returning(*_RETURNING)
)
# A NULL name or an unknown code keeps the current value; update() then rejects the unknown code.
_UPDATE = (
    update(classes)
    .where(owned_by(classes, "class_id"))
    .values(
        name=func.coalesce(bindparam("new_name", type_=classes.c.name.type), classes.c.name),
        course_id=func.coalesce(_COURSE_ID_OF_CODE.scalar_subquery(), classes.c.course_id),
        updated_at=bindparam("at", type_=classes.c.updated_at.type),
    )
    .returning(*_RETURNING, _RETURNED_STUDENT_COUNT)
)
_SELECT = select(*CLASS_COLUMNS, STUDENT_COUNT).join_from(
    classes, courses, courses.c.id == classes.c.course_id
)
_GET = _SELECT.where(owned_by(classes, "class_id"))
_LOCK = _GET.with_for_update(of=classes)
_MINE = classes.c.created_by_user_id == bindparam("owner")
_LIST = NewestFirst.of(_SELECT.where(_MINE), classes)
_COUNT = select(func.count()).select_from(classes).where(_MINE)
_DELETE_MEMBERS = (
    delete(class_students)
    .where(class_students.c.class_id == bindparam("class_id"))
    .returning(class_students.c.student_id, class_students.c.created_at)
)
_DELETE = delete(classes).where(classes.c.id == bindparam("class_id"))
_ROSTER = (
    select(
        classes.c.created_by_user_id.label("owner"),
        students.c.id.label("student_id"),
        students.c.first_name,
        students.c.last_name,
        students.c.legal_full_name,
        students.c.email,
    )
    .select_from(classes)
    .outerjoin(class_students, class_students.c.class_id == classes.c.id)
    .outerjoin(students, students.c.id == class_students.c.student_id)
    .where(classes.c.id == bindparam("class_id"))
    .order_by(students.c.last_name, students.c.first_name, students.c.id)
)


class SqlAlchemyClassRepository(ClassRepositoryProtocol):
    """Stores classes with prepared SQLAlchemy Core statements, a few round trips per request."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)
        self._reads = read_sessions(engine)

    async def create(self, new: NewClass, events: EventsFor[SchoolClass]) -> SchoolClass:
        params = {
            "class_id": new.id,
            "new_name": new.name,
            "course_code": new.course_code,
            "owner": new.owner,
            "at": utc(new.at),
        }
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(_INSERT, params)).one_or_none()
            if row is None:
                raise CourseNotFoundError(new.course_code)
            school_class = to_school_class(row, student_count=0)
            await add_outbox_events(session, events(school_class))
        return school_class

    async def get(self, owner: str, class_id: UUID) -> SchoolClass:
        async with translate_database_errors(), self._reads() as session:
            row = (await session.execute(_GET, {"owner": owner, "class_id": class_id})).one_or_none()
        if row is None:
            raise ClassNotFoundError([class_id])
        return to_school_class(row)

    async def list(self, owner: str, page: PageRequest) -> Page[SchoolClass]:
        statement, params = _LIST.page(page)
        async with translate_database_errors(), self._reads() as session:
            rows = (await session.execute(statement, {**params, "owner": owner})).all()
            total = (await session.execute(_COUNT, {"owner": owner})).scalar_one()
        return Page(items=[to_school_class(row) for row in rows], total=total, request=page)

    async def update(
        self, owner: str, class_id: UUID, changes: ClassChanges, events: EventsFor[SchoolClass]
    ) -> SchoolClass:
        params = {
            "owner": owner,
            "class_id": class_id,
            "new_name": changes.name,
            "course_code": changes.course_code,
            "at": utc(changes.at),
        }
        # The UPDATE row lock serialises writers of this class, so outbox ids follow commit order.
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(_UPDATE, params)).one_or_none()
            if row is None:
                raise ClassNotFoundError([class_id])
            if changes.course_code is not None and row.course_code != changes.course_code:
                raise CourseNotFoundError(changes.course_code)
            school_class = to_school_class(row)
            await add_outbox_events(session, events(school_class))
        return school_class

    async def delete(self, owner: str, class_id: UUID, events: EventsFor[DeletedClass]) -> DeletedClass:
        params = {"owner": owner, "class_id": class_id}
        async with translate_database_errors(), self._sessions.begin() as session:
            row = (await session.execute(_LOCK, params)).one_or_none()
            if row is None:
                raise ClassNotFoundError([class_id])
            # Read after the lock: no membership can be added to the class while it is held.
            members = (await session.execute(_DELETE_MEMBERS, params)).all()
            removed = sorted(members, key=lambda member: (utc(member.created_at), member.student_id))
            await session.execute(_DELETE, params)
            deleted = DeletedClass(
                school_class=to_school_class(row, student_count=len(removed)),
                removed_student_ids=tuple(member.student_id for member in removed),
            )
            await add_outbox_events(session, events(deleted))
        return deleted

    async def roster(self, class_id: UUID, owner: str | None) -> Sequence[RosterEntry]:
        async with translate_database_errors(), self._reads() as session:
            rows = (await session.execute(_ROSTER, {"class_id": class_id})).all()
        if not rows or (owner is not None and rows[0].owner != owner):
            raise ClassNotFoundError([class_id])
        return [to_roster_entry(row) for row in rows if row.student_id is not None]
