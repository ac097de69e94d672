"""Essay→student matching: NLP's suggestions, the teacher's decisions, and the batch they belong to.

Pure data. Ids that come from other services (``batch_id``, ``essay_id``) are opaque strings;
students and classes are ours, so theirs are UUIDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from class_management_service.domain.models import Student

ValidationStatus = Literal["pending_validation", "confirmed", "rejected"]
ValidationMethod = Literal["human", "timeout", "auto"]

PENDING: ValidationStatus = "pending_validation"
CONFIRMED: ValidationStatus = "confirmed"
REJECTED: ValidationStatus = "rejected"


@dataclass(frozen=True, slots=True)
class StudentSuggestion:
    """One candidate author NLP proposed for an essay; a batch lists them best first."""

    student_id: UUID
    student_name: str
    student_email: str | None
    confidence_score: float
    match_reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SuggestedEssay:
    """An essay of a suggestions event, with every candidate that survived parsing."""

    essay_id: str
    text_storage_id: str | None
    filename: str | None
    suggestions: tuple[StudentSuggestion, ...]
    no_match_reason: str | None


@dataclass(frozen=True, slots=True)
class SuggestedBatch:
    """A ``BatchAuthorMatchesSuggestedV1`` as the consumer hands it to the repository.

    ``unparsable_suggestions`` counts candidates whose student id was not even a UUID (they can
    name no student of ours); ``deadline`` is when the timeout decides what is still pending.
    """

    event_id: UUID
    batch_id: str
    class_id: UUID
    course_code: str
    correlation_id: UUID
    essays: tuple[SuggestedEssay, ...]
    received_at: datetime
    deadline: datetime
    unparsable_suggestions: int = 0


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


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What storing one suggestions event did.

    ``review`` is the batch as stored afterwards; None when nothing was stored (a replayed
    event, or a class that does not exist). ``kept_essays`` were left as they were: already
    decided, in a completed batch, or belonging to another batch. ``dropped_suggestions``
    counts candidates left out because their student is not in the batch's class (plus
    ``unparsable_suggestions``).
    """

    batch_id: str
    is_replay: bool
    is_class_found: bool
    stored_essays: int
    kept_essays: int
    dropped_suggestions: int
    review: BatchReview | None


@dataclass(frozen=True, slots=True)
class Decision:
    """A teacher's decision on one essay: accept ``student_id``, or reject (no student)."""

    essay_id: str
    student_id: UUID | None
    confirmed: bool

    def __post_init__(self) -> None:
        if self.confirmed and self.student_id is None:
            raise ValueError("a confirmed decision names its student")


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """Decisions on one batch by its owning teacher, at one moment."""

    owner: str
    batch_id: str
    decisions: tuple[Decision, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class CompletedBatch:
    """A batch whose last pending essay was just decided: its confirmed event goes out now.

    ``placeholder`` is the class's "unknown" student when the timeout had to create it.
    """

    review: BatchReview
    timeout_triggered: bool
    placeholder: Student | None = None


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """The batch after a teacher's decisions; ``completed`` is set only by the deciding call."""

    review: BatchReview
    changed_essay_ids: tuple[str, ...]
    completed: CompletedBatch | None


@dataclass(frozen=True, slots=True)
class TimeoutPolicy:
    """How the timeout decides: a pending essay's best candidate at or above the bar is confirmed."""

    min_confidence: float
    batch_limit: int = 100


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A consumed message that could not be used, kept with its raw bytes and the reason."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    reason: str
    received_at: datetime
