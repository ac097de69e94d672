"""What the SQL repositories have: the outbox row itself, constraints, cascades, locks, outages.

Each scenario runs on each SQL backend: asyncpg on PostgreSQL, SQLAlchemy on SQLite."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.domain import event_builders
from class_management_service.domain.errors import (
    ClassNotFoundError,
    DuplicateStudentEmailError,
    RepositoryUnavailableError,
)
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import (
    UNSET,
    Actor,
    NewClass,
    NewStudent,
    PageRequest,
    SchoolClass,
    StudentChanges,
    StudentFilter,
)
from class_management_service.implementations.postgres import engine as postgres_engine
from class_management_service.implementations.postgres.outbox_stats import AsyncpgOutboxStats
from class_management_service.implementations.sqlite.outbox_writer import SqlAlchemyOutboxStats
from class_management_service.models_db import class_students, event_outbox, students
from class_management_service.models_db_matching import association_batches, essay_students
from class_management_service.protocols import ClassRepositoryProtocol, StudentRepositoryProtocol
from tests.conftest import unique_email, unique_user
from tests.integration.repository_helpers import (
    AT,
    BACKENDS,
    class_repository,
    closed_port,
    kill_backends_of,
    no_events,
    outbox_rows_of,
    student_repository,
)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> str:
    return str(request.getfixturevalue(f"{backend}_url"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
def class_repo(backend: str, engine: AsyncEngine) -> ClassRepositoryProtocol:
    return class_repository(backend, engine)


@pytest.fixture
def student_repo(backend: str, engine: AsyncEngine) -> StudentRepositoryProtocol:
    return student_repository(backend, engine)


def _new_class(owner: str, at: datetime = AT) -> NewClass:
    return NewClass(uuid.uuid4(), "7A", "ENG5", owner, at)


def _new_student(owner: str, email: str | None = None, class_ids: tuple[UUID, ...] = ()) -> NewStudent:
    return NewStudent(uuid.uuid4(), "Ada", "Lovelace", "Ada Lovelace", email, class_ids, owner, AT)


def _adding(class_id: UUID) -> StudentChanges:
    return StudentChanges(None, None, None, UNSET, (class_id,), (), datetime.now(UTC))


async def _count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def test_a_write_leaves_exactly_one_outbox_row_holding_the_built_envelope_when_it_succeeds(
    engine: AsyncEngine, class_repo: ClassRepositoryProtocol, student_repo: StudentRepositoryProtocol
) -> None:
    owner = unique_user()
    actor = Actor(owner, uuid.uuid4())
    school_class = await class_repo.create(_new_class(owner), no_events)
    built: list[OutboxEvent] = []

    def events(student: Any) -> list[OutboxEvent]:
        built.append(event_builders.student_created(student, actor))
        return built

    student = await student_repo.create(_new_student(owner, unique_email(), (school_class.id,)), events)

    [row] = await outbox_rows_of(engine, student.id)
    [sent] = built
    assert (row.event_id, row.topic, row.aggregate_type) == (sent.event_id, sent.topic, "student")
    assert (row.aggregate_id, row.user_id, row.correlation_id) == (
        str(student.id),
        owner,
        actor.correlation_id,
    )
    assert row.payload == sent.envelope_json
    assert row.occurred_at.replace(tzinfo=UTC) == AT
    assert (row.attempts, row.last_error, row.next_attempt_at, row.published_at) == (0, None, None, None)


async def test_a_refused_student_write_leaves_no_row_anywhere_when_email_is_taken_or_a_class_is_foreign(
    engine: AsyncEngine, class_repo: ClassRepositoryProtocol, student_repo: StudentRepositoryProtocol
) -> None:
    owner, email = unique_user(), unique_email()
    mine = await class_repo.create(_new_class(owner), no_events)
    foreign = await class_repo.create(_new_class(unique_user()), no_events)
    existing = await student_repo.create(_new_student(owner, email), no_events)
    duplicate = _new_student(owner, email.upper(), (mine.id,))
    trespass = _new_student(owner, unique_email(), (mine.id, foreign.id))

    with pytest.raises(DuplicateStudentEmailError):
        await student_repo.create(duplicate, no_events)
    with pytest.raises(ClassNotFoundError) as refused:
        await student_repo.create(trespass, no_events)
    renamed = StudentChanges("Bea", "B", "Bea B", UNSET, (mine.id, foreign.id), (), AT)
    with pytest.raises(ClassNotFoundError):
        await student_repo.update(owner, existing.id, renamed, no_events)

    assert refused.value.details == {"class_ids": [str(foreign.id)]}
    refused_ids = (duplicate.id, trespass.id)
    assert await _count(engine, students, students.c.id.in_(refused_ids)) == 0
    assert await _count(engine, class_students, class_students.c.class_id == mine.id) == 0
    assert await _count(engine, event_outbox, event_outbox.c.user_id == owner) == 0
    assert (await student_repo.get(owner, existing.id)).first_name == "Ada"


async def test_the_unique_index_refuses_a_second_email_when_only_the_case_differs(
    engine: AsyncEngine, student_repo: StudentRepositoryProtocol
) -> None:
    owner, email = unique_user(), unique_email()
    await student_repo.create(_new_student(owner, email), no_events)
    row = {"first_name": "A", "last_name": "B", "legal_full_name": "A B", "created_at": AT, "updated_at": AT}

    async with engine.begin() as connection:
        other_teacher = {**row, "id": uuid.uuid4(), "email": email, "created_by_user_id": unique_user()}
        await connection.execute(insert(students).values(other_teacher))
    same_teacher = {**row, "id": uuid.uuid4(), "email": email.upper(), "created_by_user_id": owner}
    async with engine.begin() as connection:
        with pytest.raises(IntegrityError, match="uq_students_owner_email_lower"):
            await connection.execute(insert(students).values(same_teacher))


async def test_deleting_cascades_to_memberships_and_essay_matches_when_a_class_or_student_goes(
    engine: AsyncEngine, class_repo: ClassRepositoryProtocol, student_repo: StudentRepositoryProtocol
) -> None:
    owner = unique_user()
    first, second = [await class_repo.create(_new_class(owner), no_events) for _ in range(2)]
    kept = await student_repo.create(_new_student(owner, class_ids=(first.id, second.id)), no_events)
    leaving = await student_repo.create(_new_student(owner, class_ids=(second.id,)), no_events)
    matches = [(kept.id, first.id), (kept.id, second.id), (leaving.id, second.id)]
    async with engine.begin() as connection:
        for school_class in (first, second):
            await connection.execute(insert(association_batches).values(_decided_batch(school_class.id)))
        for student_id, class_id in matches:
            await connection.execute(insert(essay_students).values(_decided_essay(student_id, class_id)))

    await class_repo.delete(owner, first.id, no_events, at=datetime.now(UTC))
    await student_repo.delete(owner, leaving.id, no_events, at=datetime.now(UTC))

    members = [(row.student_id, row.class_id) for row in await _memberships_of_teacher(engine, owner)]
    assert members == [(kept.id, second.id)]
    # The class's essays go with it; a deleted student's decision stays, without its student.
    async with engine.connect() as connection:
        query = select(essay_students.c.student_id).where(
            essay_students.c.class_id.in_([first.id, second.id])
        )
        decided = sorted((await connection.execute(query)).scalars(), key=lambda found: found is None)
    assert decided == [kept.id, None]
    assert (await student_repo.get(owner, kept.id)).class_ids == (second.id,)


def _decided_batch(class_id: UUID) -> dict[str, Any]:
    return {
        "batch_id": f"batch-of-{class_id}",
        "class_id": class_id,
        "course_code": "ENG5",
        "correlation_id": uuid.uuid4(),
        "received_at": AT,
        "deadline_at": AT,
        "completed_at": AT,
    }


def _decided_essay(student_id: UUID, class_id: UUID) -> dict[str, Any]:
    return {
        "essay_id": f"essay-{uuid.uuid4()}",
        "batch_id": f"batch-of-{class_id}",
        "class_id": class_id,
        "position": 0,
        "student_id": student_id,
        "validation_status": "confirmed",
        "validation_method": "human",
        "validated_at": AT,
        "created_at": AT,
    }


async def _memberships_of_teacher(engine: AsyncEngine, owner: str) -> list[Any]:
    owned = select(students.c.id).where(students.c.created_by_user_id == owner)
    query = select(class_students).where(class_students.c.student_id.in_(owned))
    async with engine.connect() as connection:
        return list((await connection.execute(query)).all())


async def test_outbox_ids_follow_commit_order_when_fifty_updates_of_one_student_race(
    engine: AsyncEngine, class_repo: ClassRepositoryProtocol, student_repo: StudentRepositoryProtocol
) -> None:
    owner = unique_user()
    actor = Actor(owner, uuid.uuid4())
    school_classes = [await class_repo.create(_new_class(owner), no_events) for _ in range(50)]
    student = await student_repo.create(_new_student(owner), no_events)

    def events(update: Any) -> list[OutboxEvent]:
        return [event_builders.student_updated(update, actor)]

    updates = await asyncio.gather(
        *(student_repo.update(owner, student.id, _adding(c.id), events) for c in school_classes)
    )

    # Updates are serialised by the row lock: the n-th to commit sees n memberships.
    commit_rank = {u.added_class_ids[0]: len(u.student.class_ids) for u in updates}
    assert sorted(commit_rank.values()) == list(range(1, 51))
    rows = await outbox_rows_of(engine, student.id)
    added_in_id_order = [UUID(json.loads(row.payload)["data"]["add_class_ids"][0]) for row in rows]
    assert [commit_rank[class_id] for class_id in added_in_id_order] == list(range(1, 51))
    assert set((await student_repo.get(owner, student.id)).class_ids) == set(commit_rank)


async def test_timestamps_read_back_as_aware_utc_and_sort_by_instant_when_written_with_other_offsets(
    class_repo: ClassRepositoryProtocol,
) -> None:
    owner = unique_user()
    plus_two = timezone(timedelta(hours=2))
    earlier = await class_repo.create(
        _new_class(owner, datetime(2025, 6, 1, 12, 0, tzinfo=plus_two)), no_events
    )
    later = await class_repo.create(_new_class(owner, datetime(2025, 6, 1, 11, 0, tzinfo=UTC)), no_events)

    page = await class_repo.list(owner, PageRequest())
    fetched = await class_repo.get(owner, earlier.id)

    assert [c.id for c in page.items] == [later.id, earlier.id]
    assert fetched.created_at == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
    assert fetched.created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("backend", ["sqlite"])  # counts SQLAlchemy's cursor executes
async def test_listing_runs_a_fixed_number_of_selects_when_every_row_has_memberships(
    engine: AsyncEngine, class_repo: ClassRepositoryProtocol, student_repo: StudentRepositoryProtocol
) -> None:
    owner = unique_user()
    school_classes: list[SchoolClass] = [
        await class_repo.create(_new_class(owner), no_events) for _ in range(3)
    ]
    class_ids = tuple(c.id for c in school_classes)
    for _ in range(5):
        await student_repo.create(_new_student(owner, class_ids=class_ids), no_events)
    selects: list[str] = []
    counter = _select_counter(selects)
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    try:
        classes_page = await class_repo.list(owner, PageRequest())
        class_selects = len(selects)
        students_page = await student_repo.list(owner, PageRequest(), StudentFilter(class_id=class_ids[0]))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", counter)

    assert [c.student_count for c in classes_page.items] == [5, 5, 5]
    assert all(s.class_ids == class_ids for s in students_page.items)
    assert (class_selects, len(selects) - class_selects) == (
        2,
        4,
    )  # page + total; + class check + memberships


def _select_counter(selects: list[str]) -> Callable[..., None]:
    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    return count


@pytest.fixture
async def unreachable_engine(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if backend == "postgres":
        url = f"postgresql+asyncpg://cms:cms@127.0.0.1:{closed_port()}/cms"
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}"  # a directory cannot be opened as a database file
    engine = create_engine(Settings(database_url=url))
    yield engine
    await engine.dispose()


async def test_every_kind_of_call_raises_repository_unavailable_when_the_database_cannot_be_reached(
    unreachable_engine: AsyncEngine, backend: str
) -> None:
    owner = unique_user()
    class_repo = class_repository(backend, unreachable_engine)
    student_repo = student_repository(backend, unreachable_engine)
    stats = (
        AsyncpgOutboxStats(unreachable_engine)
        if backend == "postgres"
        else SqlAlchemyOutboxStats(unreachable_engine)
    )

    with pytest.raises(RepositoryUnavailableError):
        await class_repo.get(owner, uuid.uuid4())
    with pytest.raises(RepositoryUnavailableError):
        await student_repo.create(_new_student(owner), no_events)
    with pytest.raises(RepositoryUnavailableError):
        await stats.pending()


async def test_a_call_raises_repository_unavailable_when_the_pool_stays_exhausted(postgres_url: str) -> None:
    settings = Settings(
        database_url=postgres_url,
        database_pool_size=1,
        database_max_overflow=0,
        database_pool_timeout_s=0.1,
    )
    engine = create_engine(settings)
    try:
        async with engine.connect():
            with pytest.raises(RepositoryUnavailableError):
                await class_repository("postgres", engine).get(unique_user(), uuid.uuid4())
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("idle_ping_after_s", "is_first_call_refused"), [(0.0, False), (3600.0, True)])
async def test_a_killed_pooled_connection_costs_at_most_the_call_that_meets_it_when_postgres_drops_it(
    postgres_url: str,
    pg_engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    idle_ping_after_s: float,
    is_first_call_refused: bool,
) -> None:
    monkeypatch.setattr(postgres_engine, "IDLE_PING_AFTER_S", idle_ping_after_s)
    engine = create_engine(Settings(database_url=postgres_url, database_pool_size=1, database_max_overflow=0))
    repo = class_repository("postgres", engine)
    owner = unique_user()
    school_class = await repo.create(_new_class(owner), no_events)
    try:
        await kill_backends_of(engine, pg_engine)

        # Past the idle threshold the checkout pings, finds the connection dead and replaces it.
        if is_first_call_refused:
            with pytest.raises(RepositoryUnavailableError):
                await repo.get(owner, school_class.id)
        assert (await repo.get(owner, school_class.id)).id == school_class.id
    finally:
        await engine.dispose()
