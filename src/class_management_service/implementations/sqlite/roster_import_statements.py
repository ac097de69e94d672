"""The roster import's SQL on SQLite: the named students read in chunks, the plan written in bulk.

Driver-level statements with plain tuples, both ways: an import reads and writes tens of
thousands of rows, where SQLAlchemy's per-row parameter and result handling would cost more
than SQLite's own work. The values are what the columns' SQLAlchemy types bind and read
(``driver_values``), so every other repository reads these rows the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.domain.models import Student, StudentUpdate
from class_management_service.domain.roster_import import Membership
from class_management_service.implementations.sqlite.driver_values import (
    read_timestamp,
    read_uuid,
    timestamp_value,
    uuid_value,
)

# Bound variables per statement stay below 999, the limit of SQLite builds older than 3.32.
CHUNK = 900

_SELECT = (
    "SELECT id, first_name, last_name, legal_full_name, email, external_id, created_by_user_id,"
    " created_at, updated_at FROM students WHERE created_by_user_id = ? AND "
)
# lower() is the engine's Unicode lower, the expression the unique email index is built on.
_NAMED_BY = {"external_id": _SELECT + "external_id IN ", "email": _SELECT + "lower(email) IN "}
_CLASS_IDS = "SELECT student_id, class_id FROM class_student_association WHERE student_id IN "
_IN_READ_ORDER = " ORDER BY created_at, class_id"
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


async def named_students(
    session: AsyncSession, owner: str, external_ids: Sequence[str], emails: Sequence[str]
) -> list[Student]:
    """The owner's students having one of the external ids or (lower-cased) emails, with their
    classes in read order."""
    rows = await _named_by(session, "external_id", owner, external_ids)
    # An email names at most one of the owner's students (the unique index): when a student
    # read by external id has it, reading by that email would only find the same student.
    known = {row[4].lower() for row in rows.values() if row[4] is not None}
    rows.update(await _named_by(session, "email", owner, [email for email in emails if email not in known]))
    class_ids: dict[str, list[UUID]] = {}
    for ids in _chunks(list(rows)):
        for student_id, class_id in await _fetch(
            session, _CLASS_IDS, _placeholders(ids) + _IN_READ_ORDER, ids
        ):
            class_ids.setdefault(student_id, []).append(read_uuid(class_id))
    return [_to_student(row, class_ids.get(student_id, ())) for student_id, row in rows.items()]


async def _named_by(
    session: AsyncSession, column: str, owner: str, keys: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    rows: dict[str, tuple[Any, ...]] = {}
    for chunk in _chunks(keys):
        for row in await _fetch(session, _NAMED_BY[column], _placeholders(chunk), (owner, *chunk)):
            rows[row[0]] = row
    return rows


async def insert_students(session: AsyncSession, created: Sequence[Student]) -> None:
    rows = [
        (
            uuid_value(s.id),
            s.first_name,
            s.last_name,
            s.legal_full_name,
            s.email,
            s.external_id,
            s.created_by_user_id,
            timestamp_value(s.created_at),
            timestamp_value(s.updated_at),
        )
        for s in created
    ]
    await _executemany(session, _INSERT_STUDENTS, rows)


async def update_students(session: AsyncSession, updated: Sequence[StudentUpdate]) -> None:
    rows = [
        (
            s.first_name,
            s.last_name,
            s.legal_full_name,
            s.email,
            s.external_id,
            timestamp_value(s.updated_at),
            uuid_value(s.id),
            s.created_by_user_id,
        )
        for s in (update.student for update in updated)
    ]
    await _executemany(session, _UPDATE_STUDENTS, rows)


async def insert_memberships(session: AsyncSession, memberships: Sequence[Membership]) -> None:
    rows = [
        (uuid_value(m.class_id), uuid_value(m.student_id), timestamp_value(m.joined_at)) for m in memberships
    ]
    await _executemany(session, _INSERT_MEMBERSHIPS, rows)


async def _fetch(session: AsyncSession, statement: str, tail: str, params: Sequence[Any]) -> Sequence[Any]:
    """Run ``statement`` completed by ``tail``: placeholders and fixed SQL, never a value."""
    connection = await session.connection()
    return (await connection.exec_driver_sql(statement + tail, tuple(params))).all()


async def _executemany(session: AsyncSession, statement: str, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        connection = await session.connection()
        await connection.exec_driver_sql(statement, rows)


def _to_student(row: tuple[Any, ...], class_ids: Sequence[UUID]) -> Student:
    student_id, first, last, legal, email, external_id, owner, created_at, updated_at = row
    return Student(
        UUID(hex=student_id),
        first,
        last,
        legal,
        email,
        tuple(class_ids),
        owner,
        read_timestamp(created_at),
        read_timestamp(updated_at),
        external_id=external_id,
    )


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _placeholders(chunk: Sequence[str]) -> str:
    return f"({', '.join('?' * len(chunk))})"
