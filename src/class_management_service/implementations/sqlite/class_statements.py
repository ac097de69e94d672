"""The class repository's SQLAlchemy Core statements, built once at import.

Building and cache-keying a statement per call costs more CPU than running it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, insert, literal_column, select, update
from sqlalchemy.sql.expression import ColumnClause

from class_management_service.implementations.sqlite.rows import (
    CLASS_COLUMNS,
    STUDENT_COUNT,
    NewestFirst,
    owned_by,
)
from class_management_service.models_db import class_students, classes, courses, students

# RETURNING may only name the written table, so the course and the count come back through
# subqueries; SQLAlchemy does not correlate those to an INSERT, hence the literal outer columns.
RETURNED_COURSE_ID: ColumnClause[Any] = literal_column("classes.course_id")


def course_of_class(column: Any) -> Any:
    return select(column).where(courses.c.id == RETURNED_COURSE_ID).scalar_subquery()


RETURNING = (
    classes.c.id,
    classes.c.name,
    classes.c.created_by_user_id,
    classes.c.created_at,
    classes.c.updated_at,
    course_of_class(courses.c.course_code).label("course_code"),
    course_of_class(courses.c.name).label("course_name"),
    course_of_class(courses.c.language).label("course_language"),
)
RETURNED_STUDENT_COUNT = (
    select(func.count())
    .where(class_students.c.class_id == literal_column("classes.id"))
    .scalar_subquery()
    .label("student_count")
)
COURSE_ID_OF_CODE = select(courses.c.id).where(courses.c.course_code == bindparam("course_code"))
INSERT = (
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
    .returning(*RETURNING)
)
# A NULL name or an unknown code keeps the current value; update() then rejects the unknown code.
UPDATE = (
    update(classes)
    .where(owned_by(classes, "class_id"))
    .values(
        name=func.coalesce(bindparam("new_name", type_=classes.c.name.type), classes.c.name),
        course_id=func.coalesce(COURSE_ID_OF_CODE.scalar_subquery(), classes.c.course_id),
        updated_at=bindparam("at", type_=classes.c.updated_at.type),
    )
    .returning(*RETURNING, RETURNED_STUDENT_COUNT)
)
SELECT = select(*CLASS_COLUMNS, STUDENT_COUNT).join_from(
    classes, courses, courses.c.id == classes.c.course_id
)
GET = SELECT.where(owned_by(classes, "class_id"))
LOCK = GET.with_for_update(of=classes)
MINE = classes.c.created_by_user_id == bindparam("owner")
LIST = NewestFirst.of(SELECT.where(MINE), classes)
COUNT = select(func.count()).select_from(classes).where(MINE)
DELETE_MEMBERS = (
    delete(class_students)
    .where(class_students.c.class_id == bindparam("class_id"))
    .returning(class_students.c.student_id, class_students.c.created_at)
)
DELETE = delete(classes).where(classes.c.id == bindparam("class_id"))
ROSTER = (
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
    # No ORDER BY: the repository puts the students in name order (domain/name_order.py).
)
