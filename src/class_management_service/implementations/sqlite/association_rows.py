"""Association rows ↔ domain objects: batches, essays with their ranked candidates, decisions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from class_management_service.domain.association_suggestions import StudentSuggestion, SuggestedBatch
from class_management_service.domain.associations import AssociationBatch, EssayAssociation, PersonNames
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite.rows import AnyRow


def _maybe_utc(value: Any) -> Any:
    return None if value is None else utc(value)


def to_batch(row: AnyRow) -> AssociationBatch:
    return AssociationBatch(
        batch_id=row.batch_id,
        class_id=row.class_id,
        class_name=row.class_name,
        course_code=row.course_code,
        owner=row.owner,
        correlation_id=row.correlation_id,
        received_at=utc(row.received_at),
        deadline=utc(row.deadline_at),
        completed_at=_maybe_utc(row.completed_at),
        timeout_triggered=bool(row.timeout_triggered),
    )


def to_suggestion(row: AnyRow) -> StudentSuggestion:
    return StudentSuggestion(
        student_id=row.student_id,
        student_name=row.student_name,
        student_email=row.student_email,
        confidence_score=row.confidence_score,
        match_reasons=tuple(row.match_reasons or ()),
    )


def names_of(row: AnyRow) -> PersonNames | None:
    """The decided student's names from an essay row joined to students (None without one)."""
    if row.student_id is None or row.first_name is None:
        return None
    return PersonNames(row.first_name, row.last_name, row.legal_full_name)


def to_essay(
    row: AnyRow, suggestions: tuple[StudentSuggestion, ...] = (), *, with_names: bool = True
) -> EssayAssociation:
    return EssayAssociation(
        essay_id=row.essay_id,
        batch_id=row.batch_id,
        class_id=row.class_id,
        position=row.position,
        text_storage_id=row.text_storage_id,
        filename=row.filename,
        suggestions=suggestions,
        no_match_reason=row.no_match_reason,
        status=row.validation_status,
        student_id=row.student_id,
        confidence_score=row.confidence_score,
        validation_method=row.validation_method,
        validated_by=row.validated_by,
        validated_at=_maybe_utc(row.validated_at),
        created_at=utc(row.created_at),
        student_names=names_of(row) if with_names else None,
    )


def batch_params(batch: SuggestedBatch) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id,
        "class_id": batch.class_id,
        "course_code": batch.course_code,
        "correlation_id": batch.correlation_id,
        "received_at": utc(batch.received_at),
        "deadline_at": utc(batch.deadline),
        "completed_at": None,
        "timeout_triggered": False,
    }


def essay_params(essay: EssayAssociation) -> dict[str, Any]:
    return {
        "essay_id": essay.essay_id,
        "batch_id": essay.batch_id,
        "class_id": essay.class_id,
        "position": essay.position,
        "text_storage_id": essay.text_storage_id,
        "filename": essay.filename,
        "no_match_reason": essay.no_match_reason,
        "student_id": essay.student_id,
        "confidence_score": essay.confidence_score,
        "validation_status": essay.status,
        "validation_method": essay.validation_method,
        "validated_by": essay.validated_by,
        "validated_at": _maybe_utc(essay.validated_at),
        "created_at": utc(essay.created_at),
    }


def suggestion_params(essay: EssayAssociation) -> list[dict[str, Any]]:
    return [
        {
            "essay_id": essay.essay_id,
            "rank": rank,
            "student_id": suggestion.student_id,
            "student_name": suggestion.student_name,
            "student_email": suggestion.student_email,
            "confidence_score": suggestion.confidence_score,
            "match_reasons": list(suggestion.match_reasons),
        }
        for rank, suggestion in enumerate(essay.suggestions)
    ]


def decided_params(essay: EssayAssociation) -> dict[str, Any]:
    return {
        "b_essay_id": essay.essay_id,
        "b_status": essay.status,
        "b_student_id": essay.student_id,
        "b_confidence": essay.confidence_score,
        "b_method": essay.validation_method,
        "b_validated_by": essay.validated_by,
        "b_validated_at": _maybe_utc(essay.validated_at),
    }


def student_ids_of(essays: tuple[EssayAssociation, ...]) -> list[UUID]:
    return list(dict.fromkeys(essay.student_id for essay in essays if essay.student_id is not None))
