"""Class memberships of students (class_student_association), inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.domain.errors import ClassNotFoundError
from class_management_service.implementations.sql_common import utc
from class_management_service.models_db import class_students, classes

_OWNED_CLASSES = select(classes.c.id).where(
    classes.c.created_by_user_id == bindparam("owner"),
    classes.c.id.in_(bindparam("class_ids", expanding=True)),
)
# A share lock on each class keeps it from being deleted before the new memberships commit.
_LOCK_OWNED_CLASSES = _OWNED_CLASSES.with_for_update(read=True, key_share=True)
_OF_STUDENT = class_students.c.student_id == bindparam("student_id")
_MEMBERSHIPS = select(class_students.c.class_id, class_students.c.created_at).where(_OF_STUDENT)
_PAGE_MEMBERSHIPS = (
    select(class_students.c.student_id, class_students.c.class_id)
    .where(class_students.c.student_id.in_(bindparam("student_ids", expanding=True)))
    .order_by(class_students.c.created_at, class_students.c.class_id)
)
_INSERT = insert(class_students)
_DELETE = delete(class_students).where(
    _OF_STUDENT, class_students.c.class_id.in_(bindparam("class_ids", expanding=True))
)


async def require_owned_classes(
    session: AsyncSession, owner: str, class_ids: Sequence[UUID], *, lock: bool = True
) -> None:
    """Raise ClassNotFoundError naming, in request order, every id that is not the owner's class."""
    if not class_ids:
        return
    statement = _LOCK_OWNED_CLASSES if lock else _OWNED_CLASSES
    found = set((await session.execute(statement, {"owner": owner, "class_ids": list(class_ids)})).scalars())
    missing = [class_id for class_id in class_ids if class_id not in found]
    if missing:
        raise ClassNotFoundError(missing)


async def memberships(session: AsyncSession, student_id: UUID) -> dict[UUID, datetime]:
    """The student's classes and when each membership began."""
    result = await session.execute(_MEMBERSHIPS, {"student_id": student_id})
    return {class_id: utc(joined) for class_id, joined in result}


async def class_ids_of(session: AsyncSession, student_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    """Every listed student's class ids, in read order, with one query."""
    if not student_ids:
        return {}
    by_student: dict[UUID, list[UUID]] = {}
    for student_id, class_id in await session.execute(_PAGE_MEMBERSHIPS, {"student_ids": student_ids}):
        by_student.setdefault(student_id, []).append(class_id)
    return by_student


async def add_memberships(session: AsyncSession, student_id: UUID, joined: Mapping[UUID, datetime]) -> None:
    """Enrol the student in each class, since the time the domain gave it."""
    if joined:
        rows = [{"class_id": c, "student_id": student_id, "created_at": t} for c, t in joined.items()]
        await session.execute(_INSERT, rows)


async def remove_memberships(session: AsyncSession, student_id: UUID, class_ids: Sequence[UUID]) -> None:
    if class_ids:
        await session.execute(_DELETE, {"student_id": student_id, "class_ids": list(class_ids)})
