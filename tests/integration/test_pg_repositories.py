"""What only the asyncpg repositories have: the course cache, and their rows as the SQL ones write them.

The fifty-updates commit-order race, shared with the SQLAlchemy repositories, is in
``test_sql_repositories.py``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain import event_builders as eb
from class_management_service.domain.errors import CourseNotFoundError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import (
    Actor,
    Course,
    NewClass,
    NewStudent,
    SchoolClass,
)
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from tests.conftest import unique_email, unique_user
from tests.integration.repository_helpers import AT, no_events, outbox_rows_of


@pytest.fixture
async def course(clean_pg: AsyncEngine) -> AsyncIterator[Course]:
    """A course only this test knows, removed afterwards with the classes bound to it."""
    added = Course(f"T{uuid.uuid4().hex[:8].upper()}", "Test course", "sv")
    yield added
    async with clean_pg.begin() as connection:
        await connection.execute(
            text("DELETE FROM classes WHERE course_id IN (SELECT id FROM courses WHERE course_code = :code)"),
            {"code": added.code},
        )
        await connection.execute(text("DELETE FROM courses WHERE course_code = :code"), {"code": added.code})


async def _store_course(engine: AsyncEngine, course: Course) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO courses (id, course_code, name, language) VALUES (:id, :code, :name, :language) "
                "ON CONFLICT (course_code) DO UPDATE SET name = excluded.name, language = excluded.language"
            ),
            {"id": uuid.uuid4(), "code": course.code, "name": course.name, "language": course.language},
        )


async def test_a_course_added_after_the_cache_was_loaded_is_found_without_a_restart(
    clean_pg: AsyncEngine, course: Course
) -> None:
    classes, owner = AsyncpgClassRepository(clean_pg), unique_user()
    await classes.create(NewClass(uuid.uuid4(), "7A", "ENG5", owner, AT), no_events)
    with pytest.raises(CourseNotFoundError):
        await classes.create(NewClass(uuid.uuid4(), "7B", course.code, owner, AT), no_events)

    await _store_course(clean_pg, course)
    created = await classes.create(NewClass(uuid.uuid4(), "7B", course.code, owner, AT), no_events)

    assert created.course == course
    assert (await classes.get(owner, created.id)).course == course


async def test_a_class_created_after_its_course_changed_carries_the_stored_course(
    clean_pg: AsyncEngine, course: Course
) -> None:
    await _store_course(clean_pg, course)
    classes, owner = AsyncpgClassRepository(clean_pg), unique_user()
    await classes.create(NewClass(uuid.uuid4(), "7A", course.code, owner, AT), no_events)
    renamed = Course(course.code, "Renamed course", "en")
    await _store_course(clean_pg, renamed)
    built: list[SchoolClass] = []

    def events(school_class: SchoolClass) -> list[OutboxEvent]:
        built.append(school_class)
        return [eb.class_created(school_class, Actor(owner, uuid.uuid4()))]

    created = await classes.create(NewClass(uuid.uuid4(), "7B", course.code, owner, AT), events)

    assert created.course == renamed
    assert [c.course for c in built] == [course, renamed]  # the first outcome was discarded
    assert len(await outbox_rows_of(clean_pg, created.id)) == 1


async def test_a_write_stores_the_outbox_row_with_every_column_the_sqlalchemy_repository_writes(
    clean_pg: AsyncEngine,
) -> None:
    classes, students = AsyncpgClassRepository(clean_pg), AsyncpgStudentRepository(clean_pg)
    owner = unique_user()
    actor = Actor(owner, uuid.uuid4())
    school_class = await classes.create(NewClass(uuid.uuid4(), "7A", "ENG5", owner, AT), no_events)
    built: list[OutboxEvent] = []

    def events(student: Any) -> list[OutboxEvent]:
        built.append(eb.student_created(student, actor))
        return built

    new = NewStudent(uuid.uuid4(), "Ada", "L", "Ada L", unique_email(), (school_class.id,), owner, AT)
    student = await students.create(new, events)

    [row] = await outbox_rows_of(clean_pg, student.id)
    [sent] = built
    assert (row.event_id, row.topic, row.aggregate_type) == (sent.event_id, sent.topic, "student")
    assert (row.aggregate_id, row.user_id, row.correlation_id) == (
        str(student.id),
        owner,
        actor.correlation_id,
    )
    assert row.payload == sent.envelope_json
    assert row.occurred_at == AT
    assert (row.attempts, row.last_error, row.next_attempt_at, row.published_at) == (0, None, None, None)
    assert row.created_at is not None
