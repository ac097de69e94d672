"""Loading batches and storing decisions inside the caller's transaction.

Shared by the association repository, the timeout and the delete guards: each loads the state
here, lets the ``domain`` rules decide, and stores the result with ``store_decisions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.domain.association_decisions import CompletedBatch
from class_management_service.domain.association_suggestions import StudentSuggestion
from class_management_service.domain.associations import BatchReview, EssayAssociation, PersonNames
from class_management_service.domain.errors import BatchNotFoundError
from class_management_service.domain.matching import is_complete, with_changes
from class_management_service.domain.models import Student
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite import association_statements as sql
from class_management_service.implementations.sqlite.association_rows import (
    decided_params,
    student_ids_of,
    to_batch,
    to_essay,
    to_suggestion,
)


async def load_reviews(session: AsyncSession, batch_ids: Sequence[str]) -> dict[str, BatchReview]:
    """The batches that exist among ``batch_ids``, each with its essays in position order."""
    ids = list(dict.fromkeys(batch_ids))
    if not ids:
        return {}
    params = {"batch_ids": ids}
    batches = {row.batch_id: to_batch(row) for row in await session.execute(sql.BATCHES, params)}
    if not batches:
        return {}
    suggestions: dict[str, list[StudentSuggestion]] = {}
    for row in await session.execute(sql.SUGGESTIONS, params):
        suggestions.setdefault(row.essay_id, []).append(to_suggestion(row))
    essays: dict[str, list[EssayAssociation]] = {}
    for row in await session.execute(sql.ESSAYS, params):
        essays.setdefault(row.batch_id, []).append(to_essay(row, tuple(suggestions.get(row.essay_id, ()))))
    return {
        batch_id: BatchReview(batch, tuple(essays.get(batch_id, ())))
        for batch_id in ids
        if (batch := batches.get(batch_id)) is not None
    }


async def load_review(session: AsyncSession, batch_id: str, owner: str | None) -> BatchReview:
    """One batch; another teacher's batch is as unknown as a missing one."""
    review = (await load_reviews(session, [batch_id])).get(batch_id)
    if review is None or (owner is not None and review.batch.owner != owner):
        raise BatchNotFoundError(batch_id)
    return review


async def member_ids(session: AsyncSession, class_id: UUID) -> set[UUID]:
    return set((await session.execute(sql.MEMBER_IDS, {"class_id": class_id})).scalars())


async def store_decisions(
    session: AsyncSession,
    review: BatchReview,
    changed: Sequence[EssayAssociation],
    at: datetime,
    *,
    timeout_triggered: bool,
    placeholder: Student | None = None,
) -> tuple[BatchReview, CompletedBatch | None]:
    """Write the decided essays; complete the batch if they decided its last pending essay.

    Returns the batch as stored now, and the CompletedBatch when this call completed it.
    """
    changed = await _with_names(session, changed)
    if changed:
        await session.execute(sql.DECIDE_ESSAY, [decided_params(essay) for essay in changed])
    updated = with_changes(review, changed)
    if review.batch.completed_at is not None or not (is_complete(updated) or timeout_triggered):
        return updated, None
    params = {"b_batch_id": review.batch.batch_id, "b_at": utc(at), "b_timeout_triggered": timeout_triggered}
    if (await session.execute(sql.COMPLETE_BATCH, params)).rowcount != 1:  # type: ignore[attr-defined]
        return updated, None
    batch = replace(updated.batch, completed_at=utc(at), timeout_triggered=timeout_triggered)
    updated = replace(updated, batch=batch)
    return updated, CompletedBatch(updated, timeout_triggered, placeholder)


async def _with_names(session: AsyncSession, essays: Sequence[EssayAssociation]) -> list[EssayAssociation]:
    """The decided students' names, as reads show them."""
    student_ids = student_ids_of(tuple(essays))
    names: dict[UUID, PersonNames] = {}
    if student_ids:
        rows = await session.execute(sql.NAMES, {"student_ids": student_ids})
        names = {row.id: PersonNames(row.first_name, row.last_name, row.legal_full_name) for row in rows}
    return [
        replace(essay, student_names=None if essay.student_id is None else names.get(essay.student_id))
        for essay in essays
    ]
