"""The rules of a teacher's decisions on essays, and of a batch as they change it; free of I/O."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from class_management_service.domain.association_decisions import Decision
from class_management_service.domain.associations import CONFIRMED, REJECTED, BatchReview, EssayAssociation
from class_management_service.domain.errors import (
    AssociationConflictError,
    EssayNotFoundError,
    StudentNotInClassError,
)

_T = TypeVar("_T")


def apply_decisions(
    review: BatchReview,
    decisions: Sequence[Decision],
    class_students: Collection[UUID],
    validated_by: str,
    at: datetime,
) -> tuple[EssayAssociation, ...]:
    """The essays a teacher's decisions change, or an error that refuses all of them.

    Checked in this order, before anything changes: essays outside the batch, students outside
    the class, then decisions that contradict an earlier one (including within the request).
    Repeating an earlier decision changes nothing.
    """
    essays = {essay.essay_id: essay for essay in review.essays}
    unknown = [d.essay_id for d in decisions if d.essay_id not in essays]
    if unknown:
        raise EssayNotFoundError(_unique(unknown))
    outsiders = [d.student_id for d in decisions if d.student_id is not None and d.confirmed]
    outsiders = [student_id for student_id in outsiders if student_id not in class_students]
    if outsiders:
        raise StudentNotInClassError(_unique(outsiders))
    wanted: dict[str, Decision] = {}
    conflicts: list[str] = []
    for decision in decisions:
        earlier = wanted.setdefault(decision.essay_id, decision)
        if _outcome(earlier) != _outcome(decision):
            conflicts.append(decision.essay_id)
    changed: list[EssayAssociation] = []
    for essay_id, decision in wanted.items():
        essay = essays[essay_id]
        if not essay.is_pending:
            if _outcome(decision) != (essay.status, essay.student_id):
                conflicts.append(essay_id)
            continue
        changed.append(_decided(essay, decision, validated_by, at))
    if conflicts:
        raise AssociationConflictError(_unique(conflicts))
    return tuple(changed)


def _outcome(decision: Decision) -> tuple[str, UUID | None]:
    return (CONFIRMED, decision.student_id) if decision.confirmed else (REJECTED, None)


def _decided(
    essay: EssayAssociation, decision: Decision, validated_by: str, at: datetime
) -> EssayAssociation:
    status, student_id = _outcome(decision)
    return replace(
        essay,
        status=status,  # type: ignore[arg-type]
        student_id=student_id,
        confidence_score=_confidence_of(essay, student_id),
        validation_method="human",
        validated_by=validated_by,
        validated_at=at,
    )


def _confidence_of(essay: EssayAssociation, student_id: UUID | None) -> float | None:
    """NLP's score for the chosen student; None when NLP did not propose them (or no student)."""
    return next((s.confidence_score for s in essay.suggestions if s.student_id == student_id), None)


def forced_rejections(
    review: BatchReview, validated_by: str, at: datetime, *, candidate: UUID | None = None
) -> tuple[EssayAssociation, ...]:
    """What a forced delete decides: pending essays rejected by the owner, as if by hand.

    Deleting a class rejects every pending essay of its batches; deleting a student
    (``candidate``) only the pending essays that list them among their candidates.
    """
    rejection = Decision("", None, confirmed=False)
    return tuple(
        _decided(essay, rejection, validated_by, at)
        for essay in review.essays
        if essay.is_pending
        and (candidate is None or any(s.student_id == candidate for s in essay.suggestions))
    )


def with_changes(review: BatchReview, changed: Iterable[EssayAssociation]) -> BatchReview:
    """The batch as it is once ``changed`` essays are stored."""
    by_id = {essay.essay_id: essay for essay in changed}
    return replace(review, essays=tuple(by_id.get(e.essay_id, e) for e in review.essays))


def is_complete(review: BatchReview) -> bool:
    return bool(review.essays) and not any(essay.is_pending for essay in review.essays)


def validation_summary(review: BatchReview) -> dict[str, int]:
    """Both readings the platform has of the summary: outcome counts and counts by method."""
    essays = review.essays
    summary = {
        "total_associations": len(essays),
        "confirmed": sum(1 for e in essays if e.status == CONFIRMED),
        "rejected": sum(1 for e in essays if e.status == REJECTED),
    }
    for method in ("human", "timeout", "auto"):
        summary[method] = sum(1 for e in essays if e.validation_method == method)
    return summary


def _unique(values: Iterable[_T]) -> list[_T]:
    return list(dict.fromkeys(values))
