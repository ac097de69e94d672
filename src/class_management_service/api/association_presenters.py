"""Associations to response bodies; shapes match the models in ``association_schemas``."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from class_management_service.api.presenters import Body
from class_management_service.domain.association_decisions import DecisionOutcome
from class_management_service.domain.associations import (
    AssociationBatch,
    BatchReview,
    EssayAssociation,
    PersonNames,
)
from class_management_service.domain.matching import validation_summary
from class_management_service.domain.validation_status import BatchValidationStatus


def _id(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def _batch_status(batch: AssociationBatch) -> str:
    return "pending_validation" if batch.completed_at is None else "completed"


def _names(names: PersonNames | None) -> Body | None:
    if names is None:
        return None
    return {
        "first_name": names.first_name,
        "last_name": names.last_name,
        "legal_full_name": names.legal_full_name,
    }


def _essay_body(essay: EssayAssociation) -> Body:
    top = essay.top_suggestion
    return {
        "essay_id": essay.essay_id,
        "suggested_student_id": _id(top.student_id) if top else None,
        "confidence_score": top.confidence_score if top else None,
        "match_reasons": list(top.match_reasons) if top else [],
        "created_at": essay.created_at,
        "status": essay.status,
        "filename": essay.filename,
        "text_storage_id": essay.text_storage_id,
        "no_match_reason": essay.no_match_reason,
        "candidates": [
            {
                "student_id": str(s.student_id),
                "student_name": s.student_name,
                "student_email": s.student_email,
                "confidence_score": s.confidence_score,
                "match_reasons": list(s.match_reasons),
            }
            for s in essay.suggestions
        ],
        "student_id": _id(essay.student_id),
        "student_person_name": _names(essay.student_names),
        "validation_method": essay.validation_method,
        "validated_by": essay.validated_by,
        "validated_at": essay.validated_at,
    }


def review_body(review: BatchReview) -> Body:
    batch = review.batch
    return {
        "batch_id": batch.batch_id,
        "class_id": str(batch.class_id),
        "class_name": batch.class_name,
        "course_code": batch.course_code,
        "status": _batch_status(batch),
        "auto_confirm_deadline": batch.deadline,
        "completed_at": batch.completed_at,
        "timeout_triggered": batch.timeout_triggered,
        "associations": [_essay_body(essay) for essay in review.essays],
    }


def confirm_body(outcome: DecisionOutcome, confirmed: int, rejected: int) -> Body:
    review = outcome.review
    batch = review.batch
    return {
        "status": "confirmed",
        "associations_confirmed": confirmed,
        "associations_rejected": rejected,
        "changed_essay_ids": list(outcome.changed_essay_ids),
        "batch_id": batch.batch_id,
        "batch_status": _batch_status(batch),
        "pending": sum(1 for essay in review.essays if essay.is_pending),
        "completed_at": batch.completed_at,
        "validation_summary": validation_summary(review),
    }


def class_info_body(batches: Mapping[str, AssociationBatch | None]) -> Body:
    return {
        batch_id: None if batch is None else {"class_id": str(batch.class_id), "class_name": batch.class_name}
        for batch_id, batch in batches.items()
    }


def _student_name(essay: EssayAssociation) -> Body:
    return {
        "essay_id": essay.essay_id,
        "student_id": _id(essay.student_id),
        "student_person_name": _names(essay.student_names),
        "status": essay.status,
        "validation_method": essay.validation_method,
    }


def student_names_body(review: BatchReview) -> list[Body]:
    return [_student_name(essay) for essay in review.essays]


def essay_body(essay: EssayAssociation) -> Body:
    return {
        **_student_name(essay),
        "batch_id": essay.batch_id,
        "class_id": str(essay.class_id),
        "confidence_score": essay.confidence_score,
        "validated_by": essay.validated_by,
        "validated_at": essay.validated_at,
    }


def _status_body(status: BatchValidationStatus) -> Body:
    return {
        "batch_id": status.batch_id,
        "class_id": str(status.class_id),
        "status": "completed" if status.is_complete else "pending_validation",
        "total": status.total,
        "pending": status.pending,
        "decided": status.decided,
        "confirmed": status.confirmed,
        "rejected": status.rejected,
        "by_method": dict(status.by_method),
        "deviations": status.deviations,
        "auto_confirm_deadline": status.auto_confirm_deadline,
        "completed_at": status.completed_at,
        "timeout_triggered": status.timeout_triggered,
    }


def validation_status_body(statuses: Mapping[str, BatchValidationStatus | None]) -> Body:
    return {batch_id: None if s is None else _status_body(s) for batch_id, s in statuses.items()}
