"""Hand-built matching objects for the unit tests: one class, its students, a batch of essays."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)
from class_management_service.domain.associations import (
    PENDING,
    AssociationBatch,
    BatchReview,
    EssayAssociation,
)

OWNER = "teacher-1"
CLASS_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")
ADA, BOB, CY, OUTSIDER = (uuid.UUID(f"00000000-0000-4000-8000-00000000000{n}") for n in "abcd")
CLASS_STUDENTS = frozenset({ADA, BOB, CY})
BATCH_ID = "batch-1"
EVENT_ID = uuid.UUID("66666666-6666-4666-8666-666666666666")
CORRELATION_ID = uuid.UUID("77777777-7777-4777-8777-777777777777")
RECEIVED_AT = datetime(2026, 12, 2, 10, 0, 0, 123456, tzinfo=UTC)
DEADLINE = RECEIVED_AT + timedelta(days=1)
DECIDED_AT = RECEIVED_AT + timedelta(minutes=5)


def suggestion(student_id: uuid.UUID, confidence: float, *reasons: str) -> StudentSuggestion:
    return StudentSuggestion(
        student_id, f"Name {student_id.hex[-1]}", None, confidence, reasons or ("exact_name",)
    )


def suggested_essay(essay_id: str, *suggestions: StudentSuggestion) -> SuggestedEssay:
    return SuggestedEssay(essay_id, f"ts-{essay_id}", f"{essay_id}.docx", tuple(suggestions), None)


def suggested_batch(*essays: SuggestedEssay, batch_id: str = BATCH_ID, unparsable: int = 0) -> SuggestedBatch:
    return SuggestedBatch(
        event_id=EVENT_ID,
        batch_id=batch_id,
        class_id=CLASS_ID,
        course_code="ENG5",
        correlation_id=CORRELATION_ID,
        essays=tuple(essays),
        received_at=RECEIVED_AT,
        deadline=DEADLINE,
        unparsable_suggestions=unparsable,
    )


def essay(
    essay_id: str,
    position: int,
    *suggestions: StudentSuggestion,
    batch_id: str = BATCH_ID,
) -> EssayAssociation:
    """A pending essay with its candidates best first."""
    return EssayAssociation(
        essay_id=essay_id,
        batch_id=batch_id,
        class_id=CLASS_ID,
        position=position,
        text_storage_id=f"ts-{essay_id}",
        filename=f"{essay_id}.docx",
        suggestions=tuple(suggestions),
        no_match_reason=None,
        status=PENDING,
        student_id=None,
        confidence_score=suggestions[0].confidence_score if suggestions else None,
        validation_method=None,
        validated_by=None,
        validated_at=None,
        created_at=RECEIVED_AT,
    )


def batch(completed_at: datetime | None = None, *, timeout_triggered: bool = False) -> AssociationBatch:
    return AssociationBatch(
        batch_id=BATCH_ID,
        class_id=CLASS_ID,
        class_name="9A English",
        course_code="ENG5",
        owner=OWNER,
        correlation_id=CORRELATION_ID,
        received_at=RECEIVED_AT,
        deadline=DEADLINE,
        completed_at=completed_at,
        timeout_triggered=timeout_triggered,
    )


def review(essays: Sequence[EssayAssociation], completed_at: datetime | None = None) -> BatchReview:
    return BatchReview(batch(completed_at), tuple(essays))
