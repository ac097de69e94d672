"""The asyncpg repositories' use of the engine's pool: round trips, clean returns, outages.

Pool exhaustion and killed connections, shared with the SQLAlchemy repositories, are in
``test_sql_repositories.py``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.domain import event_builders as eb
from class_management_service.domain.errors import ClassNotFoundError, RepositoryUnavailableError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import (
    UNSET,
    Actor,
    ClassChanges,
    NewClass,
    NewStudent,
    PageRequest,
    SchoolClass,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
)
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from tests.conftest import unique_email, unique_user
from tests.integration.repository_helpers import closed_port, no_events


@pytest.fixture
async def one_connection(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine whose pool holds a single connection, so every call meets the same one."""
    engine = create_engine(Settings(database_url=postgres_url, database_pool_size=1, database_max_overflow=0))
    yield engine
    await engine.dispose()


async def _driver_connection(engine: AsyncEngine) -> Any:
    async with pg_connection(engine) as connection:
        return connection


def _now() -> datetime:
    return datetime.now(UTC)


async def test_each_call_makes_its_documented_round_trips_and_returning_the_connection_none(
    one_connection: AsyncEngine,
) -> None:
    classes, students = AsyncpgClassRepository(one_connection), AsyncpgStudentRepository(one_connection)
    owner = unique_user()
    actor = Actor(owner, uuid.uuid4())
    made: dict[str, Any] = {}

    async def create_class() -> None:
        new = NewClass(uuid.uuid4(), "7A", "ENG5", owner, _now())
        made["class"] = await classes.create(new, lambda c: [eb.class_created(c, actor)])

    async def create_student() -> None:
        new = NewStudent(uuid.uuid4(), "A", "B", "A B", unique_email(), (made["class"].id,), owner, _now())
        made["student"] = await students.create(new, lambda s: [eb.student_created(s, actor)])

    def rename(name: str) -> StudentChanges:
        return StudentChanges(name, None, None, UNSET, (), (), _now())

    def updated(school_class: SchoolClass) -> list[OutboxEvent]:
        return [eb.class_updated(school_class, actor)]

    def student_updated(update: StudentUpdate) -> list[OutboxEvent]:
        return [eb.student_updated(update, actor)]

    calls: list[tuple[int, Callable[[], Awaitable[object]]]] = [
        (1, create_class),
        (1, lambda: classes.get(owner, made["class"].id)),
        (1, lambda: classes.list(owner, PageRequest())),
        (1, lambda: classes.roster(made["class"].id, owner)),
        # Locked and read first: an update that changes nothing writes nothing.
        (5, lambda: classes.update(owner, made["class"].id, ClassChanges("7B", None, _now()), updated)),
        (3, lambda: classes.update(owner, made["class"].id, ClassChanges("7B", None, _now()), updated)),
        (1, create_student),
        (1, lambda: students.get(owner, made["student"].id)),
        (1, lambda: students.list(owner, PageRequest(), StudentFilter(made["class"].id, "a"))),
        (5, lambda: students.update(owner, made["student"].id, rename("C"), student_updated)),
        (4, lambda: students.update(owner, made["student"].id, rename("C"), student_updated)),
        # A delete reads the pending essays it guards after its row lock: one round trip more.
        (
            6,
            lambda: students.delete(
                owner, made["student"].id, lambda d: [eb.student_deleted(d, actor, _now())], at=_now()
            ),
        ),
        (
            6,
            lambda: classes.delete(
                owner, made["class"].id, lambda d: [eb.class_deleted(d, actor, _now())], at=_now()
            ),
        ),
    ]
    await create_class()  # the catalog of courses is loaded once, on first use
    logged: list[str] = []

    def log(record: Any) -> None:
        logged.append(record.query)

    driver = await _driver_connection(one_connection)
    driver.add_query_logger(log)
    try:
        for expected, call in calls:
            logged.clear()
            await call()
            await asyncio.sleep(0)  # loggers run as callbacks
            assert len(logged) == expected, logged
    finally:
        driver.remove_query_logger(log)
    assert not driver.is_in_transaction()


@pytest.fixture
async def many_classes(one_connection: AsyncEngine) -> AsyncIterator[None]:
    """100,000 classes of another teacher, analysed: a size at which PostgreSQL's plan choices differ."""
    owner = unique_user()
    async with pg_connection(one_connection) as connection:
        await connection.execute(
            "INSERT INTO classes (id, name, course_id, created_by_user_id, created_at, updated_at) "
            "SELECT gen_random_uuid(), 'C', (SELECT id FROM courses WHERE course_code = 'ENG5'), $1, "
            "now(), now() FROM generate_series(1, 100000)",
            owner,
        )
        await connection.execute("ANALYZE classes")
    yield
    async with pg_connection(one_connection) as connection:
        await connection.execute("DELETE FROM classes WHERE created_by_user_id = $1", owner)


async def test_creating_and_renaming_students_in_no_class_keeps_one_plan_however_many_classes_exist(
    one_connection: AsyncEngine, many_classes: None
) -> None:
    # PostgreSQL plans a prepared statement's first five calls for their values, then keeps one
    # generic plan unless those custom plans looked cheaper. A statement that reads the classes
    # table (as enrolling must) was planned afresh on every call at this size.
    students, owner = AsyncpgStudentRepository(one_connection), unique_user()
    actor = Actor(owner, uuid.uuid4())
    for _ in range(8):
        new = NewStudent(uuid.uuid4(), "A", "B", "A B", unique_email(), (), owner, _now())
        created = await students.create(new, lambda student: [eb.student_created(student, actor)])
        rename = StudentChanges("C", None, None, UNSET, (), (), _now())
        await students.update(owner, created.id, rename, lambda update: [eb.student_updated(update, actor)])
    async with pg_connection(one_connection) as connection:
        plans = await connection.fetch(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE generic_plans + custom_plans = 8"
        )
    assert len(plans) == 4  # create; lock, memberships, and the write of the rename
    assert [row["statement"] for row in plans if row["custom_plans"] > 5] == []


async def test_a_refused_write_rolls_its_transaction_back_and_leaves_the_connection_clean(
    one_connection: AsyncEngine,
) -> None:
    classes, students = AsyncpgClassRepository(one_connection), AsyncpgStudentRepository(one_connection)
    owner = unique_user()
    school_class = await classes.create(NewClass(uuid.uuid4(), "7A", "ENG5", owner, _now()), no_events)
    student = await students.create(
        NewStudent(uuid.uuid4(), "A", "B", "A B", None, (), owner, _now()), no_events
    )
    refused = StudentChanges("Changed", None, None, UNSET, (uuid.uuid4(),), (), _now())

    with pytest.raises(ClassNotFoundError):
        await students.update(owner, student.id, refused, no_events)
    with pytest.raises(asyncpg.StringDataRightTruncationError):
        await classes.update(owner, school_class.id, ClassChanges("x" * 300, None, _now()), no_events)

    assert not (await _driver_connection(one_connection)).is_in_transaction()
    assert (await students.get(owner, student.id)).first_name == "A"
    assert (await classes.get(owner, school_class.id)).name == "7A"


async def test_a_call_cancelled_inside_its_transaction_leaves_the_pool_usable(
    one_connection: AsyncEngine, postgres_url: str
) -> None:
    students = AsyncpgStudentRepository(one_connection)
    owner = unique_user()
    student = await students.create(
        NewStudent(uuid.uuid4(), "A", "B", "A B", None, (), owner, _now()), no_events
    )
    blocker = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
    try:
        async with blocker.transaction():
            await blocker.execute("SELECT 1 FROM students WHERE id = $1 FOR UPDATE", student.id)
            waiting = asyncio.create_task(
                students.update(
                    owner, student.id, StudentChanges("C", None, None, UNSET, (), (), _now()), no_events
                )
            )
            await asyncio.sleep(0.2)  # the UPDATE now waits for the row lock
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
    finally:
        await blocker.close()

    assert (await students.get(owner, student.id)).first_name == "A"
    assert not (await _driver_connection(one_connection)).is_in_transaction()


async def test_calls_raise_repository_unavailable_when_the_database_cannot_be_reached() -> None:
    engine = create_engine(
        Settings(database_url=f"postgresql+asyncpg://cms:cms@127.0.0.1:{closed_port()}/cms")
    )
    try:
        with pytest.raises(RepositoryUnavailableError):
            await AsyncpgClassRepository(engine).get(unique_user(), uuid.uuid4())
        new = NewStudent(uuid.uuid4(), "A", "B", "A B", None, (), unique_user(), _now())
        with pytest.raises(RepositoryUnavailableError):
            await AsyncpgStudentRepository(engine).create(new, no_events)
    finally:
        await engine.dispose()
