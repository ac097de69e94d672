"""Set-up for the asyncpg association tests: a class with students, suggestion batches, marker events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.association_decisions import CompletedBatch, DecisionOutcome
from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)
from class_management_service.domain.events import ASSOCIATIONS_CONFIRMED_TOPIC, OutboxEvent
from class_management_service.domain.models import NewClass, NewStudent
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from tests.conftest import unique_user
from tests.integration.repository_helpers import no_events

T0 = datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Roster:
    """A teacher's class and its students."""

    owner: str
    class_id: UUID
    students: tuple[UUID, ...]


async def roster(engine: AsyncEngine, size: int = 3, owner: str | None = None) -> Roster:
    owner = owner or unique_user()
    class_id = uuid.uuid4()
    await AsyncpgClassRepository(engine).create(NewClass(class_id, "9C", "ENG5", owner, T0), no_events)
    students = AsyncpgStudentRepository(engine)
    ids = []
    for number in range(size):
        new = NewStudent(
            uuid.uuid4(), f"S{number}", "Pupil", f"S{number} Pupil", None, (class_id,), owner, T0
        )
        ids.append((await students.create(new, no_events)).id)
    return Roster(owner, class_id, tuple(ids))


def essay(essay_id: str, *candidates: tuple[UUID, float]) -> SuggestedEssay:
    suggestions = tuple(
        StudentSuggestion(student_id, f"name {rank}", None, score, (f"reason {rank}", "shared"))
        for rank, (student_id, score) in enumerate(candidates)
    )
    return SuggestedEssay(essay_id, f"ts-{essay_id}", f"{essay_id}.docx", suggestions, None)


def suggested(
    batch_id: str, class_id: UUID, essays: Sequence[SuggestedEssay], at: datetime = T0, ttl_s: float = 3600
) -> SuggestedBatch:
    return SuggestedBatch(
        event_id=uuid.uuid4(),
        batch_id=batch_id,
        class_id=class_id,
        course_code="ENG5",
        correlation_id=uuid.uuid4(),
        essays=tuple(essays),
        received_at=at,
        deadline=at + timedelta(seconds=ttl_s),
    )


def unique_batch() -> str:
    return f"batch-{uuid.uuid4().hex[:10]}"


def confirmed_marker(completed: CompletedBatch) -> list[OutboxEvent]:
    """One outbox row per completed batch, carrying each essay's outcome (the builders are h1's)."""
    batch = completed.review.batch
    body = {
        "timeout": completed.timeout_triggered,
        "essays": [
            [e.essay_id, e.status, str(e.student_id), e.validation_method] for e in completed.review.essays
        ],
        "placeholder": None if completed.placeholder is None else str(completed.placeholder.id),
    }
    return [
        OutboxEvent(
            uuid.uuid4(),
            ASSOCIATIONS_CONFIRMED_TOPIC,
            "batch",
            batch.batch_id,
            batch.owner,
            batch.correlation_id,
            batch.completed_at or T0,
            json.dumps(body),
        )
    ]


def decision_marker(outcome: DecisionOutcome) -> list[OutboxEvent]:
    return confirmed_marker(outcome.completed) if outcome.completed else []


async def confirmed_rows(
    engine: AsyncEngine, batch_id: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(batch id, body) of every confirmed marker row, in outbox order."""
    query = "SELECT aggregate_id, payload FROM event_outbox WHERE topic = :topic"
    params: dict[str, Any] = {"topic": ASSOCIATIONS_CONFIRMED_TOPIC}
    if batch_id is not None:
        query += " AND aggregate_id = :batch"
        params["batch"] = batch_id
    async with engine.connect() as connection:
        rows = (await connection.execute(text(query + " ORDER BY id"), params)).all()
    return [(row[0], json.loads(row[1])) for row in rows]


async def scalar(engine: AsyncEngine, query: str, **params: Any) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(text(query), params)).scalar()
