"""One scenario set, three backends: in-memory, SQLite (SQLAlchemy) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
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
from class_management_service.domain import event_builders
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import (
    UNSET,
    Actor,
    NewClass,
    NewStudent,
    SchoolClass,
    Student,
    StudentChanges,
    Unset,
)
from class_management_service.implementations.memory.class_repository import InMemoryClassRepository
from class_management_service.implementations.memory.idempotency_store import InMemoryIdempotencyStore
from class_management_service.implementations.memory.roster_import import InMemoryRosterImportRepository
from class_management_service.implementations.memory.roster_repository import InMemoryClassRosterRepository
from class_management_service.implementations.memory.store import InMemoryOutboxStats, InMemoryStore
from class_management_service.implementations.memory.student_repository import InMemoryStudentRepository
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.idempotency_store import AsyncpgIdempotencyStore
from class_management_service.implementations.postgres.outbox_stats import AsyncpgOutboxStats
from class_management_service.implementations.postgres.roster_repository import AsyncpgClassRosterRepository
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from class_management_service.implementations.sqlite.class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sqlite.idempotency_store import SqlAlchemyIdempotencyStore
from class_management_service.implementations.sqlite.outbox_writer import SqlAlchemyOutboxStats
from class_management_service.implementations.sqlite.roster_repository import SqlAlchemyClassRosterRepository
from class_management_service.implementations.sqlite.student_repository import SqlAlchemyStudentRepository
from class_management_service.models_db import event_outbox
from class_management_service.protocols import (
    ClassRepositoryProtocol,
    ClassRosterRepositoryProtocol,
    IdempotencyStoreProtocol,
    OutboxStatsProtocol,
    RosterImportRepositoryProtocol,
    StudentRepositoryProtocol,
)

StoredEvent = tuple[str, UUID | str, str, dict[str, Any]]
"""(topic, aggregate_id, user_id, envelope) of one outbox row, in insertion order."""

IMPLEMENTATIONS = ("memory", "sqlite", "postgres")
BASE_TIME = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
_ticks = count(1)


@dataclass(frozen=True)
class Repos:
    """Both repositories of one implementation, and a reader of what reached its outbox."""

    classes: ClassRepositoryProtocol
    students: StudentRepositoryProtocol
    stats: OutboxStatsProtocol
    outbox: Callable[[], Awaitable[list[StoredEvent]]]
    keys: IdempotencyStoreProtocol
    # Built on first use, so a backend's other scenarios do not depend on its import module.
    roster_imports: Callable[[], RosterImportRepositoryProtocol]
    roster: ClassRosterRepositoryProtocol

    @property
    def imports(self) -> RosterImportRepositoryProtocol:
        return self.roster_imports()


def moment() -> datetime:
    """A timestamp later than every earlier call, with microseconds, so orderings are strict."""
    tick = next(_ticks)
    return BASE_TIME + timedelta(seconds=10 * tick, microseconds=tick)


def actor_for(owner: str) -> Actor:
    return Actor(user_id=owner, correlation_id=uuid.uuid4())


def new_class(
    owner: str,
    name: str = "7A",
    course_code: str = "ENG5",
    at: datetime | None = None,
    class_id: UUID | None = None,
) -> NewClass:
    return NewClass(class_id or uuid.uuid4(), name, course_code, owner, at or moment())


def new_student(
    owner: str,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    email: str | None = None,
    *,
    class_ids: Sequence[UUID] = (),
    at: datetime | None = None,
    legal_full_name: str | None = None,
    student_id: UUID | None = None,
    external_id: str | None = None,
) -> NewStudent:
    return NewStudent(
        id=student_id or uuid.uuid4(),
        first_name=first_name,
        last_name=last_name,
        legal_full_name=legal_full_name or f"{first_name} {last_name}",
        email=email,
        class_ids=tuple(class_ids),
        owner=owner,
        at=at or moment(),
        external_id=external_id,
    )


def changes(
    names: tuple[str, str, str] | None = None,
    email: str | Unset | None = UNSET,
    add: Sequence[UUID] = (),
    remove: Sequence[UUID] = (),
    at: datetime | None = None,
    external_id: str | Unset | None = UNSET,
) -> StudentChanges:
    first, last, legal = names or (None, None, None)
    return StudentChanges(first, last, legal, email, tuple(add), tuple(remove), at or moment(), external_id)


async def add_class(repos: Repos, owner: str, *args: Any, **fields: Any) -> SchoolClass:
    """Creates a class without events, as scenario set-up."""
    return await repos.classes.create(new_class(owner, *args, **fields), no_events)


async def add_student(repos: Repos, owner: str, *args: Any, **fields: Any) -> Student:
    """Creates a student without events, as scenario set-up."""
    return await repos.students.create(new_student(owner, *args, **fields), no_events)


def created_class_events(actor: Actor) -> Callable[[SchoolClass], list[OutboxEvent]]:
    return lambda school_class: [event_builders.class_created(school_class, actor)]


def no_events(_: object) -> list[OutboxEvent]:
    """An event builder for set-up writes whose events a scenario does not look at."""
    return []


def explode(_: object) -> list[OutboxEvent]:
    """An event builder that fails, to prove the write it belongs to changes nothing."""
    raise RuntimeError("event builder failed")


def assert_envelope(
    envelope: dict[str, Any], topic: str, actor: Actor, at: datetime, data: dict[str, Any]
) -> None:
    """Checks the envelope fields DESIGN §5 names; ``data`` is compared without its timestamp."""
    UUID(envelope["event_id"])
    assert envelope["event_type"] == topic
    assert datetime.fromisoformat(envelope["event_timestamp"]) == at
    assert envelope["source_service"] == "class_management_service"
    assert envelope["schema_version"] == 1
    assert envelope["correlation_id"] == str(actor.correlation_id)
    payload = dict(envelope["data"])
    assert datetime.fromisoformat(payload.pop("timestamp")) == at
    assert payload == data


def _memory_repos() -> Repos:
    store = InMemoryStore()

    async def outbox() -> list[StoredEvent]:
        return [(e.topic, e.aggregate_id, e.user_id, json.loads(e.envelope_json)) for e in store.outbox]

    return Repos(
        InMemoryClassRepository(store),
        InMemoryStudentRepository(store),
        InMemoryOutboxStats(store),
        outbox,
        InMemoryIdempotencyStore(store),
        lambda: InMemoryRosterImportRepository(store),
        InMemoryClassRosterRepository(store),
    )


def _sql_repos(engine: AsyncEngine, *, is_postgres: bool = False) -> Repos:
    async def outbox() -> list[StoredEvent]:
        columns = event_outbox.c
        query = select(columns.topic, columns.aggregate_id, columns.user_id, columns.payload)
        async with engine.connect() as conn:
            rows = (await conn.execute(query.order_by(columns.id))).all()
        return [(topic, UUID(agg), user, json.loads(payload)) for topic, agg, user, payload in rows]

    if is_postgres:
        return Repos(
            AsyncpgClassRepository(engine),
            AsyncpgStudentRepository(engine),
            AsyncpgOutboxStats(engine),
            outbox,
            AsyncpgIdempotencyStore(engine),
            lambda: _postgres_roster_imports(engine),
            AsyncpgClassRosterRepository(engine),
        )
    return Repos(
        SqlAlchemyClassRepository(engine),
        SqlAlchemyStudentRepository(engine),
        SqlAlchemyOutboxStats(engine),
        outbox,
        SqlAlchemyIdempotencyStore(engine),
        lambda: _sqlite_roster_imports(engine),
        SqlAlchemyClassRosterRepository(engine),
    )


def _postgres_roster_imports(engine: AsyncEngine) -> RosterImportRepositoryProtocol:
    from class_management_service.implementations.postgres.roster_import import (  # noqa: PLC0415
        AsyncpgRosterImportRepository,
    )

    return AsyncpgRosterImportRepository(engine)


def _sqlite_roster_imports(engine: AsyncEngine) -> RosterImportRepositoryProtocol:
    from class_management_service.implementations.sqlite.roster_import import (  # noqa: PLC0415
        SqlAlchemyRosterImportRepository,
    )

    return SqlAlchemyRosterImportRepository(engine)


@pytest.fixture
def memory_repos() -> Repos:
    return _memory_repos()


@pytest.fixture
async def sqlite_repos(sqlite_url: str) -> AsyncIterator[Repos]:
    engine = create_engine(Settings(database_url=sqlite_url))
    yield _sql_repos(engine)
    await engine.dispose()


@pytest.fixture
def postgres_repos(clean_pg: AsyncEngine) -> Repos:
    return _sql_repos(clean_pg, is_postgres=True)


@pytest.fixture(params=IMPLEMENTATIONS)
def repos(request: pytest.FixtureRequest) -> Repos:
    """The implementation under test; fixtures are looked up lazily so ``-k memory`` needs no database."""
    found = request.getfixturevalue(f"{request.param}_repos")
    assert isinstance(found, Repos)
    return found


# The association contract tests' backend table and fixtures (one entry per backend there).
from tests.contract.association_backends import association_backend, associations  # noqa: E402, F401
