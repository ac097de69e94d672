"""Column lists the asyncpg statements select, and their records mapped to domain objects.

asyncpg decodes ``timestamptz`` as aware UTC datetimes, so read timestamps need no conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from class_management_service.domain.models import Course, RosterEntry, SchoolClass, Student

# A class ``c`` joined to its course ``co``, with its number of students.
CLASS_COLUMNS = """
    c.id, c.name, c.created_by_user_id, c.created_at, c.updated_at,
    co.course_code, co.name AS course_name, co.language AS course_language,
    (SELECT count(*) FROM class_student_association m WHERE m.class_id = c.id) AS student_count"""
CLASS_WITH_COURSE = "classes c JOIN courses co ON co.id = c.course_id"

# A student ``s`` and, in read order (membership time, then class id), the ids of their classes.
STUDENT_COLUMNS = """
    s.id, s.first_name, s.last_name, s.legal_full_name, s.email, s.external_id, s.created_by_user_id,
    s.created_at, s.updated_at"""
CLASS_IDS_OF_STUDENT = """
    ARRAY(SELECT m.class_id FROM class_student_association m
          WHERE m.student_id = s.id ORDER BY m.created_at, m.class_id) AS class_ids"""

Record = Any
"""An ``asyncpg.Record``: read by column name."""


def to_school_class(row: Record, student_count: int | None = None) -> SchoolClass:
    return SchoolClass(
        id=row["id"],
        name=row["name"],
        course=Course(row["course_code"], row["course_name"], row["course_language"]),
        student_count=row["student_count"] if student_count is None else student_count,
        created_by_user_id=row["created_by_user_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def to_student(row: Record, class_ids: Sequence[UUID] | None = None) -> Student:
    return Student(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        legal_full_name=row["legal_full_name"],
        email=row["email"],
        class_ids=tuple(row["class_ids"] if class_ids is None else class_ids),
        created_by_user_id=row["created_by_user_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        external_id=row["external_id"],
    )


def to_roster_entry(row: Record) -> RosterEntry:
    return RosterEntry(
        student_id=row["student_id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        legal_full_name=row["legal_full_name"],
        email=row["email"],
    )
