"""What changes a batch's essays and what each change did: decisions, the timeout, an ingest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from class_management_service.domain.associations import BatchReview
from class_management_service.domain.models import Student


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
class TimeoutPolicy:
    """How the timeout decides: a pending essay's best candidate at or above the bar is confirmed."""

    min_confidence: float
    batch_limit: int = 100


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
