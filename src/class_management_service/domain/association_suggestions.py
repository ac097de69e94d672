"""NLP's suggestions for essay→student matching, as the consumer hands them to the repository.

Ids that come from other services (``batch_id``, ``essay_id``) are opaque strings;
students and classes are ours, so theirs are UUIDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


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
