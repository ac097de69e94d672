"""Steps every association decision takes inside its transaction: lock and load, store, complete.

The rules themselves are ``domain.matching``'s; these functions only read and write rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from class_management_service.domain.associations import AssociationBatch, BatchReview, EssayAssociation
from class_management_service.domain.errors import BatchNotFoundError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.matching import (
    PLACEHOLDER_FIRST_NAME,
    PLACEHOLDER_LAST_NAME,
    placeholder_email,
)
from class_management_service.domain.models import Student
from class_management_service.domain.rules import full_name_of
from class_management_service.implementations.postgres import association_statements as reads
from class_management_service.implementations.postgres import decision_statements as sql
from class_management_service.implementations.postgres.association_rows import decision_arguments, to_reviews
from class_management_service.implementations.postgres.outbox_writer import outbox_arguments
from class_management_service.implementations.sql_common import utc

PLACEHOLDER_LEGAL_NAME = full_name_of(PLACEHOLDER_FIRST_NAME, PLACEHOLDER_LAST_NAME)


async def locked_review(
    connection: asyncpg.Connection, batch_id: str, owner: str | None
) -> tuple[BatchReview, list[UUID]]:
    """The batch under its row lock, read after the lock was granted, and its class's students.

    The lock and the read are two statements: in READ COMMITTED a statement that waited for a lock
    still reads other rows as of its start, and the essays must include what the previous holder
    wrote. BatchNotFoundError for an unknown batch, or another teacher's.
    """
    found_owner = await connection.fetchval(sql.LOCK_BATCH, batch_id)
    if found_owner is None or (owner is not None and found_owner != owner):
        raise BatchNotFoundError(batch_id)
    review = await load_review(connection, batch_id)
    members = await connection.fetchval(reads.MEMBERS, review.batch.class_id)
    return review, members


async def load_review(connection: asyncpg.Connection, batch_id: str) -> BatchReview:
    """A batch the caller knows exists (it holds its lock)."""
    return to_reviews(await connection.fetch(reads.REVIEWS, [batch_id]))[batch_id]


async def load_reviews(connection: asyncpg.Connection, batch_ids: Sequence[str]) -> dict[str, BatchReview]:
    return to_reviews(await connection.fetch(reads.REVIEWS, list(batch_ids)))


async def write_decisions(
    connection: asyncpg.Connection,
    batch_id: str,
    decided: Sequence[EssayAssociation],
    completed_at: datetime | None,
    outbox: Sequence[OutboxEvent],
    *,
    timeout_triggered: bool = False,
) -> None:
    """Store ``decided``; complete the batch at ``completed_at`` (None: still open); insert ``outbox``."""
    if not decided and completed_at is None and not outbox:
        return
    at = None if completed_at is None else utc(completed_at)
    await connection.execute(
        sql.WRITE_DECISIONS,
        *decision_arguments(decided),
        batch_id,
        at,
        timeout_triggered,
        *outbox_arguments(outbox),
    )


async def placeholder_for(
    connection: asyncpg.Connection, batch: AssociationBatch, at: datetime
) -> tuple[UUID, Student | None]:
    """The class's "unknown" student, enrolled; the Student as well when this call created it."""
    at = utc(at)
    email = placeholder_email(batch.class_id)
    new_id = uuid.uuid4()
    names = (PLACEHOLDER_FIRST_NAME, PLACEHOLDER_LAST_NAME, PLACEHOLDER_LEGAL_NAME)
    arguments = (batch.class_id, batch.owner, email, new_id, *names, at)
    # A placeholder another transaction committed after this statement's snapshot is found by the
    # next one (its snapshot is newer); two tries are enough, as nothing deletes it in between.
    for _ in range(2):
        student_id, is_created = await connection.fetchrow(sql.PLACEHOLDER, *arguments)
        if student_id is not None:
            break
    else:
        raise RuntimeError(f"placeholder student of class {batch.class_id} neither found nor created")
    if not is_created:
        return student_id, None
    student = Student(new_id, *names, email, (batch.class_id,), batch.owner, at, at)
    return student_id, student
