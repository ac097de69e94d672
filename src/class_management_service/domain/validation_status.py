"""Where a batch's validation stands, for the platform's dashboards: counts only, free of I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from class_management_service.domain.associations import CONFIRMED, REJECTED, BatchReview, EssayAssociation

METHODS = ("human", "timeout", "auto")


@dataclass(frozen=True, slots=True)
class BatchValidationStatus:
    """One batch's progress: how many essays are decided, how, and how often against NLP's advice.

    ``deviations`` counts decided essays whose outcome differs from NLP's top suggestion: another
    student chosen, a suggested student rejected, or a student chosen where NLP proposed none.
    """

    batch_id: str
    class_id: UUID
    total: int
    pending: int
    confirmed: int
    rejected: int
    by_method: dict[str, int]
    deviations: int
    auto_confirm_deadline: datetime
    completed_at: datetime | None
    timeout_triggered: bool

    @property
    def decided(self) -> int:
        return self.total - self.pending

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


def is_deviation(essay: EssayAssociation) -> bool:
    """A decided essay whose student is not the one NLP ranked first (None when NLP had nobody)."""
    if essay.is_pending:
        return False
    top = essay.top_suggestion
    return essay.student_id != (top.student_id if top is not None else None)


def validation_status(review: BatchReview) -> BatchValidationStatus:
    essays = review.essays
    batch = review.batch
    return BatchValidationStatus(
        batch_id=batch.batch_id,
        class_id=batch.class_id,
        total=len(essays),
        pending=sum(1 for essay in essays if essay.is_pending),
        confirmed=sum(1 for essay in essays if essay.status == CONFIRMED),
        rejected=sum(1 for essay in essays if essay.status == REJECTED),
        by_method={method: sum(1 for e in essays if e.validation_method == method) for method in METHODS},
        deviations=sum(1 for essay in essays if is_deviation(essay)),
        auto_confirm_deadline=batch.deadline,
        completed_at=batch.completed_at,
        timeout_triggered=batch.timeout_triggered,
    )
