"""A batch's validation progress: counts by outcome and method, and deviations from NLP's advice."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from class_management_service.domain.associations import (
    CONFIRMED,
    REJECTED,
    EssayAssociation,
    ValidationMethod,
)
from class_management_service.domain.validation_status import is_deviation, validation_status
from tests.unit.association_samples import (
    ADA,
    BATCH_ID,
    BOB,
    CLASS_ID,
    CY,
    DEADLINE,
    DECIDED_AT,
    essay,
    review,
    suggestion,
)

PENDING_ADA = essay("e1", 0, suggestion(ADA, 0.9), suggestion(BOB, 0.4))
PENDING_NOBODY = essay("e2", 1)


def _confirmed(
    pending: EssayAssociation, student: UUID, method: ValidationMethod = "human"
) -> EssayAssociation:
    return replace(
        pending,
        status=CONFIRMED,
        student_id=student,
        validation_method=method,
        validated_by="teacher-1" if method == "human" else None,
        validated_at=DECIDED_AT,
    )


def _rejected(pending: EssayAssociation) -> EssayAssociation:
    return replace(
        pending, status=REJECTED, validation_method="human", validated_by="teacher-1", validated_at=DECIDED_AT
    )


def test_an_untouched_batch_is_all_pending_with_its_deadline() -> None:
    status = validation_status(review([PENDING_ADA, PENDING_NOBODY]))

    assert (status.batch_id, status.class_id, status.total, status.pending, status.decided) == (
        BATCH_ID,
        CLASS_ID,
        2,
        2,
        0,
    )
    assert (status.confirmed, status.rejected, status.deviations) == (0, 0, 0)
    assert status.by_method == {"human": 0, "timeout": 0, "auto": 0}
    assert (status.auto_confirm_deadline, status.completed_at, status.is_complete) == (DEADLINE, None, False)


def test_decisions_are_counted_by_outcome_and_by_method() -> None:
    essays = [
        _confirmed(PENDING_ADA, ADA),
        _rejected(essay("e2", 1, suggestion(BOB, 0.8))),
        _confirmed(essay("e3", 2, suggestion(CY, 0.95)), CY, "timeout"),
        essay("e4", 3, suggestion(CY, 0.5)),
    ]

    status = validation_status(review(essays))

    assert (status.total, status.pending, status.decided, status.confirmed, status.rejected) == (
        4,
        1,
        3,
        2,
        1,
    )
    assert status.by_method == {"human": 2, "timeout": 1, "auto": 0}


def test_a_completed_batch_reports_when_it_completed() -> None:
    status = validation_status(review([_confirmed(PENDING_ADA, ADA)], completed_at=DECIDED_AT))

    assert (status.completed_at, status.is_complete, status.pending) == (DECIDED_AT, True, 0)


def test_only_decisions_against_the_top_suggestion_are_deviations() -> None:
    assert not is_deviation(PENDING_ADA)  # undecided: nothing to deviate yet
    assert not is_deviation(_confirmed(PENDING_ADA, ADA))  # NLP's first choice
    assert is_deviation(_confirmed(PENDING_ADA, BOB))  # another candidate
    assert is_deviation(_rejected(PENDING_ADA))  # NLP named someone, the teacher nobody
    assert not is_deviation(_rejected(PENDING_NOBODY))  # NLP named nobody, nor did the teacher
    assert is_deviation(_confirmed(PENDING_NOBODY, CY))  # the teacher found whom NLP could not

    essays = [_confirmed(PENDING_ADA, BOB), _rejected(PENDING_NOBODY), _confirmed(essay("e3", 2), CY)]
    assert validation_status(review(essays)).deviations == 2
