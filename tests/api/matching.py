"""Seeding NLP's suggestions through the app's own repository, for the matching routes' API tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from class_management_service.domain import association_event_builders
from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)
from tests.api.conftest import Api, Json

MATCHING_BACKENDS = pytest.mark.parametrize("backend", ["memory", "sqlite", "postgres"])
"""For a module's ``pytestmark``: every backend with an association repository."""
CONFIRMED_TOPIC = "huleedu.class.student.associations.confirmed.v1"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Candidate:
    """A student NLP proposes for an essay, with its confidence."""

    student: Json
    confidence: float
    reasons: tuple[str, ...] = ("exact_name",)

    def suggestion(self) -> StudentSuggestion:
        name = f"{self.student['first_name']} {self.student['last_name']}"
        return StudentSuggestion(
            UUID(self.student["id"]), name, self.student["email"], self.confidence, self.reasons
        )


@dataclass(frozen=True)
class SeededBatch:
    batch_id: str
    essay_ids: list[str]
    correlation_id: UUID
    deadline: datetime


async def seed_batch(
    api: Api, school_class: Json, *essays: Sequence[Candidate], course_code: str = "ENG5"
) -> SeededBatch:
    """One suggestions event for ``school_class``: an essay per argument, its candidates best first."""
    received_at = datetime.now(UTC)
    essay_ids = [f"essay-{uuid.uuid4()}" for _ in essays]
    batch = SuggestedBatch(
        event_id=uuid.uuid4(),
        batch_id=f"batch-{uuid.uuid4()}",
        class_id=UUID(school_class["id"]),
        course_code=course_code,
        correlation_id=uuid.uuid4(),
        essays=tuple(
            SuggestedEssay(
                essay_id,
                f"text-{essay_id}",
                f"{essay_id}.docx",
                tuple(c.suggestion() for c in candidates),
                None if candidates else "no_name_found",
            )
            for essay_id, candidates in zip(essay_ids, essays, strict=True)
        ),
        received_at=received_at,
        deadline=received_at + DAY,
    )
    repository = await api.associations()
    outcome = await repository.ingest(batch, association_event_builders.suggestions_ready)
    assert outcome.is_class_found
    assert outcome.stored_essays == len(essays)
    return SeededBatch(batch.batch_id, essay_ids, batch.correlation_id, batch.deadline)


def decision(essay_id: str, student: Json | None, *, confirmed: bool = True) -> Json:
    return {"essay_id": essay_id, "student_id": student["id"] if student else None, "confirmed": confirmed}


def review_path(batch_id: str) -> str:
    return f"/v1/batches/{batch_id}/student-associations"


def confirm_path(batch_id: str) -> str:
    return f"/v1/batches/{batch_id}/student-associations/confirm"
