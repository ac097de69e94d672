"""AssociationService on the in-memory repository: who decides, when, and what the lookups answer."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from class_management_service.domain import association_event_builders
from class_management_service.domain import events as ev
from class_management_service.domain.association_decisions import Decision
from class_management_service.domain.association_suggestions import StudentSuggestion
from class_management_service.domain.errors import BatchNotFoundError
from class_management_service.domain.models import Actor, SchoolClass, Student
from class_management_service.domain.rules import PersonName
from class_management_service.implementations.memory.association_repository import (
    InMemoryAssociationRepository,
)
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.services.association_service import AssociationService
from class_management_service.services.class_service import ClassService
from class_management_service.services.student_service import StudentService
from tests.fakes import CountingMetrics, FakeClock, RecordingClasses, RecordingStudents
from tests.unit.association_samples import suggested_batch, suggested_essay

TEACHER = Actor("teacher-1", uuid.UUID("0000000c-0000-4000-8000-000000000001"))


@dataclass
class World:
    store: InMemoryStore
    clock: FakeClock
    service: AssociationService
    school_class: SchoolClass
    ada: Student


@pytest.fixture
async def world() -> World:
    store, clock, metrics = InMemoryStore(), FakeClock(), CountingMetrics()
    classes, students = RecordingClasses(store), RecordingStudents(store)
    school_class = await ClassService(classes, clock, metrics).create_class(TEACHER, "9A", ["ENG5"])
    student_service = StudentService(students, classes, clock, metrics)
    ada = await student_service.create_student(TEACHER, PersonName("Ada", "L"), None, [school_class.id])
    repository = InMemoryAssociationRepository(store)
    return World(store, clock, AssociationService(repository, clock), school_class, ada)


async def _seed(world: World, batch_id: str = "batch-1") -> None:
    candidate = StudentSuggestion(world.ada.id, "Ada L", None, 0.9, ("exact_name",))
    batch = suggested_batch(suggested_essay("e1", candidate), suggested_essay("e2"), batch_id=batch_id)
    batch = replace(batch, class_id=world.school_class.id)
    repository = InMemoryAssociationRepository(world.store)
    await repository.ingest(batch, association_event_builders.suggestions_ready)


async def test_decisions_are_the_actors_at_the_clocks_time_and_completion_is_announced(world: World) -> None:
    await _seed(world)
    world.clock.advance(timedelta(minutes=3))

    partial = await world.service.confirm(TEACHER, "batch-1", [Decision("e1", world.ada.id, confirmed=True)])
    done = await world.service.confirm(TEACHER, "batch-1", [Decision("e2", None, confirmed=False)])

    decided = {essay.essay_id: essay for essay in done.review.essays}
    assert (partial.completed, decided["e1"].validated_by, decided["e1"].validated_at) == (
        None,
        TEACHER.user_id,
        world.clock.at,
    )
    assert done.completed is not None
    assert done.review.batch.completed_at == world.clock.at
    topics = [event.topic for event in world.store.outbox]
    assert topics[-2:] == [ev.ASSOCIATIONS_CONFIRMED_TOPIC, ev.TEACHER_NOTIFICATION_TOPIC]
    assert json.loads(world.store.outbox[-2].envelope_json)["data"]["validation_summary"]["rejected"] == 1


async def test_another_teacher_cannot_see_or_decide_the_batch(world: World) -> None:
    await _seed(world)
    stranger = Actor("teacher-2", uuid.uuid4())

    with pytest.raises(BatchNotFoundError):
        await world.service.review(stranger, "batch-1")
    with pytest.raises(BatchNotFoundError):
        await world.service.confirm(stranger, "batch-1", [Decision("e2", None, confirmed=False)])


async def test_internal_lookups_answer_every_requested_id_in_order(world: World) -> None:
    await _seed(world)

    info = await world.service.class_info(["nope", "batch-1"])
    status = await world.service.validation_status(["batch-1", "nope"])

    assert list(info) == ["nope", "batch-1"]
    assert info["nope"] is None
    assert info["batch-1"] is not None
    assert (info["batch-1"].class_id, info["batch-1"].class_name) == (world.school_class.id, "9A")
    assert status["nope"] is None
    assert status["batch-1"] is not None
    assert (status["batch-1"].total, status["batch-1"].pending) == (2, 2)
    assert (await world.service.essay("e1")).batch_id == "batch-1"
    assert [e.essay_id for e in (await world.service.batch_review("batch-1")).essays] == ["e1", "e2"]
