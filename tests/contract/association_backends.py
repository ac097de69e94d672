"""The backends the association contract tests run against, and the scenario helpers they share.

Adding a backend is one entry in ``ASSOCIATION_BACKENDS``: the fixtures it needs (looked up
lazily, so ``-k memory`` needs no database) and an async context manager that builds the four
things a scenario uses from them. Example for a SQL backend::

    @asynccontextmanager
    async def _postgres(engine: AsyncEngine) -> AsyncIterator[AssociationRepos]:
        yield AssociationRepos(AsyncpgAssociationRepository(engine), AsyncpgClassRepository(engine),
                               AsyncpgStudentRepository(engine), sql_outbox(engine))

    ASSOCIATION_BACKENDS["postgres"] = Backend(("clean_pg",), _postgres)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.domain import association_event_builders as builders
from class_management_service.domain.association_decisions import (
    CompletedBatch,
    Decision,
    DecisionRequest,
    TimeoutPolicy,
)
from class_management_service.domain.association_events import (
    ASSOCIATIONS_CONFIRMED_TOPIC,
    TEACHER_NOTIFICATION_TOPIC,
)
from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import NewClass, NewStudent, SchoolClass, Student
from class_management_service.implementations.memory.association_repository import (
    InMemoryAssociationRepository,
)
from class_management_service.implementations.memory.class_repository import InMemoryClassRepository
from class_management_service.implementations.memory.idempotency_store import InMemoryIdempotencyStore
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.implementations.memory.student_repository import InMemoryStudentRepository
from class_management_service.implementations.postgres.association_repository import (
    AsyncpgAssociationRepository,
)
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.idempotency_store import AsyncpgIdempotencyStore
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from class_management_service.implementations.sqlite.association_repository import (
    SqlAlchemyAssociationRepository,
)
from class_management_service.implementations.sqlite.class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sqlite.idempotency_store import SqlAlchemyIdempotencyStore
from class_management_service.implementations.sqlite.student_repository import SqlAlchemyStudentRepository
from class_management_service.models_db import event_outbox
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    ClassRepositoryProtocol,
    IdempotencyStoreProtocol,
    StudentRepositoryProtocol,
)

StoredEvent = tuple[str, UUID | str, str, dict[str, Any]]
"""(topic, aggregate_id, user_id, envelope) of one outbox row, in insertion order."""


@dataclass(frozen=True)
class AssociationRepos:
    """One backend's association, class and student repositories, sharing one store, and its outbox."""

    associations: AssociationRepositoryProtocol
    classes: ClassRepositoryProtocol
    students: StudentRepositoryProtocol
    outbox: Callable[[], Awaitable[list[StoredEvent]]]
    keys: IdempotencyStoreProtocol


@dataclass(frozen=True)
class Backend:
    """Fixture names to resolve first, and a builder given their values in that order."""

    needs: tuple[str, ...]
    build: Callable[..., AbstractAsyncContextManager[AssociationRepos]]


@asynccontextmanager
async def _memory() -> AsyncIterator[AssociationRepos]:
    store = InMemoryStore()

    async def outbox() -> list[StoredEvent]:
        return [(e.topic, e.aggregate_id, e.user_id, json.loads(e.envelope_json)) for e in store.outbox]

    yield AssociationRepos(
        InMemoryAssociationRepository(store),
        InMemoryClassRepository(store),
        InMemoryStudentRepository(store),
        outbox,
        InMemoryIdempotencyStore(store),
    )


def sql_outbox(engine: AsyncEngine) -> Callable[[], Awaitable[list[StoredEvent]]]:
    """Reads the outbox table in insertion order; batch events keep their string aggregate id."""

    async def outbox() -> list[StoredEvent]:
        columns = event_outbox.c
        query = select(columns.topic, columns.aggregate_id, columns.user_id, columns.payload)
        async with engine.connect() as conn:
            rows = (await conn.execute(query.order_by(columns.id))).all()
        return [(topic, _aggregate_id(agg), user, json.loads(payload)) for topic, agg, user, payload in rows]

    return outbox


def _aggregate_id(value: str) -> UUID | str:
    try:
        return UUID(value)
    except ValueError:
        return value


@asynccontextmanager
async def _sqlite(sqlite_url: str) -> AsyncIterator[AssociationRepos]:
    engine = create_engine(Settings(database_url=sqlite_url))
    try:
        yield AssociationRepos(
            SqlAlchemyAssociationRepository(engine),
            SqlAlchemyClassRepository(engine),
            SqlAlchemyStudentRepository(engine),
            sql_outbox(engine),
            SqlAlchemyIdempotencyStore(engine),
        )
    finally:
        await engine.dispose()


@asynccontextmanager
async def _postgres(engine: AsyncEngine) -> AsyncIterator[AssociationRepos]:
    yield AssociationRepos(
        AsyncpgAssociationRepository(engine),
        AsyncpgClassRepository(engine),
        AsyncpgStudentRepository(engine),
        sql_outbox(engine),
        AsyncpgIdempotencyStore(engine),
    )


ASSOCIATION_BACKENDS: dict[str, Backend] = {
    "memory": Backend((), _memory),
    "sqlite": Backend(("sqlite_url",), _sqlite),
    "postgres": Backend(("clean_pg",), _postgres),
}


@pytest.fixture(params=sorted(ASSOCIATION_BACKENDS))
def association_backend(request: pytest.FixtureRequest) -> tuple[Backend, list[Any]]:
    """The backend under test and its fixtures' values (resolved here, outside the event loop)."""
    backend = ASSOCIATION_BACKENDS[request.param]
    return backend, [request.getfixturevalue(name) for name in backend.needs]


@pytest.fixture
async def associations(association_backend: tuple[Backend, list[Any]]) -> AsyncIterator[AssociationRepos]:
    backend, values = association_backend
    async with backend.build(*values) as repos:
        yield repos


# --- scenario helpers ------------------------------------------------------------------------------

DAY = timedelta(days=1)
POLICY = TimeoutPolicy(min_confidence=0.7)
BASE_TIME = datetime(2026, 12, 2, 10, 0, 0, 123456, tzinfo=UTC)
_ticks = count(1)


def moment() -> datetime:
    """A timestamp later than every earlier call, with microseconds, so orderings are strict."""
    tick = next(_ticks)
    return BASE_TIME + timedelta(seconds=10 * tick, microseconds=tick)


def no_events(_: object) -> list[OutboxEvent]:
    return []


def explode(_: object) -> list[OutboxEvent]:
    """An event builder that fails, to prove the write it belongs to changes nothing."""
    raise RuntimeError("event builder failed")


@dataclass(frozen=True)
class Roster:
    """A teacher's class with its students, as a scenario's set-up."""

    owner: str
    school_class: SchoolClass
    students: tuple[Student, ...]

    @property
    def class_id(self) -> UUID:
        return self.school_class.id


async def roster(repos: AssociationRepos, owner: str, *names: str) -> Roster:
    """A class named "9A" with one student per first name (last name "Lovelace"), without events."""
    school_class = await repos.classes.create(
        NewClass(uuid.uuid4(), "9A", "ENG5", owner, moment()), no_events
    )
    students = [
        await repos.students.create(student_of(owner, name, school_class.id), no_events) for name in names
    ]
    return Roster(owner, school_class, tuple(students))


def student_of(owner: str, first_name: str, *class_ids: UUID) -> NewStudent:
    return NewStudent(
        id=uuid.uuid4(),
        first_name=first_name,
        last_name="Lovelace",
        legal_full_name=f"{first_name} Augusta Lovelace",
        email=f"{first_name.lower()}.{uuid.uuid4().hex[:8]}@example.com",
        class_ids=class_ids,
        owner=owner,
        at=moment(),
    )


def candidate(student: Student | UUID, confidence: float, *reasons: str) -> StudentSuggestion:
    if isinstance(student, UUID):
        return StudentSuggestion(student, "Nobody Known", None, confidence, reasons or ("fuzzy",))
    return StudentSuggestion(
        student.id, student.full_name, student.email, confidence, reasons or ("exact_name",)
    )


def listed(
    essay_id: str, *candidates: StudentSuggestion, no_match_reason: str | None = None
) -> SuggestedEssay:
    return SuggestedEssay(essay_id, f"storage-{essay_id}", f"{essay_id}.docx", candidates, no_match_reason)


def suggestions(
    class_id: UUID,
    *essays: SuggestedEssay,
    batch_id: str | None = None,
    at: datetime | None = None,
    unparsable: int = 0,
) -> SuggestedBatch:
    """A suggestions event with a fresh event id (and batch id unless given), due a day after ``at``."""
    received = at or moment()
    return SuggestedBatch(
        event_id=uuid.uuid4(),
        batch_id=batch_id or f"batch-{uuid.uuid4().hex[:12]}",
        class_id=class_id,
        course_code="ENG5",
        correlation_id=uuid.uuid4(),
        essays=essays,
        received_at=received,
        deadline=received + DAY,
        unparsable_suggestions=unparsable,
    )


def essay_ids(count: int) -> list[str]:
    """Essay ids no other test uses (essay ids are global, like the platform's)."""
    prefix = uuid.uuid4().hex[:8]
    return [f"essay-{prefix}-{n}" for n in range(count)]


def request(owner: str, batch_id: str, *decisions: Decision, at: datetime | None = None) -> DecisionRequest:
    return DecisionRequest(owner, batch_id, decisions, at or moment())


def confirm(essay_id: str, student: Student | UUID) -> Decision:
    return Decision(essay_id, student if isinstance(student, UUID) else student.id, confirmed=True)


def reject(essay_id: str) -> Decision:
    return Decision(essay_id, None, confirmed=False)


def timeout_events(completed: CompletedBatch) -> list[OutboxEvent]:
    return builders.batch_completed(completed)


def of_topic(events: Sequence[StoredEvent], topic: str) -> list[StoredEvent]:
    return [event for event in events if event[0] == topic]


def confirmed_events(events: Sequence[StoredEvent]) -> list[StoredEvent]:
    return of_topic(events, ASSOCIATIONS_CONFIRMED_TOPIC)


def notifications(events: Sequence[StoredEvent]) -> list[dict[str, Any]]:
    """The ``data`` of every teacher notification, in outbox order."""
    return [event[3]["data"] for event in of_topic(events, TEACHER_NOTIFICATION_TOPIC)]
