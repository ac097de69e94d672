"""The student repository's SQLAlchemy Core statements, built once at import.

Building and cache-keying a statement per call costs more CPU than running it.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, exists, func, insert, select, update

from class_management_service.implementations.sqlite.rows import STUDENT_COLUMNS, owned_by
from class_management_service.models_db import class_students, students

OTHER = students.alias("other_student")
NEW_EMAIL = bindparam("new_email", type_=students.c.email.type)
# A NULL :new_email never matches, so the check is a no-op when the email is kept or cleared.
EMAIL_TAKEN = exists().where(
    OTHER.c.created_by_user_id == bindparam("owner"),
    func.lower(OTHER.c.email) == func.lower(NEW_EMAIL),
    OTHER.c.id != bindparam("student_id"),
)
NEW_EXTERNAL_ID = bindparam("new_external_id", type_=students.c.external_id.type)
# The external id's uniqueness is left to its unique index (see the repository's _unique_fields).
INSERT = (
    insert(students)
    .from_select(
        [
            "id",
            "first_name",
            "last_name",
            "legal_full_name",
            "email",
            "external_id",
            "created_by_user_id",
            "created_at",
            "updated_at",
        ],
        select(
            bindparam("student_id", type_=students.c.id.type),
            bindparam("new_first_name", type_=students.c.first_name.type),
            bindparam("new_last_name", type_=students.c.last_name.type),
            bindparam("new_legal_full_name", type_=students.c.legal_full_name.type),
            NEW_EMAIL,
            NEW_EXTERNAL_ID,
            bindparam("owner", type_=students.c.created_by_user_id.type),
            bindparam("at", type_=students.c.created_at.type),
            bindparam("at", type_=students.c.updated_at.type),
        ).where(~EMAIL_TAKEN),
    )
    .returning(*STUDENT_COLUMNS)
)


# Writes the names, email and external id the domain decided; no row: another of the teacher's
# students has the email in any case (the student itself is read, under the write lock, just before).
UPDATE = (
    update(students)
    .where(owned_by(students, "student_id"), ~EMAIL_TAKEN)
    .values(
        first_name=bindparam("new_first_name", type_=students.c.first_name.type),
        last_name=bindparam("new_last_name", type_=students.c.last_name.type),
        legal_full_name=bindparam("new_legal_full_name", type_=students.c.legal_full_name.type),
        email=NEW_EMAIL,
        external_id=NEW_EXTERNAL_ID,
        updated_at=bindparam("at", type_=students.c.updated_at.type),
    )
    .returning(students.c.id)
)
FIND = select(*STUDENT_COLUMNS).where(owned_by(students, "student_id"))
LOCK = FIND.with_for_update()
DELETE = delete(students).where(students.c.id == bindparam("student_id"))
GET = (
    select(*STUDENT_COLUMNS, class_students.c.class_id)
    .outerjoin(class_students, class_students.c.student_id == students.c.id)
    .where(owned_by(students, "student_id"))
    .order_by(class_students.c.created_at, class_students.c.class_id)
)
