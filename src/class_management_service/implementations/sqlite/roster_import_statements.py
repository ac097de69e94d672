"""The roster import's statements on SQLite: the named students read in chunks, the plan written in bulk.

The reads are SQLAlchemy Core statements built once at import. The writes are driver-level
``executemany`` calls with plain tuples: tens of thousands of rows per import, where
SQLAlchemy's per-row parameter handling would cost more than SQLite's own work. The tuples
hold exactly what the columns' SQLAlchemy types would bind, so the rows read back the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import DateTime, Uuid, bindparam, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.domain.models import Student, StudentUpdate
from class_management_service.domain.roster_import import Membership
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite.rows import STUDENT_COLUMNS, to_student
from class_management_service.models_db import class_students, students

_T = TypeVar("_T")
# Below SQLite's default limit of bound variables per statement (32,766 since 3.32).
CHUNK = 10_000

_OWNER = students.c.created_by_user_id == bindparam("owner")
_BY_EXTERNAL_ID = select(*STUDENT_COLUMNS).where(
    _OWNER, students.c.external_id.in_(bindparam("keys", expanding=True))
)
# lower() is the engine's Unicode lower, the expression the unique email index is built on.
_BY_EMAIL = select(*STUDENT_COLUMNS).where(
    _OWNER, func.lower(students.c.email).in_(bindparam("keys", expanding=True))
)
_CLASS_IDS = (
    select(class_students.c.student_id, class_students.c.class_id)
    .where(class_students.c.student_id.in_(bindparam("student_ids", expanding=True)))
    .order_by(class_students.c.created_at, class_students.c.class_id)
)

_INSERT_STUDENTS = (
    "INSERT INTO students (id, first_name, last_name, legal_full_name, email, external_id,"
    " created_by_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_STUDENTS = (
    "UPDATE students SET first_name = ?, last_name = ?, legal_full_name = ?, email = ?,"
    " external_id = ?, updated_at = ? WHERE id = ? AND created_by_user_id = ?"
)
_INSERT_MEMBERSHIPS = (
    "INSERT INTO class_student_association (class_id, student_id, created_at) VALUES (?, ?, ?)"
)

_dialect = sqlite.dialect()
_bind_uuid = Uuid().dialect_impl(_dialect).bind_processor(_dialect)
_bind_datetime = DateTime(timezone=True).dialect_impl(_dialect).bind_processor(_dialect)


async def named_students(
    session: AsyncSession, owner: str, external_ids: list[str], emails: list[str]
) -> list[Student]:
    """The owner's students having one of the external ids or (lower-cased) emails, with their
    classes in read order."""
    rows: dict[UUID, Any] = {}
    for statement, keys in ((_BY_EXTERNAL_ID, external_ids), (_BY_EMAIL, emails)):
        for chunk in _chunks(keys):
            for row in await session.execute(statement, {"owner": owner, "keys": chunk}):
                rows[row.id] = row
    class_ids: dict[UUID, list[UUID]] = {}
    for ids in _chunks(list(rows)):
        for student_id, class_id in await session.execute(_CLASS_IDS, {"student_ids": ids}):
            class_ids.setdefault(student_id, []).append(class_id)
    return [
        replace(to_student(row, class_ids.get(student_id, ())), external_id=row.external_id)
        for student_id, row in rows.items()
    ]


async def insert_students(session: AsyncSession, created: Sequence[Student]) -> None:
    if created:
        rows = [
            (
                _uuid(s.id),
                s.first_name,
                s.last_name,
                s.legal_full_name,
                s.email,
                s.external_id,
                s.created_by_user_id,
                _datetime(s.created_at),
                _datetime(s.updated_at),
            )
            for s in created
        ]
        await _executemany(session, _INSERT_STUDENTS, rows)


async def update_students(session: AsyncSession, updated: Sequence[StudentUpdate]) -> None:
    if updated:
        rows = [
            (
                s.first_name,
                s.last_name,
                s.legal_full_name,
                s.email,
                s.external_id,
                _datetime(s.updated_at),
                _uuid(s.id),
                s.created_by_user_id,
            )
            for s in (update.student for update in updated)
        ]
        await _executemany(session, _UPDATE_STUDENTS, rows)


async def insert_memberships(session: AsyncSession, memberships: Sequence[Membership]) -> None:
    if memberships:
        rows = [(_uuid(m.class_id), _uuid(m.student_id), _datetime(m.joined_at)) for m in memberships]
        await _executemany(session, _INSERT_MEMBERSHIPS, rows)


async def _executemany(session: AsyncSession, statement: str, rows: list[tuple[Any, ...]]) -> None:
    connection = await session.connection()
    await connection.exec_driver_sql(statement, rows)


def _chunks(items: list[_T]) -> Iterator[list[_T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _uuid(value: UUID) -> Any:
    return _bind_uuid(value) if _bind_uuid is not None else value


def _datetime(value: datetime) -> Any:
    at = utc(value)
    return _bind_datetime(at) if _bind_datetime is not None else at
