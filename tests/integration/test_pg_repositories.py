"""What only the asyncpg repositories have: the course cache, and their rows as the SQL ones write them."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain import event_builders as eb
from class_management_service.domain.errors import CourseNotFoundError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import (
    UNSET,
    Actor,
    Course,
    NewClass,
    NewStudent,
    SchoolClass,
    StudentChanges,
    StudentUpdate,
)
from class_management_service.implementations.pg_class_repository import AsyncpgClassRepository
from class_management_service.implementations.pg_student_repository import AsyncpgStudentRepository
from tests.conftest import unique_email, unique_user
from tests.integration.test_sql_repositories import AT, _outbox_rows


def _no_events(_: object) -> list[OutboxEvent]:
    return []


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
    await classes.create(NewClass(uuid.uuid4(), "7A", "ENG5", owner, AT), _no_events)
    with pytest.raises(CourseNotFoundError):
        await classes.create(NewClass(uuid.uuid4(), "7B", course.code, owner, AT), _no_events)

    await _store_course(clean_pg, course)
    created = await classes.create(NewClass(uuid.uuid4(), "7B", course.code, owner, AT), _no_events)

    assert created.course == course
    assert (await classes.get(owner, created.id)).course == course


async def test_a_class_created_after_its_course_changed_carries_the_stored_course(
    clean_pg: AsyncEngine, course: Course
) -> None:
    await _store_course(clean_pg, course)
    classes, owner = AsyncpgClassRepository(clean_pg), unique_user()
    await classes.create(NewClass(uuid.uuid4(), "7A", course.code, owner, AT), _no_events)
    renamed = Course(course.code, "Renamed course", "en")
    await _store_course(clean_pg, renamed)
    built: list[SchoolClass] = []

    def events(school_class: SchoolClass) -> list[OutboxEvent]:
        built.append(school_class)
        return [eb.class_created(school_class, Actor(owner, uuid.uuid4()))]

    created = await classes.create(NewClass(uuid.uuid4(), "7B", course.code, owner, AT), events)

    assert created.course == renamed
    assert [c.course for c in built] == [course, renamed]  # the first outcome was discarded
    assert len(await _outbox_rows(clean_pg, created.id)) == 1


async def test_a_write_stores_the_outbox_row_with_every_column_the_sqlalchemy_repository_writes(
    clean_pg: AsyncEngine,
) -> None:
    classes, students = AsyncpgClassRepository(clean_pg), AsyncpgStudentRepository(clean_pg)
    owner = unique_user()
    actor = Actor(owner, uuid.uuid4())
    school_class = await classes.create(NewClass(uuid.uuid4(), "7A", "ENG5", owner, AT), _no_events)
    built: list[OutboxEvent] = []

    def events(student: Any) -> list[OutboxEvent]:
        built.append(eb.student_created(student, actor))
        return built

    new = NewStudent(uuid.uuid4(), "Ada", "L", "Ada L", unique_email(), (school_class.id,), owner, AT)
    student = await students.create(new, events)

    [row] = await _outbox_rows(clean_pg, student.id)
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


async def test_outbox_ids_follow_commit_order_when_fifty_updates_of_one_student_race(
    clean_pg: AsyncEngine,
) -> None:
    classes, students = AsyncpgClassRepository(clean_pg), AsyncpgStudentRepository(clean_pg)
    owner = unique_user()
    actor = Actor(owner, uuid.uuid4())
    school_classes = [
        await classes.create(NewClass(uuid.uuid4(), "7A", "ENG5", owner, AT), _no_events) for _ in range(50)
    ]
    student = await students.create(
        NewStudent(uuid.uuid4(), "A", "B", "A B", None, (), owner, AT), _no_events
    )

    def events(update: StudentUpdate) -> list[OutboxEvent]:
        return [eb.student_updated(update, actor)]

    def adding(class_id: UUID) -> StudentChanges:
        return StudentChanges(None, None, None, UNSET, (class_id,), (), datetime.now(UTC))

    updates = await asyncio.gather(
        *(students.update(owner, student.id, adding(c.id), events) for c in school_classes)
    )

    # Updates are serialised by the row lock: the n-th to commit sees n memberships.
    commit_rank = {u.added_class_ids[0]: len(u.student.class_ids) for u in updates}
    assert sorted(commit_rank.values()) == list(range(1, 51))
    rows = await _outbox_rows(clean_pg, student.id)
    added_in_id_order = [UUID(json.loads(row.payload)["data"]["add_class_ids"][0]) for row in rows]
    assert [commit_rank[class_id] for class_id in added_in_id_order] == list(range(1, 51))
    assert set((await students.get(owner, student.id)).class_ids) == set(commit_rank)
