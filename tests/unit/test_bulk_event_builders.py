"""The bulk builders write the same envelopes, byte for byte, as the single-student builders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from class_management_service.domain import bulk_event_builders, event_builders
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import Actor, Student, StudentUpdate

# Any text pydantic can write: every code point but the lone surrogates (no valid str holds them
# after UTF-8 decoding), control characters and quotes included.
_texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_moments = st.datetimes(
    min_value=datetime(1, 1, 2),  # noqa: DTZ001 - hypothesis bounds are naive; ``timezones`` sets the zone
    max_value=datetime(9999, 12, 30),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(minutes=-330))]),
)
_class_ids = st.lists(st.uuids(), max_size=3).map(tuple)


@st.composite
def _students(draw: st.DrawFn) -> Student:
    created_at = draw(_moments)
    return Student(
        id=draw(st.uuids()),
        first_name=draw(_texts),
        last_name=draw(_texts),
        legal_full_name=draw(_texts),
        email=draw(st.none() | _texts),
        class_ids=draw(_class_ids),
        created_by_user_id=draw(_texts),
        created_at=created_at,
        updated_at=draw(st.sampled_from([created_at, created_at.replace(microsecond=0)])),
        external_id=draw(st.none() | _texts),
    )


_updates = st.builds(StudentUpdate, _students(), _class_ids, _class_ids)
_actors = st.builds(Actor, user_id=_texts, correlation_id=st.uuids())


def _same(bulk: OutboxEvent, single: OutboxEvent) -> None:
    """Equal but for the event id, which each builder draws; the envelope's bytes too."""
    assert bulk.envelope_json.count(str(bulk.event_id)) == 1
    assert bulk.envelope_json.replace(str(bulk.event_id), str(single.event_id)) == single.envelope_json
    assert (bulk.topic, bulk.aggregate_type, bulk.aggregate_id, bulk.user_id) == (
        single.topic,
        single.aggregate_type,
        single.aggregate_id,
        single.user_id,
    )
    assert (bulk.correlation_id, bulk.occurred_at) == (single.correlation_id, single.occurred_at)
    assert isinstance(bulk.event_id, UUID)


@settings(max_examples=300)
@given(st.lists(_students(), max_size=8), _actors)
def test_created_events_match_the_single_builder(students: list[Student], actor: Actor) -> None:
    bulk = bulk_event_builders.students_created(students, actor)
    assert len(bulk) == len(students)
    for event, student in zip(bulk, students, strict=True):
        _same(event, event_builders.student_created(student, actor))


@settings(max_examples=300)
@given(st.lists(_updates, max_size=8), _actors)
def test_updated_events_match_the_single_builder(updates: list[StudentUpdate], actor: Actor) -> None:
    bulk = bulk_event_builders.students_updated(updates, actor)
    assert len(bulk) == len(updates)
    for event, update in zip(bulk, updates, strict=True):
        _same(event, event_builders.student_updated(update, actor))


def test_one_instant_in_two_offsets_keeps_each_offset() -> None:
    at = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
    students = [
        Student(uuid.uuid4(), "A", "B", "A B", None, (), "t", moment, moment)
        for moment in (at, at.astimezone(timezone(timedelta(hours=1))))
    ]
    actor = Actor("t", uuid.uuid4())
    for event, student in zip(bulk_event_builders.students_created(students, actor), students, strict=True):
        _same(event, event_builders.student_created(student, actor))


def test_every_event_gets_its_own_id() -> None:
    student = Student(uuid.uuid4(), "A", "B", "A B", None, (), "t", datetime.now(UTC), datetime.now(UTC))
    events = bulk_event_builders.students_created([student] * 100, Actor("t", uuid.uuid4()))
    assert len({event.event_id for event in events}) == 100
