"""Steps every association decision takes inside its transaction: lock and load, store, complete.

The rules themselves live in ``domain.matching`` and ``domain.timeout_rules``; these functions
only read and write rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from class_management_service.domain.associations import (
    AssociationBatch,
    BatchReview,
    EssayAssociation,
    PersonNames,
)
from class_management_service.domain.errors import BatchNotFoundError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import Student
from class_management_service.domain.timeout_rules import placeholder_student
from class_management_service.implementations.postgres import association_statements as reads
from class_management_service.implementations.postgres import decision_statements as sql
from class_management_service.implementations.postgres.association_rows import (
    decision_arguments,
    names_of,
    to_reviews,
)
from class_management_service.implementations.postgres.outbox_writer import outbox_arguments
from class_management_service.implementations.sql_common import utc


async def locked_review(
    connection: asyncpg.Connection, batch_id: str, owner: str | None
) -> tuple[BatchReview, dict[UUID, PersonNames]]:
    """The batch under its row lock, read after the lock was granted, and its class's students.

    The lock and the read are two statements: in READ COMMITTED a statement that waited for a lock
    still reads other rows as of its start, and the essays must include what the previous holder
    wrote. BatchNotFoundError for an unknown batch, or another teacher's.
    """
    found_owner = await connection.fetchval(sql.LOCK_BATCH, batch_id)
    if found_owner is None or (owner is not None and found_owner != owner):
        raise BatchNotFoundError(batch_id)
    review = await load_review(connection, batch_id)
    return review, await members_of(connection, review.batch.class_id)


async def members_of(connection: asyncpg.Connection, class_id: UUID) -> dict[UUID, PersonNames]:
    """The class's students and their names."""
    return names_of(await connection.fetch(reads.MEMBERS, class_id))


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
    new = placeholder_student(batch.class_id, batch.owner, uuid.uuid4(), utc(at))
    names = (new.first_name, new.last_name, new.legal_full_name)
    arguments = (batch.class_id, batch.owner, new.email, new.id, *names, new.created_at)
    # A placeholder another transaction committed after this statement's snapshot is found by the
    # next one (its snapshot is newer); two tries are enough, as nothing deletes it in between.
    for _ in range(2):
        student_id, is_created = await connection.fetchrow(sql.PLACEHOLDER, *arguments)
        if student_id is not None:
            return student_id, new if is_created else None
    raise RuntimeError(f"placeholder student of class {batch.class_id} neither found nor created")
