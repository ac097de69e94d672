"""Students in PostgreSQL through asyncpg: one round trip per create and per read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.errors import (
    ClassNotFoundError,
    DuplicateStudentEmailError,
    StudentNotFoundError,
)
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.memberships import membership_times
from class_management_service.domain.models import (
    DeletedStudent,
    NewStudent,
    Page,
    PageRequest,
    Student,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
)
from class_management_service.domain.preconditions import IfMatch
from class_management_service.domain.updates import student_edit
from class_management_service.implementations.postgres import student_statements as sql
from class_management_service.implementations.postgres.connection import pg_connection, transaction_if
from class_management_service.implementations.postgres.idempotency_store import complete_key
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.postgres.outbox_writer import insert_outbox, outbox_arguments
from class_management_service.implementations.postgres.pending_guard import settle_student
from class_management_service.implementations.postgres.rows import to_student
from class_management_service.implementations.postgres.student_listing import (
    PAGES,
    TOTALS,
    listing_values,
    page_key,
)
from class_management_service.implementations.postgres.student_uniqueness import unique_student_fields
from class_management_service.implementations.postgres.transactions import in_transaction
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import EventsFor, StudentRepositoryProtocol


class AsyncpgStudentRepository(StudentRepositoryProtocol):
    """Stores students with hand-written PostgreSQL statements on the raw driver: the fast path."""

    def __init__(self, engine: AsyncEngine, doorbell: OutboxDoorbell | None = None) -> None:
        """``doorbell`` wakes the relay after each committed write; None where no relay listens."""
        self._engine = engine
        self._doorbell = doorbell

    async def create(
        self, new: NewStudent, events: EventsFor[Student], *, key: IdempotentWrite[Student] | None = None
    ) -> Student:
        at, class_ids = utc(new.at), new.class_ids
        names = (new.first_name, new.last_name, new.legal_full_name)
        student = Student(new.id, *names, new.email, class_ids, new.owner, at, at, new.external_id)
        row = (new.id, *names, new.email, new.owner, at, new.external_id)
        outbox = outbox_arguments(events(student))
        async with (
            pg_connection(self._engine) as connection,
            unique_student_fields(),
            transaction_if(connection, key is not None),
        ):
            if class_ids:
                enrolment = (class_ids, membership_times(at, len(class_ids)))
                missing_class_ids, is_email_taken = await connection.fetchrow(
                    sql.CREATE_ENROLLED, *row, *enrolment, *outbox
                )
            else:  # the statement that never reads the classes table: planned once, not per call
                missing_class_ids, is_email_taken = (), await connection.fetchval(sql.CREATE, *row, *outbox)
            if missing_class_ids:
                raise ClassNotFoundError(missing_class_ids)
            if is_email_taken:
                raise DuplicateStudentEmailError()
            await complete_key(connection, key, student)
        self._wake_relay()
        return student

    async def get(self, owner: str, student_id: UUID) -> Student:
        async with pg_connection(self._engine) as connection:
            row = await connection.fetchrow(sql.GET, student_id, owner)
        if row is None:
            raise StudentNotFoundError(student_id)
        return to_student(row)

    async def list(self, owner: str, page: PageRequest, where: StudentFilter) -> Page[Student]:
        has_class, has_query, is_keyset = page_key(where, page)
        values = listing_values(owner, page, where)
        listing = PAGES[has_class, has_query, is_keyset]
        async with pg_connection(self._engine) as connection:
            rows = await connection.fetch(listing.sql, *listing.arguments(values))
            total = rows[0]["total"] if rows else 0
            if not rows and (has_class or page.offset or is_keyset):
                totals = TOTALS[has_class, has_query]
                total, is_class_owned = await connection.fetchrow(totals.sql, *totals.arguments(values))
                if not is_class_owned:
                    raise ClassNotFoundError([values["class_id"]])
        return Page(items=[to_student(row) for row in rows], total=total, request=page)

    async def update(
        self,
        owner: str,
        student_id: UUID,
        changes: StudentChanges,
        events: EventsFor[StudentUpdate],
        *,
        if_match: IfMatch | None = None,
    ) -> StudentUpdate:
        async with (
            pg_connection(self._engine) as connection,
            unique_student_fields(),
            connection.transaction(),
        ):
            row = await connection.fetchrow(sql.LOCK, student_id, owner)
            if row is None:
                raise StudentNotFoundError(student_id)
            if if_match is not None:
                if_match.require(student_id, utc(row["updated_at"]))
            named = (*changes.add_class_ids, *changes.remove_class_ids)
            joined, joined_at, missing = await _memberships(connection, owner, student_id, named)
            if missing:
                raise ClassNotFoundError(missing)
            since = dict(zip(joined, joined_at, strict=True))
            edit = student_edit(to_student(row, joined), since, changes)
            if not edit.is_changed:
                return edit.outcome
            student, change = edit.student, edit.membership
            names = (student.first_name, student.last_name, student.legal_full_name, student.email)
            memberships = (change.removed, change.added, list(change.added_at))
            outbox = outbox_arguments(events(edit.outcome))
            at = utc(student.updated_at)
            changed = (*names, at, *memberships, student.external_id)
            await connection.execute(sql.CHANGE, student_id, *changed, *outbox)
        self._wake_relay()
        return edit.outcome

    async def delete(
        self,
        owner: str,
        student_id: UUID,
        events: EventsFor[DeletedStudent],
        *,
        at: datetime,
        force: bool = False,
        if_match: IfMatch | None = None,
    ) -> DeletedStudent:

        async def delete(connection: asyncpg.Connection) -> DeletedStudent:
            row = await connection.fetchrow(sql.LOCK, student_id, owner)
            if row is None:
                raise StudentNotFoundError(student_id)
            if if_match is not None:
                if_match.require(student_id, utc(row["updated_at"]))
            settled = await settle_student(connection, student_id, owner, at, force=force)
            class_ids = await connection.fetchval(sql.DELETE, student_id)
            deleted = DeletedStudent(to_student(row, class_ids), completed_batches=settled)
            await insert_outbox(connection, events(deleted))
            return deleted

        async with pg_connection(self._engine) as connection:
            deleted = await in_transaction(connection, delete)
        self._wake_relay()
        return deleted

    def _wake_relay(self) -> None:
        if self._doorbell is not None:
            self._doorbell.ring()


async def _memberships(
    connection: asyncpg.Connection, owner: str, student_id: UUID, named: tuple[UUID, ...]
) -> tuple[list[UUID], list[datetime], Sequence[UUID]]:
    """The student's classes and since when, and which of ``named`` (to add or to remove) are
    neither joined nor the teacher's."""
    if not named:
        joined, joined_at = await connection.fetchrow(sql.JOINED, student_id)
        return joined, joined_at, ()
    unique = list(dict.fromkeys(named))
    joined, joined_at, missing = await connection.fetchrow(sql.MEMBERSHIPS, student_id, unique, owner)
    return joined, joined_at, missing
