"""The HTTP contract of essay→student matching: the teacher's review and confirm, the internal lookups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints, model_validator

# Ids other services assign (batches, essays) are opaque; PostgreSQL rejects NUL in text.
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00]*$")]
MAX_DECISIONS = 2000


class DecisionModel(BaseModel):
    """One essay's decision: ``confirmed: true`` takes ``student_id``; ``false`` leaves it without one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    essay_id: ExternalId
    student_id: UUID | None = None
    confirmed: bool

    @model_validator(mode="after")
    def _confirmed_names_a_student(self) -> DecisionModel:
        if self.confirmed and self.student_id is None:
            raise ValueError("a confirmed association needs its student_id")
        return self

    @property
    def outcome(self) -> tuple[bool, UUID | None]:
        return (True, self.student_id) if self.confirmed else (False, None)


class ConfirmRequest(BaseModel):
    """Body of POST .../student-associations/confirm, the reference's shape.

    ``confirmation_method`` and ``user_id`` are accepted for the platform's clients and ignored:
    who validated is always the authenticated ``X-User-ID``. Any other field is a 400 naming it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    associations: Annotated[list[DecisionModel], Field(min_length=1, max_length=MAX_DECISIONS)]
    confirmation_method: Annotated[str, StringConstraints(max_length=100)] | None = None
    user_id: Annotated[str, StringConstraints(max_length=255)] | None = None

    @model_validator(mode="after")
    def _one_decision_per_essay(self) -> ConfirmRequest:
        outcomes: dict[str, tuple[bool, UUID | None]] = {}
        contradicted = sorted(
            {d.essay_id for d in self.associations if outcomes.setdefault(d.essay_id, d.outcome) != d.outcome}
        )
        if contradicted:
            raise ValueError(f"essays with contradicting decisions: {', '.join(contradicted)}")
        return self


class CandidateModel(BaseModel):
    """A student NLP proposed for an essay; candidates are listed best first."""

    student_id: UUID
    student_name: str
    student_email: str | None
    confidence_score: float
    match_reasons: list[str]


class PersonNamesModel(BaseModel):
    """The decided student's names."""

    first_name: str
    last_name: str
    legal_full_name: str


class EssayAssociationModel(BaseModel):
    """One essay of a batch: the reference's fields first, then its candidates and decision."""

    essay_id: str
    suggested_student_id: UUID | None
    confidence_score: float | None
    match_reasons: list[str]
    created_at: datetime
    status: Literal["pending_validation", "confirmed", "rejected"]
    filename: str | None
    text_storage_id: str | None
    no_match_reason: str | None
    candidates: list[CandidateModel]
    student_id: UUID | None
    student_person_name: PersonNamesModel | None
    validation_method: Literal["human", "timeout", "auto"] | None
    validated_by: str | None
    validated_at: datetime | None


BatchStatus = Literal["pending_validation", "completed"]


class BatchReviewModel(BaseModel):
    """A batch under review: its class, deadline and every essay in NLP's order."""

    batch_id: str
    class_id: UUID
    class_name: str
    course_code: str
    status: BatchStatus
    auto_confirm_deadline: datetime
    completed_at: datetime | None
    timeout_triggered: bool
    associations: list[EssayAssociationModel]


class ConfirmResultModel(BaseModel):
    """The reference's reply (``status`` is always ``confirmed``), plus where the batch now stands."""

    status: Literal["confirmed"]
    associations_confirmed: int
    associations_rejected: int
    changed_essay_ids: list[str]
    batch_id: str
    batch_status: BatchStatus
    pending: int
    completed_at: datetime | None
    validation_summary: dict[str, int]


class ClassInfoModel(BaseModel):
    """The class a batch belongs to."""

    class_id: UUID
    class_name: str


class ClassInfoMapModel(RootModel[dict[str, ClassInfoModel | None]]):
    """Each requested batch id, mapped to its class or null when no suggestions were stored for it."""


class StudentNameModel(BaseModel):
    """An essay and its decided student (null while pending, or when rejected)."""

    essay_id: str
    student_id: UUID | None
    student_person_name: PersonNamesModel | None
    status: Literal["pending_validation", "confirmed", "rejected"]
    validation_method: Literal["human", "timeout", "auto"] | None


class StudentNamesModel(RootModel[list[StudentNameModel]]):
    """The batch's essays in NLP's order (the reference's array shape)."""


class EssayLookupModel(StudentNameModel):
    """One essay's association, with its batch and decision."""

    batch_id: str
    class_id: UUID
    confidence_score: float | None
    validated_by: str | None
    validated_at: datetime | None


class ValidationStatusModel(BaseModel):
    """One batch's progress: counts by outcome and method, deviations from NLP's top suggestion."""

    batch_id: str
    class_id: UUID
    status: BatchStatus
    total: int
    pending: int
    decided: int
    confirmed: int
    rejected: int
    by_method: dict[str, int]
    deviations: int
    auto_confirm_deadline: datetime
    completed_at: datetime | None
    timeout_triggered: bool


class ValidationStatusMapModel(RootModel[dict[str, ValidationStatusModel | None]]):
    """Each requested batch id, mapped to its progress or null when it is unknown."""


class BatchIdsQuery(BaseModel):
    """``batch_ids``: comma-separated batch ids (how many at most is a setting)."""

    batch_ids: Annotated[str, StringConstraints(max_length=100_000)] = ""


class DeleteQuery(BaseModel):
    """``force=true`` decides pending essay validations as rejected instead of refusing the delete."""

    force: bool = False
