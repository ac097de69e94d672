"""ClassService and StudentService through the fakes of ``tests/fakes.py``: what they decide and ask for."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID

import pytest

from class_management_service.domain import events as ev
from class_management_service.domain.errors import (
    ClassNotFoundError,
    CourseNotFoundError,
    MultipleCourseError,
)
from class_management_service.domain.models import UNSET, Actor, PageRequest, StudentFilter
from class_management_service.domain.rules import NameChange, PersonName
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.services.class_service import ClassService
from class_management_service.services.student_service import StudentService
from tests.fakes import CountingMetrics, FakeClock, RecordingClasses, RecordingStudents, sequential_ids

TEACHER = Actor("teacher-1", uuid.UUID("0000000c-0000-4000-8000-000000000001"))


@dataclass
class World:
    store: InMemoryStore
    clock: FakeClock
    metrics: CountingMetrics
    classes: RecordingClasses
    students: RecordingStudents
    class_service: ClassService
    student_service: StudentService

    def topics(self) -> list[str]:
        return [event.topic for event in self.store.outbox]

    def last_data(self, topic: str | None = None) -> dict[str, object]:
        """The data of the last event (of ``topic``, when given)."""
        events = [e for e in self.store.outbox if topic is None or e.topic == topic]
        data: dict[str, object] = json.loads(events[-1].envelope_json)["data"]
        return data

    def notifications(self) -> list[dict[str, object]]:
        return [
            json.loads(e.envelope_json)["data"]
            for e in self.store.outbox
            if e.topic == ev.TEACHER_NOTIFICATION_TOPIC
        ]


@pytest.fixture
def world() -> World:
    store, clock, metrics, ids = InMemoryStore(), FakeClock(), CountingMetrics(), sequential_ids()
    classes, students = RecordingClasses(store), RecordingStudents(store)
    return World(
        store,
        clock,
        metrics,
        classes,
        students,
        ClassService(classes, clock, metrics, new_id=lambda: next(ids)),
        StudentService(students, classes, clock, metrics, new_id=lambda: next(ids)),
    )


async def test_a_new_class_gets_the_services_id_and_clock_time_and_one_created_event(world: World) -> None:
    created = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])

    assert created.id == UUID("00000000-0000-4000-8000-000000000001")
    assert (created.created_at, created.course.code, created.student_count) == (world.clock.at, "ENG5", 0)
    assert world.topics() == [ev.CLASS_CREATED_TOPIC, ev.TEACHER_NOTIFICATION_TOPIC]
    assert world.metrics.classes_created == 1
    [notification] = world.notifications()
    assert (notification["notification_type"], notification["teacher_id"]) == (
        "class_created",
        TEACHER.user_id,
    )
    assert (notification["category"], notification["priority"]) == ("class_management", "standard")
    assert notification["class_id"] == str(created.id)


async def test_more_than_one_course_is_refused_before_the_repository_is_asked(world: World) -> None:
    with pytest.raises(MultipleCourseError):
        await world.class_service.create_class(TEACHER, "9A", ["ENG5", "ENG6"])
    with pytest.raises(MultipleCourseError):
        await world.class_service.update_class(TEACHER, uuid.uuid4(), None, ["ENG5", "ENG6"])
    assert (world.classes.created, world.classes.changes, world.store.outbox) == ([], [], [])
    assert world.metrics.classes_created == 0


async def test_an_unknown_course_writes_nothing_and_counts_nothing(world: World) -> None:
    with pytest.raises(CourseNotFoundError):
        await world.class_service.create_class(TEACHER, "9A", ["NOPE"])
    assert (world.store.outbox, world.metrics.classes_created) == ([], 0)


async def test_an_update_without_courses_keeps_the_course_and_takes_the_clock_time(world: World) -> None:
    created = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])
    world.clock.advance(timedelta(minutes=5))

    updated = await world.class_service.update_class(TEACHER, created.id, "9B", None)

    assert world.classes.changes[-1].course_code is None
    assert (updated.name, updated.course.code, updated.updated_at) == ("9B", "ENG5", world.clock.at)
    assert world.topics() == [ev.CLASS_CREATED_TOPIC, ev.TEACHER_NOTIFICATION_TOPIC, ev.CLASS_UPDATED_TOPIC]


async def test_a_deleted_class_event_lists_its_students_and_the_delete_time(world: World) -> None:
    school_class = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])
    student = await world.student_service.create_student(
        TEACHER, PersonName("Ada", "L"), None, [school_class.id]
    )
    world.clock.advance(timedelta(seconds=1))

    await world.class_service.delete_class(TEACHER, school_class.id)

    assert world.topics()[-1] == ev.CLASS_DELETED_TOPIC
    assert str(student.id) in json.dumps(world.last_data())
    with pytest.raises(ClassNotFoundError):
        await world.class_service.get_class(TEACHER, school_class.id)


async def test_an_internal_roster_read_needs_no_owner(world: World) -> None:
    school_class = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])
    await world.student_service.create_student(TEACHER, PersonName("Ada", "L"), None, [school_class.id])

    roster = await world.class_service.roster(school_class.id, None)

    assert [entry.first_name for entry in roster] == ["Ada"]
    with pytest.raises(ClassNotFoundError):
        await world.class_service.roster(school_class.id, "another-teacher")


async def test_a_new_student_gets_the_default_legal_name_and_each_class_once(world: World) -> None:
    a = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])
    b = await world.class_service.create_class(TEACHER, "9B", ["ENG5"])

    student = await world.student_service.create_student(
        TEACHER, PersonName("Ada", "Lovelace"), "ada@example.com", [b.id, a.id, b.id]
    )

    asked = world.students.created[-1]
    assert (asked.legal_full_name, asked.class_ids, asked.at) == (
        "Ada Lovelace",
        (b.id, a.id),
        world.clock.at,
    )
    assert student.class_ids == (b.id, a.id)
    assert world.topics()[-3:] == [ev.STUDENT_CREATED_TOPIC, *[ev.TEACHER_NOTIFICATION_TOPIC] * 2]
    added = [n for n in world.notifications() if n["notification_type"] == "student_added_to_class"]
    assert [(n["class_id"], n["teacher_id"], n["priority"]) for n in added] == [
        (str(b.id), TEACHER.user_id, "low"),
        (str(a.id), TEACHER.user_id, "low"),
    ]
    assert world.metrics.students_created == 1


async def test_an_update_asks_for_each_class_once_and_reports_only_real_changes(world: World) -> None:
    a = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])
    b = await world.class_service.create_class(TEACHER, "9B", ["ENG5"])
    student = await world.student_service.create_student(TEACHER, PersonName("Ada", "L"), None, [a.id])

    updated = await world.student_service.update_student(
        TEACHER, student.id, None, UNSET, [a.id, b.id, b.id], [a.id, a.id]
    )

    asked = world.students.changes[-1]
    assert (asked.add_class_ids, asked.remove_class_ids) == ((a.id, b.id), (a.id,))
    assert (asked.first_name, asked.legal_full_name, asked.email) == (None, None, UNSET)
    assert updated.class_ids == (b.id,)
    assert world.last_data(ev.STUDENT_UPDATED_TOPIC)["remove_class_ids"] == [str(a.id)]
    assert world.last_data(ev.STUDENT_UPDATED_TOPIC)["add_class_ids"] == [str(b.id)]
    assert world.topics()[-2:] == [ev.STUDENT_UPDATED_TOPIC, ev.TEACHER_NOTIFICATION_TOPIC]
    assert world.last_data()["notification_type"] == "student_added_to_class"
    assert world.last_data()["class_id"] == str(b.id)


async def test_an_update_that_joins_no_new_class_notifies_nobody(world: World) -> None:
    a = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])
    student = await world.student_service.create_student(TEACHER, PersonName("Ada", "L"), None, [a.id])
    before = len(world.store.outbox)

    await world.student_service.update_student(TEACHER, student.id, NameChange("Ada", "M"), UNSET, [a.id], [])

    assert world.topics()[before:] == [ev.STUDENT_UPDATED_TOPIC]


async def test_a_student_created_without_classes_notifies_nobody(world: World) -> None:
    await world.student_service.create_student(TEACHER, PersonName("Ada", "L"), None, [])

    assert world.topics() == [ev.STUDENT_CREATED_TOPIC]


async def test_a_student_joining_an_unknown_class_is_refused_naming_it(world: World) -> None:
    a = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])
    missing = uuid.uuid4()
    before = len(world.store.outbox)

    with pytest.raises(ClassNotFoundError) as refused:
        await world.student_service.create_student(TEACHER, PersonName("Ada", "L"), None, [a.id, missing])

    assert str(missing) in refused.value.message
    assert len(world.store.outbox) == before


async def test_a_new_name_keeps_a_legal_name_set_explicitly(world: World) -> None:
    student = await world.student_service.create_student(
        TEACHER, PersonName("Ada", "Lovelace", "Augusta Ada King"), None, []
    )

    updated = await world.student_service.update_student(
        TEACHER, student.id, NameChange(last_name="Byron"), None, [], []
    )

    assert (updated.first_name, updated.last_name, updated.legal_full_name) == (
        "Ada",
        "Byron",
        "Augusta Ada King",
    )
    asked = world.students.changes[-1]
    assert (asked.first_name, asked.last_name, asked.legal_full_name) == (None, "Byron", None)


async def test_an_update_that_changes_nothing_publishes_nothing(world: World) -> None:
    a = await world.class_service.create_class(TEACHER, "9A", ["ENG5"])
    student = await world.student_service.create_student(TEACHER, PersonName("Ada", "L"), None, [a.id])
    before = len(world.store.outbox)

    same = await world.student_service.update_student(
        TEACHER, student.id, NameChange("Ada"), UNSET, [a.id], []
    )
    same_class = await world.class_service.update_class(TEACHER, a.id, "9A", ["eng5"])

    assert (same, same_class) == (student, replace(a, student_count=1))
    assert len(world.store.outbox) == before


async def test_course_codes_are_case_insensitive(world: World) -> None:
    created = await world.class_service.create_class(TEACHER, "9A", ["eng5"])
    updated = await world.class_service.update_class(TEACHER, created.id, None, ["sv1"])

    assert (created.course.code, updated.course.code) == ("ENG5", "SV1")


async def test_students_are_listed_and_deleted_for_their_teacher_only(world: World) -> None:
    student = await world.student_service.create_student(TEACHER, PersonName("Ada", "L"), None, [])
    other = Actor("teacher-2", uuid.uuid4())

    assert (await world.student_service.list_students(other, PageRequest(), StudentFilter())).total == 0
    await world.student_service.delete_student(TEACHER, student.id)

    assert world.topics()[-1] == ev.STUDENT_DELETED_TOPIC
    assert (await world.student_service.list_students(TEACHER, PageRequest(), StudentFilter())).total == 0
