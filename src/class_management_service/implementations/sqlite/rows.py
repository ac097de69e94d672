"""Row → domain mappers and the query pieces both SQL repositories share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Select, Table, and_, bindparam, func, or_, select

from class_management_service.domain.models import (
    Course,
    PageRequest,
    RosterEntry,
    SchoolClass,
    Student,
)
from class_management_service.implementations.sql_common import utc
from class_management_service.models_db import class_students, classes, courses, students

STUDENT_COUNT = (
    select(func.count())
    .where(class_students.c.class_id == classes.c.id)
    .correlate(classes)
    .scalar_subquery()
    .label("student_count")
)
CLASS_COLUMNS = (
    classes.c.id,
    classes.c.name,
    classes.c.created_by_user_id,
    classes.c.created_at,
    classes.c.updated_at,
    courses.c.course_code,
    courses.c.name.label("course_name"),
    courses.c.language.label("course_language"),
)
STUDENT_COLUMNS = tuple(students.c)

AnyRow: TypeAlias = Row[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class NewestFirst:
    """A listing's two prepared forms, newest first with an id tiebreak: by offset and by keyset."""

    by_offset: Select[Any]
    by_keyset: Select[Any]

    @classmethod
    def of(cls, statement: Select[Any], table: Table) -> NewestFirst:
        created_at, row_id = table.c.created_at, table.c.id
        ordered = statement.order_by(created_at.desc(), row_id.desc()).limit(bindparam("limit"))
        after_at = bindparam("after_at", type_=created_at.type)
        after = or_(created_at < after_at, and_(created_at == after_at, row_id < bindparam("after_id")))
        return cls(ordered.offset(bindparam("offset")), ordered.where(after))

    def page(self, page: PageRequest) -> tuple[Select[Any], dict[str, Any]]:
        """The statement and its paging parameters; the keyset cursor wins over the offset."""
        if page.after is None:
            return self.by_offset, {"limit": page.limit, "offset": page.offset}
        after_at, after_id = page.after
        return self.by_keyset, {"limit": page.limit, "after_at": utc(after_at), "after_id": after_id}


def owned_by(table: Table, id_param: str) -> ColumnElement[bool]:
    """The row ``:<id_param>`` if it belongs to ``:owner``."""
    return and_(table.c.id == bindparam(id_param), table.c.created_by_user_id == bindparam("owner"))


def to_school_class(row: AnyRow, student_count: int | None = None) -> SchoolClass:
    return SchoolClass(
        id=row.id,
        name=row.name,
        course=Course(code=row.course_code, name=row.course_name, language=row.course_language),
        student_count=row.student_count if student_count is None else student_count,
        created_by_user_id=row.created_by_user_id,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )


def to_student(row: AnyRow, class_ids: Iterable[UUID]) -> Student:
    return Student(
        id=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        legal_full_name=row.legal_full_name,
        email=row.email,
        class_ids=tuple(class_ids),
        created_by_user_id=row.created_by_user_id,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        external_id=row.external_id,
    )


def to_roster_entry(row: AnyRow) -> RosterEntry:
    return RosterEntry(
        student_id=row.student_id,
        first_name=row.first_name,
        last_name=row.last_name,
        legal_full_name=row.legal_full_name,
        email=row.email,
    )
