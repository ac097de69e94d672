"""The delete guards: a class or student that pending essays refer to is kept, or ``force`` decides them.

Called inside the delete's transaction, after its row lock. Forced decisions are the teacher's
(method ``human``, by the owner): every pending essay of the class's batches, or the pending
essays that list the student as a candidate. The batches are locked in batch id order before
they are read, as a teacher's decision locks them, so exactly one transaction completes each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from class_management_service.domain.association_decisions import CompletedBatch
from class_management_service.domain.errors import PendingValidationsError
from class_management_service.domain.matching import forced_rejections, is_complete, with_changes
from class_management_service.implementations.postgres import decision_statements as sql
from class_management_service.implementations.postgres.association_decisions import (
    load_reviews,
    write_decisions,
)
from class_management_service.implementations.postgres.association_rows import completed
from class_management_service.implementations.sql_common import utc


async def settle_class(
    connection: asyncpg.Connection, class_id: UUID, owner: str, at: datetime, *, force: bool
) -> tuple[CompletedBatch, ...]:
    """The batches ``force`` completes by rejecting the class's pending essays (nothing is written:
    the class's delete removes its batches); PendingValidationsError without ``force``."""
    batch_ids = await connection.fetchval(sql.PENDING_BATCHES_OF_CLASS, class_id)
    return await _settle(connection, batch_ids, owner, at, None, force=force)


async def settle_student(
    connection: asyncpg.Connection, student_id: UUID, owner: str, at: datetime, *, force: bool
) -> tuple[CompletedBatch, ...]:
    """The batches ``force`` completes by rejecting the pending essays that list the student; those
    essays are stored rejected. PendingValidationsError without ``force``."""
    batch_ids = await connection.fetchval(sql.PENDING_BATCHES_OF_CANDIDATE, student_id)
    return await _settle(connection, batch_ids, owner, at, student_id, force=force)


async def _settle(
    connection: asyncpg.Connection,
    batch_ids: Sequence[str],
    owner: str,
    at: datetime,
    candidate: UUID | None,
    *,
    force: bool,
) -> tuple[CompletedBatch, ...]:
    """``candidate`` None: the class's delete, which removes the batches, so nothing is written."""
    if not batch_ids:
        return ()
    if not force:
        raise PendingValidationsError(batch_ids)
    at = utc(at)
    await connection.execute(sql.LOCK_BATCHES, list(batch_ids))
    reviews = await load_reviews(connection, batch_ids)  # read after the locks: what is pending now
    done: list[CompletedBatch] = []
    for batch_id in sorted(reviews):
        review = reviews[batch_id]
        changed = forced_rejections(review, owner, at, candidate=candidate)
        if not changed:
            continue
        after = with_changes(review, changed)
        is_done = review.batch.completed_at is None and is_complete(after)
        if is_done:
            after = completed(after, at, timeout_triggered=False)
            done.append(CompletedBatch(after, timeout_triggered=False))
        if candidate is not None:
            await write_decisions(connection, batch_id, changed, at if is_done else None, ())
    return tuple(done)
