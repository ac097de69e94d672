"""The delete guard of the in-memory class and student repositories: pending work is never lost silently."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from class_management_service.domain.association_decisions import CompletedBatch
from class_management_service.domain.associations import BatchReview
from class_management_service.domain.errors import PendingValidationsError
from class_management_service.domain.matching import forced_rejections, is_complete, with_changes
from class_management_service.implementations.memory.store import InMemoryStore


def settle_pending(
    store: InMemoryStore,
    owner: str,
    at: datetime,
    *,
    force: bool,
    class_id: UUID | None = None,
    student_id: UUID | None = None,
) -> tuple[list[BatchReview], tuple[CompletedBatch, ...]]:
    """The batches to save and those completed, before a class (or a student) is deleted.

    Pending essays of the class (or listing the student as a candidate) refuse the delete with
    PendingValidationsError naming their batches, unless ``force``: then they are rejected by
    ``owner`` at ``at``, and each batch left with nothing pending is completed. Nothing is
    changed here: the caller saves the returned reviews with its own commit.
    """
    batch_ids = sorted(
        {
            essay.batch_id
            for essay in store.essays.values()
            if essay.is_pending
            and (class_id is None or essay.class_id == class_id)
            and (student_id is None or any(s.student_id == student_id for s in essay.suggestions))
        }
    )
    if batch_ids and not force:
        raise PendingValidationsError(batch_ids)
    settled: list[BatchReview] = []
    completed: list[CompletedBatch] = []
    for batch_id in batch_ids:
        review = store.batch_review(None, batch_id)
        after = with_changes(review, forced_rejections(review, owner, at, candidate=student_id))
        if review.batch.completed_at is None and is_complete(after):
            after = replace(after, batch=replace(after.batch, completed_at=at, timeout_triggered=False))
            completed.append(CompletedBatch(after, timeout_triggered=False))
        settled.append(after)
    return settled, tuple(completed)
