"""Classes in PostgreSQL through asyncpg: one round trip per create and per read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.errors import ClassNotFoundError, CourseNotFoundError
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.models import (
    ClassChanges,
    Course,
    DeletedClass,
    NewClass,
    Page,
    PageRequest,
    RosterEntry,
    SchoolClass,
)
from class_management_service.domain.name_order import in_name_order
from class_management_service.domain.preconditions import IfMatch
from class_management_service.domain.updates import is_class_changed
from class_management_service.implementations.postgres import class_statements as sql
from class_management_service.implementations.postgres.connection import pg_connection, transaction_if
from class_management_service.implementations.postgres.courses import CourseCatalog
from class_management_service.implementations.postgres.idempotency_store import complete_key
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.postgres.outbox_writer import insert_outbox, outbox_arguments
from class_management_service.implementations.postgres.pending_guard import settle_class
from class_management_service.implementations.postgres.rows import to_roster_entry, to_school_class
from class_management_service.implementations.postgres.transactions import in_transaction
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import ClassRepositoryProtocol, EventsFor


class AsyncpgClassRepository(ClassRepositoryProtocol):
    """Stores classes with hand-written PostgreSQL statements on the raw driver: the fast path."""

    def __init__(self, engine: AsyncEngine, doorbell: OutboxDoorbell | None = None) -> None:
        """``doorbell`` wakes the relay after each committed write; None where no relay listens."""
        self._engine = engine
        self._doorbell = doorbell
        self._courses = CourseCatalog()

    async def create(
        self,
        new: NewClass,
        events: EventsFor[SchoolClass],
        *,
        key: IdempotentWrite[SchoolClass] | None = None,
    ) -> SchoolClass:
        async with pg_connection(self._engine) as connection, transaction_if(connection, key is not None):
            course = await self._courses.find(connection, new.course_code)
            created = await _insert(connection, new, course, events) if course else None
            if course and not created:
                # The cached course no longer matches the table: read the table, then retry once.
                course = await self._courses.find(connection, new.course_code, is_stale=True)
                created = await _insert(connection, new, course, events) if course else None
            if created is None:
                raise CourseNotFoundError(new.course_code)
            await complete_key(connection, key, created)
        self._wake_relay()
        return created

    async def get(self, owner: str, class_id: UUID) -> SchoolClass:
        async with pg_connection(self._engine) as connection:
            row = await connection.fetchrow(sql.GET, class_id, owner)
        if row is None:
            raise ClassNotFoundError([class_id])
        return to_school_class(row)

    async def list(self, owner: str, page: PageRequest) -> Page[SchoolClass]:
        async with pg_connection(self._engine) as connection:
            if page.after is None:
                rows = await connection.fetch(sql.LIST_BY_OFFSET, owner, page.limit, page.offset)
            else:
                after_at, after_id = page.after
                rows = await connection.fetch(sql.LIST_BY_KEYSET, owner, page.limit, utc(after_at), after_id)
            if rows:
                total = rows[0]["total"]
            elif page.offset or page.after:
                total = await connection.fetchval(sql.COUNT, owner)
            else:
                total = 0
        return Page(items=[to_school_class(row) for row in rows], total=total, request=page)

    async def update(
        self,
        owner: str,
        class_id: UUID,
        changes: ClassChanges,
        events: EventsFor[SchoolClass],
        *,
        if_match: IfMatch | None = None,
    ) -> SchoolClass:
        arguments = (class_id, owner, changes.name, changes.course_code, utc(changes.at))
        async with pg_connection(self._engine) as connection, connection.transaction():
            current = await connection.fetchrow(sql.LOCK, class_id, owner)
            if current is None:
                raise ClassNotFoundError([class_id])
            before = to_school_class(current)
            if if_match is not None:
                if_match.require(class_id, utc(current["updated_at"]))
            if not is_class_changed(before, changes):
                return before
            row = await connection.fetchrow(sql.UPDATE, *arguments)
            if changes.course_code is not None and row["course_code"] != changes.course_code:
                raise CourseNotFoundError(changes.course_code)
            updated = to_school_class(row)
            await insert_outbox(connection, events(updated))
        self._wake_relay()
        return updated

    async def delete(
        self,
        owner: str,
        class_id: UUID,
        events: EventsFor[DeletedClass],
        *,
        at: datetime,
        force: bool = False,
        if_match: IfMatch | None = None,
    ) -> DeletedClass:

        async def delete(connection: asyncpg.Connection) -> DeletedClass:
            row = await connection.fetchrow(sql.LOCK, class_id, owner)
            if row is None:
                raise ClassNotFoundError([class_id])
            if if_match is not None:
                if_match.require(class_id, utc(row["updated_at"]))
            settled = await settle_class(connection, class_id, owner, at, force=force)
            removed = tuple(await connection.fetchval(sql.DELETE, class_id))
            school_class = to_school_class(row, student_count=len(removed))
            deleted = DeletedClass(school_class, removed, completed_batches=settled)
            await insert_outbox(connection, events(deleted))
            return deleted

        async with pg_connection(self._engine) as connection:
            deleted = await in_transaction(connection, delete)
        self._wake_relay()
        return deleted

    async def roster(self, class_id: UUID, owner: str | None) -> Sequence[RosterEntry]:
        async with pg_connection(self._engine) as connection:
            rows = await connection.fetch(sql.ROSTER, class_id)
        if not rows or (owner is not None and rows[0]["owner"] != owner):
            raise ClassNotFoundError([class_id])
        return in_name_order(to_roster_entry(row) for row in rows if row["student_id"] is not None)

    def _wake_relay(self) -> None:
        if self._doorbell is not None:
            self._doorbell.ring()


async def _insert(
    connection: asyncpg.Connection, new: NewClass, course: Course, events: EventsFor[SchoolClass]
) -> SchoolClass | None:
    """Store the class built from the cached course, with its events; None if the course changed."""
    at = utc(new.at)
    created = SchoolClass(new.id, new.name, course, 0, new.owner, at, at)
    course_arguments = (course.code, course.name, course.language)
    is_inserted = await connection.fetchval(
        sql.CREATE, new.id, new.name, *course_arguments, new.owner, at, *outbox_arguments(events(created))
    )
    return created if is_inserted else None
