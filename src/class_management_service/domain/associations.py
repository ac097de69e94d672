"""Essay→student matching as stored: batches, their essays, and each essay's decision state.

Pure data. Ids that come from other services (``batch_id``, ``essay_id``) are opaque strings;
students and classes are ours, so theirs are UUIDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from class_management_service.domain.association_suggestions import StudentSuggestion

ValidationStatus = Literal["pending_validation", "confirmed", "rejected"]
ValidationMethod = Literal["human", "timeout", "auto"]

PENDING: ValidationStatus = "pending_validation"
CONFIRMED: ValidationStatus = "confirmed"
REJECTED: ValidationStatus = "rejected"


@dataclass(frozen=True, slots=True)
class PersonNames:
    """A decided student's names, joined in on reads for the routes that show them."""

    first_name: str
    last_name: str
    legal_full_name: str


@dataclass(frozen=True, slots=True)
class EssayAssociation:
    """One essay of a batch: its candidates and the decision taken (or still pending).

    ``student_id`` is the decided student (None while pending, when rejected, or when that
    student was deleted later); ``confidence_score`` is the decided candidate's, or the top
    candidate's while pending.
    """

    essay_id: str
    batch_id: str
    class_id: UUID
    position: int
    text_storage_id: str | None
    filename: str | None
    suggestions: tuple[StudentSuggestion, ...]
    no_match_reason: str | None
    status: ValidationStatus
    student_id: UUID | None
    confidence_score: float | None
    validation_method: ValidationMethod | None
    validated_by: str | None
    validated_at: datetime | None
    created_at: datetime
    student_names: PersonNames | None = None

    @property
    def top_suggestion(self) -> StudentSuggestion | None:
        return self.suggestions[0] if self.suggestions else None

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING


@dataclass(frozen=True, slots=True)
class AssociationBatch:
    """A batch of essays awaiting (or past) validation, bound to one class of one teacher."""

    batch_id: str
    class_id: UUID
    class_name: str
    course_code: str
    owner: str
    correlation_id: UUID
    received_at: datetime
    deadline: datetime
    completed_at: datetime | None
    timeout_triggered: bool


@dataclass(frozen=True, slots=True)
class BatchReview:
    """A batch with all its essays in the order NLP listed them."""

    batch: AssociationBatch
    essays: tuple[EssayAssociation, ...]
