"""How the timeout decides a batch's pending essays, and the class's "unknown" placeholder student."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from class_management_service.domain.association_decisions import TimeoutPolicy
from class_management_service.domain.associations import CONFIRMED, BatchReview, EssayAssociation
from class_management_service.domain.models import Student

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
