"""The rules of essay→student matching (``domain.matching``), one by one, with hand-written expectations."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from class_management_service.domain.association_decisions import Decision, TimeoutPolicy
from class_management_service.domain.associations import CONFIRMED, PENDING, REJECTED, EssayAssociation
from class_management_service.domain.errors import (
    AssociationConflictError,
    EssayNotFoundError,
    StudentNotInClassError,
)
from class_management_service.domain.ingest_planning import plan_ingest
from class_management_service.domain.matching import (
    apply_decisions,
    forced_rejections,
    is_complete,
    validation_summary,
    with_changes,
)
from class_management_service.domain.timeout_rules import (
    needs_placeholder,
    placeholder_email,
    placeholder_student,
    timeout_decisions,
)
from tests.unit.association_samples import (
    ADA,
    BATCH_ID,
    BOB,
    CLASS_ID,
    CLASS_STUDENTS,
    CY,
    DECIDED_AT,
    OUTSIDER,
    OWNER,
    RECEIVED_AT,
    essay,
    review,
    suggested_batch,
    suggested_essay,
    suggestion,
)

POLICY = TimeoutPolicy(min_confidence=0.7)
PLACEHOLDER = uuid.UUID("88888888-8888-4888-8888-888888888888")
LATER = DECIDED_AT + timedelta(minutes=1)


def _confirmed(item: EssayAssociation, student_id: uuid.UUID, method: str = "human") -> EssayAssociation:
    return replace(
        item,
        status=CONFIRMED,
        student_id=student_id,
        validation_method=method,  # type: ignore[arg-type]
        validated_by=OWNER if method == "human" else None,
        validated_at=DECIDED_AT,
    )


# --- ingest -------------------------------------------------------------------------------------


def test_plan_ingest_stores_every_candidate_in_class_ranked_best_first() -> None:
    event = suggested_batch(
        suggested_essay("e1", suggestion(BOB, 0.4), suggestion(ADA, 0.9), suggestion(CY, 0.4, "second")),
        suggested_essay("e2"),
    )

    plan = plan_ingest(event, CLASS_STUDENTS, {}, is_batch_completed=False)

    assert (plan.kept_essays, plan.dropped_suggestions) == (0, 0)
    first, second = plan.essays
    assert first == EssayAssociation(
        essay_id="e1",
        batch_id=BATCH_ID,
        class_id=CLASS_ID,
        position=0,
        text_storage_id="ts-e1",
        filename="e1.docx",
        suggestions=(suggestion(ADA, 0.9), suggestion(BOB, 0.4), suggestion(CY, 0.4, "second")),
        no_match_reason=None,
        status=PENDING,
        student_id=None,
        confidence_score=0.9,
        validation_method=None,
        validated_by=None,
        validated_at=None,
        created_at=RECEIVED_AT,
    )
    assert (second.position, second.suggestions, second.confidence_score) == (1, (), None)


def test_plan_ingest_drops_and_counts_candidates_outside_the_class() -> None:
    event = suggested_batch(
        suggested_essay("e1", suggestion(OUTSIDER, 0.99), suggestion(ADA, 0.5)),
        suggested_essay("e2", suggestion(OUTSIDER, 0.8)),
    )

    plan = plan_ingest(event, CLASS_STUDENTS, {}, is_batch_completed=False)

    assert plan.dropped_suggestions == 2
    assert [e.suggestions for e in plan.essays] == [(suggestion(ADA, 0.5),), ()]
    assert [e.confidence_score for e in plan.essays] == [0.5, None]


def test_plan_ingest_dropped_count_adds_the_unparsable_ids() -> None:
    event = suggested_batch(suggested_essay("e1", suggestion(OUTSIDER, 0.8)), unparsable=2)

    assert plan_ingest(event, CLASS_STUDENTS, {}, is_batch_completed=False).dropped_suggestions == 3


def test_plan_ingest_keeps_a_completed_batch_as_it_is() -> None:
    event = suggested_batch(suggested_essay("e1", suggestion(ADA, 0.9)), suggested_essay("e2"))

    plan = plan_ingest(event, CLASS_STUDENTS, {}, is_batch_completed=True)

    assert (plan.essays, plan.kept_essays) == ((), 2)


def test_plan_ingest_replaces_pending_essays_and_keeps_decided_ones() -> None:
    pending = essay("e1", 0, suggestion(BOB, 0.3))
    decided = _confirmed(essay("e2", 1, suggestion(BOB, 0.6)), BOB)
    event = suggested_batch(
        suggested_essay("e1", suggestion(ADA, 0.95)),
        suggested_essay("e2", suggestion(ADA, 0.95)),
        suggested_essay("e3", suggestion(CY, 0.7)),
    )
    stored = {"e1": replace(pending, created_at=RECEIVED_AT - timedelta(hours=1)), "e2": decided}

    plan = plan_ingest(event, CLASS_STUDENTS, stored, is_batch_completed=False)

    assert plan.kept_essays == 1
    assert [(e.essay_id, e.suggestions, e.position) for e in plan.essays] == [
        ("e1", (suggestion(ADA, 0.95),), 0),
        ("e3", (suggestion(CY, 0.7),), 2),
    ]
    assert plan.essays[0].created_at == RECEIVED_AT - timedelta(hours=1)  # first arrival kept


def test_plan_ingest_leaves_an_essay_of_another_batch_alone() -> None:
    foreign = essay("e1", 0, suggestion(BOB, 0.3), batch_id="other-batch")
    event = suggested_batch(suggested_essay("e1", suggestion(ADA, 0.9)))

    plan = plan_ingest(event, CLASS_STUDENTS, {"e1": foreign}, is_batch_completed=False)

    assert (plan.essays, plan.kept_essays) == ((), 1)


def test_plan_ingest_counts_an_essay_listed_twice_once_by_its_first_listing() -> None:
    event = suggested_batch(
        suggested_essay("e1", suggestion(ADA, 0.9)),
        suggested_essay("e1", suggestion(OUTSIDER, 0.5), suggestion(BOB, 0.8)),
        suggested_essay("e2", suggestion(CY, 0.6)),
    )

    plan = plan_ingest(event, CLASS_STUDENTS, {}, is_batch_completed=False)

    assert [(e.essay_id, e.suggestions, e.position) for e in plan.essays] == [
        ("e1", (suggestion(ADA, 0.9),), 0),
        ("e2", (suggestion(CY, 0.6),), 2),
    ]
    assert (plan.kept_essays, plan.dropped_suggestions) == (0, 0)


def test_plan_ingest_counts_a_kept_essay_listed_twice_once() -> None:
    decided = _confirmed(essay("e1", 0, suggestion(ADA, 0.9)), ADA)
    event = suggested_batch(suggested_essay("e1"), suggested_essay("e1", suggestion(OUTSIDER, 0.2)))

    plan = plan_ingest(event, CLASS_STUDENTS, {"e1": decided}, is_batch_completed=False)

    assert (plan.essays, plan.kept_essays, plan.dropped_suggestions) == ((), 1, 0)


# --- decisions ----------------------------------------------------------------------------------

E1 = essay("e1", 0, suggestion(ADA, 0.93), suggestion(BOB, 0.4))
E2 = essay("e2", 1, suggestion(BOB, 0.81))
E3 = essay("e3", 2)
REVIEW = review([E1, E2, E3])


def test_apply_decisions_confirms_and_rejects_with_the_teacher_and_time() -> None:
    decisions = [Decision("e1", BOB, True), Decision("e2", None, False), Decision("e3", CY, True)]

    changed = apply_decisions(REVIEW, decisions, CLASS_STUDENTS, OWNER, DECIDED_AT)

    human = {"validation_method": "human", "validated_by": OWNER, "validated_at": DECIDED_AT}
    assert changed == (
        replace(E1, status=CONFIRMED, student_id=BOB, confidence_score=0.4, **human),  # type: ignore[arg-type]
        replace(E2, status=REJECTED, student_id=None, confidence_score=None, **human),  # type: ignore[arg-type]
        replace(E3, status=CONFIRMED, student_id=CY, confidence_score=None, **human),  # type: ignore[arg-type]
    )


def test_a_rejection_ignores_the_student_it_names() -> None:
    [rejected] = apply_decisions(REVIEW, [Decision("e1", OUTSIDER, False)], CLASS_STUDENTS, OWNER, DECIDED_AT)

    assert (rejected.status, rejected.student_id) == (REJECTED, None)


def test_apply_decisions_refuses_essays_outside_the_batch_first() -> None:
    decisions = [
        Decision("nope", OUTSIDER, True),
        Decision("e1", OUTSIDER, True),
        Decision("nope", ADA, True),
    ]

    with pytest.raises(EssayNotFoundError) as raised:
        apply_decisions(REVIEW, decisions, CLASS_STUDENTS, OWNER, DECIDED_AT)

    assert raised.value.details == {"essay_ids": ["nope"]}


def test_apply_decisions_refuses_students_outside_the_class() -> None:
    decisions = [Decision("e1", ADA, True), Decision("e2", OUTSIDER, True)]

    with pytest.raises(StudentNotInClassError) as raised:
        apply_decisions(REVIEW, decisions, CLASS_STUDENTS, OWNER, DECIDED_AT)

    assert raised.value.details == {"student_ids": [str(OUTSIDER)]}


def test_repeating_a_decision_changes_nothing() -> None:
    decided = review([_confirmed(E1, ADA), replace(E2, status=REJECTED, validation_method="human"), E3])
    decisions = [Decision("e1", ADA, True), Decision("e2", None, False), Decision("e2", BOB, False)]

    assert apply_decisions(decided, decisions, CLASS_STUDENTS, OWNER, LATER) == ()


def test_repeating_a_decision_within_one_request_decides_once() -> None:
    decisions = [Decision("e1", ADA, True), Decision("e1", ADA, True)]

    [changed] = apply_decisions(REVIEW, decisions, CLASS_STUDENTS, OWNER, DECIDED_AT)

    assert (changed.essay_id, changed.student_id) == ("e1", ADA)


@pytest.mark.parametrize(
    "decision",
    [Decision("e1", BOB, True), Decision("e1", None, False)],
    ids=["another student", "a rejection"],
)
def test_changing_a_decided_essay_is_a_conflict_and_changes_nothing(decision: Decision) -> None:
    decided = review([_confirmed(E1, ADA), E2, E3])

    with pytest.raises(AssociationConflictError) as raised:
        apply_decisions(decided, [Decision("e2", BOB, True), decision], CLASS_STUDENTS, OWNER, LATER)

    assert raised.value.details == {"essay_ids": ["e1"]}


def test_a_timeout_decision_is_not_overridden_by_the_teacher() -> None:
    decided = review([_confirmed(E1, ADA, "timeout"), E2, E3])

    with pytest.raises(AssociationConflictError):
        apply_decisions(decided, [Decision("e1", BOB, True)], CLASS_STUDENTS, OWNER, LATER)


def test_contradicting_decisions_within_one_request_are_a_conflict() -> None:
    decisions = [Decision("e1", ADA, True), Decision("e2", BOB, True), Decision("e1", None, False)]

    with pytest.raises(AssociationConflictError) as raised:
        apply_decisions(REVIEW, decisions, CLASS_STUDENTS, OWNER, DECIDED_AT)

    assert raised.value.details == {"essay_ids": ["e1"]}


def test_a_confirmation_without_a_student_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="names its student"):
        Decision("e1", None, True)


# --- completion, timeout, summary -----------------------------------------------------------------


def test_with_changes_and_is_complete() -> None:
    first = apply_decisions(REVIEW, [Decision("e1", ADA, True)], CLASS_STUDENTS, OWNER, DECIDED_AT)
    partial = with_changes(REVIEW, first)
    rest = [Decision("e2", None, False), Decision("e3", CY, True)]
    complete = with_changes(partial, apply_decisions(partial, rest, CLASS_STUDENTS, OWNER, LATER))

    assert [e.essay_id for e in partial.essays] == ["e1", "e2", "e3"]
    assert [e.status for e in partial.essays] == [CONFIRMED, PENDING, PENDING]
    assert (is_complete(REVIEW), is_complete(partial), is_complete(complete)) == (False, False, True)
    assert is_complete(review([])) is False


def test_timeout_confirms_confident_essays_and_sends_the_rest_to_the_placeholder() -> None:
    at_bar = essay("e4", 3, suggestion(CY, 0.7))
    teacher = replace(_confirmed(E2, ADA), confidence_score=None)
    batch = review([E1, teacher, E3, at_bar, essay("e5", 4, suggestion(ADA, 0.69))])

    assert needs_placeholder(batch, POLICY) is True
    decided = timeout_decisions(batch, POLICY, PLACEHOLDER, LATER)

    assert [(e.essay_id, e.student_id, e.confidence_score) for e in decided] == [
        ("e1", ADA, 0.93),
        ("e3", PLACEHOLDER, None),
        ("e4", CY, 0.7),
        ("e5", PLACEHOLDER, None),
    ]
    assert {(e.status, e.validation_method, e.validated_by, e.validated_at) for e in decided} == {
        (CONFIRMED, "timeout", None, LATER)
    }
    assert is_complete(with_changes(batch, decided))


def test_timeout_needs_no_placeholder_when_every_pending_essay_is_confident() -> None:
    batch = review([E1, _confirmed(E3, CY)])

    assert needs_placeholder(batch, POLICY) is False
    [decided] = timeout_decisions(batch, POLICY, None, LATER)
    assert (decided.essay_id, decided.student_id) == ("e1", ADA)


def test_timeout_refuses_to_guess_without_the_placeholder() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        timeout_decisions(REVIEW, POLICY, None, LATER)


def test_the_placeholder_is_found_by_an_address_per_class() -> None:
    assert placeholder_email(CLASS_ID) == f"unknown.{CLASS_ID}@huleedu.system"


def test_validation_summary_counts_outcomes_and_methods() -> None:
    essays = [
        _confirmed(E1, ADA),
        replace(E2, status=REJECTED, validation_method="human"),
        _confirmed(E3, PLACEHOLDER, "timeout"),
        essay("e4", 3),
    ]

    assert validation_summary(review(essays)) == {
        "total_associations": 4,
        "confirmed": 2,
        "rejected": 1,
        "human": 2,
        "timeout": 1,
        "auto": 0,
    }


def test_a_forced_class_delete_rejects_every_pending_essay_as_the_owner() -> None:
    batch = review([_confirmed(E1, ADA), E2, E3])

    rejected = forced_rejections(batch, OWNER, LATER)

    assert [(e.essay_id, e.status, e.student_id) for e in rejected] == [
        ("e2", REJECTED, None),
        ("e3", REJECTED, None),
    ]
    assert {(e.validation_method, e.validated_by, e.validated_at) for e in rejected} == {
        ("human", OWNER, LATER)
    }
    assert is_complete(with_changes(batch, rejected))


def test_a_forced_student_delete_rejects_only_the_pending_essays_listing_them() -> None:
    batch = review([_confirmed(E1, BOB), E2, E3, essay("e4", 3, suggestion(ADA, 0.5), suggestion(BOB, 0.2))])

    rejected = forced_rejections(batch, OWNER, LATER, candidate=BOB)

    assert [e.essay_id for e in rejected] == ["e2", "e4"]
    assert not is_complete(with_changes(batch, rejected))


def test_the_placeholder_student_is_unknown_and_enrolled_in_its_class() -> None:
    student = placeholder_student(CLASS_ID, OWNER, PLACEHOLDER, LATER)

    assert (student.id, student.first_name, student.last_name, student.legal_full_name) == (
        PLACEHOLDER,
        "UNKNOWN",
        "STUDENT",
        "UNKNOWN STUDENT",
    )
    assert (student.email, student.class_ids, student.created_by_user_id) == (
        f"unknown.{CLASS_ID}@huleedu.system",
        (CLASS_ID,),
        OWNER,
    )
    assert student.created_at == student.updated_at == LATER
