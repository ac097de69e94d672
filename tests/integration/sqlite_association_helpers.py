"""Set-up for the SQLite association tests: a class with students, suggestions events, marker events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.domain.association_decisions import CompletedBatch
from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import NewClass, NewStudent, SchoolClass, Student
from class_management_service.implementations.sqlite.association_repository import (
    SqlAlchemyAssociationRepository,
)
from class_management_service.implementations.sqlite.class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sqlite.student_repository import SqlAlchemyStudentRepository
from class_management_service.models_db import event_outbox
from tests.conftest import unique_user
from tests.integration.repository_helpers import no_events

RECEIVED = datetime(2026, 1, 5, 8, 0, 0, 123456, tzinfo=UTC)
DEADLINE = RECEIVED + timedelta(days=1)
MARKER_TOPIC = "test.association.marker"


@dataclass
class Setting:
    """One teacher's class with three students, and the repositories over one SQLite file."""

    engine: AsyncEngine
    associations: SqlAlchemyAssociationRepository
    classes: SqlAlchemyClassRepository
    students: SqlAlchemyStudentRepository
    owner: str
    school_class: SchoolClass
    pupils: list[Student]

    @property
    def pupil_ids(self) -> list[UUID]:
        return [pupil.id for pupil in self.pupils]


@asynccontextmanager
async def open_setting(sqlite_url: str) -> AsyncIterator[Setting]:
    engine = create_engine(Settings(database_url=sqlite_url))
    classes, students = SqlAlchemyClassRepository(engine), SqlAlchemyStudentRepository(engine)
    owner = unique_user()
    school_class = await classes.create(NewClass(uuid.uuid4(), "9B", "ENG5", owner, RECEIVED), no_events)
    pupils = [
        await students.create(
            NewStudent(
                uuid.uuid4(),
                first,
                "Andersson",
                f"{first} Andersson",
                None,
                (school_class.id,),
                owner,
                RECEIVED,
            ),
            no_events,
        )
        for first in ("Alva", "Bo", "Cleo")
    ]
    yield Setting(
        engine, SqlAlchemyAssociationRepository(engine), classes, students, owner, school_class, pupils
    )
    await engine.dispose()


def candidate(student_id: UUID, confidence: float) -> StudentSuggestion:
    return StudentSuggestion(student_id, "Some Name", None, confidence, ("name in header",))


def suggested(
    setting: Setting,
    essays: Sequence[tuple[str, Sequence[StudentSuggestion]]],
    batch_id: str | None = None,
    *,
    class_id: UUID | None = None,
    deadline: datetime = DEADLINE,
) -> SuggestedBatch:
    return SuggestedBatch(
        event_id=uuid.uuid4(),
        batch_id=batch_id or f"batch-{uuid.uuid4().hex[:8]}",
        class_id=class_id or setting.school_class.id,
        course_code="ENG5",
        correlation_id=uuid.uuid4(),
        essays=tuple(SuggestedEssay(e, f"text-{e}", f"{e}.docx", tuple(c), None) for e, c in essays),
        received_at=RECEIVED,
        deadline=deadline,
    )


def marker(batch_id: str, owner: str) -> OutboxEvent:
    """A stand-in outbox event: the tests count rows, the builders' own tests check their content."""
    return OutboxEvent(
        event_id=uuid.uuid4(),
        topic=MARKER_TOPIC,
        aggregate_type="batch",
        aggregate_id=batch_id,
        user_id=owner,
        correlation_id=uuid.uuid4(),
        occurred_at=RECEIVED,
        envelope_json="{}",
    )


def completed_marker(completed: CompletedBatch) -> list[OutboxEvent]:
    return [marker(completed.review.batch.batch_id, completed.review.batch.owner)]


async def markers_of(engine: AsyncEngine, batch_id: str) -> int:
    query = select(func.count()).where(
        event_outbox.c.topic == MARKER_TOPIC, event_outbox.c.aggregate_id == batch_id
    )
    async with engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())
