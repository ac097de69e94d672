"""The rules of essay→student matching, free of I/O: every backend stores what these functions decide."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from class_management_service.domain.association_decisions import Decision, TimeoutPolicy
from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)
from class_management_service.domain.associations import (
    CONFIRMED,
    PENDING,
    REJECTED,
    BatchReview,
    EssayAssociation,
)
from class_management_service.domain.errors import (
    AssociationConflictError,
    EssayNotFoundError,
    StudentNotInClassError,
)
from class_management_service.domain.models import Student

_T = TypeVar("_T")

PLACEHOLDER_FIRST_NAME = "UNKNOWN"
PLACEHOLDER_LAST_NAME = "STUDENT"


def placeholder_email(class_id: UUID) -> str:
    """The class's "unknown" student is found again by this address (one per class)."""
    return f"unknown.{class_id}@huleedu.system"


def placeholder_student(class_id: UUID, owner: str, student_id: UUID, at: datetime) -> Student:
    """The class's "unknown" student as the timeout creates it, enrolled in the class."""
    return Student(
        id=student_id,
        first_name=PLACEHOLDER_FIRST_NAME,
        last_name=PLACEHOLDER_LAST_NAME,
        legal_full_name=f"{PLACEHOLDER_FIRST_NAME} {PLACEHOLDER_LAST_NAME}",
        email=placeholder_email(class_id),
        class_ids=(class_id,),
        created_by_user_id=owner,
        created_at=at,
        updated_at=at,
    )


@dataclass(frozen=True, slots=True)
class IngestPlan:
    """What to write for one suggestions event: essays to insert or replace, and the counts."""

    essays: tuple[EssayAssociation, ...]
    kept_essays: int
    dropped_suggestions: int


def plan_ingest(
    batch: SuggestedBatch,
    class_students: Collection[UUID],
    existing: Mapping[str, EssayAssociation],
    *,
    is_batch_completed: bool,
) -> IngestPlan:
    """New essays and still-pending essays of this batch get the event's candidates.

    ``existing`` holds the stored essays among the event's essay ids (of any batch). A
    completed batch keeps everything: its confirmed event is already out, exactly once.
    Candidates outside ``class_students`` are dropped; the rest are kept best first. An essay
    listed twice in one event counts once (the first listing).
    """
    dropped = batch.unparsable_suggestions
    kept = 0
    planned: dict[str, EssayAssociation] = {}
    seen: set[str] = set()
    for position, essay in enumerate(batch.essays):
        if essay.essay_id in seen:
            continue
        seen.add(essay.essay_id)
        current = existing.get(essay.essay_id)
        in_class = [s for s in essay.suggestions if s.student_id in class_students]
        dropped += len(essay.suggestions) - len(in_class)
        if is_batch_completed or (
            current is not None and (current.batch_id != batch.batch_id or not current.is_pending)
        ):
            kept += 1
            continue
        planned[essay.essay_id] = _pending_essay(batch, essay, position, in_class, current)
    return IngestPlan(tuple(planned.values()), kept, dropped)


def _pending_essay(
    batch: SuggestedBatch,
    essay: SuggestedEssay,
    position: int,
    in_class: list[StudentSuggestion],
    current: EssayAssociation | None,
) -> EssayAssociation:
    ranked = tuple(sorted(in_class, key=lambda s: -s.confidence_score))  # stable: NLP's order on ties
    return EssayAssociation(
        essay_id=essay.essay_id,
        batch_id=batch.batch_id,
        class_id=batch.class_id,
        position=position,
        text_storage_id=essay.text_storage_id,
        filename=essay.filename,
        suggestions=ranked,
        no_match_reason=essay.no_match_reason,
        status=PENDING,
        student_id=None,
        confidence_score=ranked[0].confidence_score if ranked else None,
        validation_method=None,
        validated_by=None,
        validated_at=None,
        created_at=current.created_at if current is not None else batch.received_at,
    )


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


def needs_placeholder(review: BatchReview, policy: TimeoutPolicy) -> bool:
    """Whether the timeout will send some pending essay to the class's "unknown" student."""
    return any(essay.is_pending and not _is_confident(essay, policy) for essay in review.essays)


def timeout_decisions(
    review: BatchReview, policy: TimeoutPolicy, placeholder_id: UUID | None, at: datetime
) -> tuple[EssayAssociation, ...]:
    """Decide every pending essay: its best candidate when confident enough, else the placeholder.

    Decided essays (the teacher's) are never touched. ``placeholder_id`` may be None only when
    ``needs_placeholder`` said so.
    """
    decided: list[EssayAssociation] = []
    for essay in review.essays:
        if not essay.is_pending:
            continue
        top = essay.top_suggestion
        if top is not None and _is_confident(essay, policy):
            student_id, confidence = top.student_id, top.confidence_score
        elif placeholder_id is not None:
            student_id, confidence = placeholder_id, None
        else:
            raise ValueError("an unconfident essay needs the class's placeholder student")
        decided.append(
            replace(
                essay,
                status=CONFIRMED,
                student_id=student_id,
                confidence_score=confidence,
                validation_method="timeout",
                validated_by=None,
                validated_at=at,
            )
        )
    return tuple(decided)


def _is_confident(essay: EssayAssociation, policy: TimeoutPolicy) -> bool:
    top = essay.top_suggestion
    return top is not None and top.confidence_score >= policy.min_confidence


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
