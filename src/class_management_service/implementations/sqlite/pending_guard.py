"""Deleting a class or a student that pending essays refer to: refuse, or (force) reject them first.

Runs inside the delete's transaction, after its row lock, before the rows go: every batch this
completes is returned so its confirmed event is written ahead of the delete's own event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.domain.association_decisions import CompletedBatch
from class_management_service.domain.errors import PendingValidationsError
from class_management_service.domain.matching import forced_rejections
from class_management_service.implementations.sqlite import association_statements as sql
from class_management_service.implementations.sqlite.association_state import load_reviews, store_decisions


async def settle_class_pending(
    session: AsyncSession, class_id: UUID, owner: str, at: datetime, *, force: bool
) -> tuple[CompletedBatch, ...]:
    """Every pending essay of the class: PendingValidationsError, or rejected when ``force``."""
    batch_ids = list((await session.execute(sql.CLASS_PENDING_BATCHES, {"class_id": class_id})).scalars())
    return await _reject(session, batch_ids, owner, at, force=force)


async def settle_student_pending(
    session: AsyncSession, student_id: UUID, owner: str, at: datetime, *, force: bool
) -> tuple[CompletedBatch, ...]:
    """Pending essays listing the student as a candidate: refused, or only those rejected."""
    batch_ids = list(
        (await session.execute(sql.STUDENT_PENDING_BATCHES, {"student_id": student_id})).scalars()
    )
    return await _reject(session, batch_ids, owner, at, force=force, candidate=student_id)


async def _reject(
    session: AsyncSession,
    batch_ids: Sequence[str],
    owner: str,
    at: datetime,
    *,
    force: bool,
    candidate: UUID | None = None,
) -> tuple[CompletedBatch, ...]:
    """Reject the batches' pending essays (only those listing ``candidate``, when given) at ``at``."""
    if not batch_ids:
        return ()
    if not force:
        raise PendingValidationsError(batch_ids)
    completed: list[CompletedBatch] = []
    for review in (await load_reviews(session, batch_ids)).values():
        changed = forced_rejections(review, owner, at, candidate=candidate)
        _, done = await store_decisions(session, review, changed, at, timeout_triggered=False)
        if done is not None:
            completed.append(done)
    return tuple(completed)
