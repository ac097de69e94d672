"""The timeout: confident essays confirmed, the rest to the class's placeholder, teachers never overridden."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from class_management_service.domain import association_event_builders as builders
from class_management_service.domain.association_decisions import CompletedBatch
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.errors import AssociationConflictError
from class_management_service.domain.models import PageRequest, StudentFilter
from tests.conftest import unique_user
from tests.contract.association_backends import (
    DAY,
    POLICY,
    AssociationRepos,
    Roster,
    candidate,
    confirm,
    confirmed_events,
    essay_ids,
    explode,
    listed,
    moment,
    no_events,
    notifications,
    of_topic,
    reject,
    request,
    roster,
    suggestions,
    timeout_events,
)

PLACEHOLDER_EMAIL = "unknown.{}@huleedu.system"


async def _expire(associations: AssociationRepos, now: datetime, limit: int = 100) -> list[CompletedBatch]:
    policy = replace(POLICY, batch_limit=limit)
    return list(await associations.associations.decide_expired(now, policy, timeout_events))


async def _batch(
    associations: AssociationRepos, room: Roster, *, at: datetime | None = None
) -> tuple[SuggestedBatch, list[str]]:
    """Four essays: confident (0.93), at the bar (0.7), below it (0.69), without candidates."""
    ada, bob = room.students
    ids = essay_ids(4)
    event = suggestions(
        room.class_id,
        listed(ids[0], candidate(ada, 0.93), candidate(bob, 0.5)),
        listed(ids[1], candidate(bob, 0.7)),
        listed(ids[2], candidate(ada, 0.69)),
        listed(ids[3]),
        at=at,
    )
    await associations.associations.ingest(event, no_events)
    return event, ids


async def test_timeout_confirms_confident_essays_and_gives_the_rest_to_a_new_placeholder(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    bob = room.students[1]
    event, (e1, e2, e3, e4) = await _batch(associations, room)
    await associations.associations.decide(request(room.owner, event.batch_id, confirm(e1, bob)), no_events)
    now = event.deadline + timedelta(seconds=1)

    [completed] = await _expire(associations, now)

    placeholder = completed.placeholder
    assert placeholder is not None
    assert (placeholder.first_name, placeholder.last_name, placeholder.legal_full_name) == (
        "UNKNOWN",
        "STUDENT",
        "UNKNOWN STUDENT",
    )
    assert (placeholder.email, placeholder.created_by_user_id, placeholder.class_ids) == (
        PLACEHOLDER_EMAIL.format(room.class_id),
        room.owner,
        (room.class_id,),
    )
    assert await associations.students.get(room.owner, placeholder.id) == placeholder
    in_class = await associations.students.list(
        room.owner, PageRequest(), StudentFilter(class_id=room.class_id)
    )
    assert placeholder.id in {student.id for student in in_class.items}
    review = await associations.associations.review(room.owner, event.batch_id)
    assert completed.review == review
    assert (completed.timeout_triggered, review.batch.completed_at, review.batch.timeout_triggered) == (
        True,
        now,
        True,
    )
    decided = [(e.status, e.student_id, e.validation_method, e.validated_by) for e in review.essays]
    assert decided == [
        ("confirmed", bob.id, "human", room.owner),  # the teacher's decision stands
        ("confirmed", bob.id, "timeout", None),
        ("confirmed", placeholder.id, "timeout", None),
        ("confirmed", placeholder.id, "timeout", None),
    ]
    assert [e.validated_at for e in review.essays[1:]] == [now, now, now]
    assert [e.confidence_score for e in review.essays[1:]] == [0.7, None, None]
    events = await associations.outbox()
    assert [topic for topic, *_ in events] == [
        "huleedu.class.student.created.v1",
        "huleedu.class.student.associations.confirmed.v1",
        "huleedu.notification.teacher.requested.v1",
    ]
    data = confirmed_events(events)[0][3]["data"]
    assert data["timeout_triggered"] is True
    assert [(a["essay_id"], a["student_id"], a["confidence_score"]) for a in data["associations"]] == [
        (e1, str(bob.id), 0.5),
        (e2, str(bob.id), 0.7),
        (e3, str(placeholder.id), 0.0),
        (e4, str(placeholder.id), 0.0),
    ]
    assert data["validation_summary"] == {
        "total_associations": 4,
        "confirmed": 4,
        "rejected": 0,
        "human": 1,
        "timeout": 3,
        "auto": 0,
    }
    assert notifications(events)[0]["notification_type"] == "validation_timeout_processed"


async def test_the_placeholder_is_created_once_per_class_and_reused(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    first, _ = await _batch(associations, room)
    second, _ = await _batch(associations, room)
    other_class = await roster(associations, room.owner, "Cy", "Dan")
    third, _ = await _batch(associations, other_class)

    decided = await _expire(associations, third.deadline)

    assert [c.review.batch.batch_id for c in decided] == [first.batch_id, second.batch_id, third.batch_id]
    created = [c.placeholder for c in decided]
    assert created[0] is not None
    assert created[1] is None  # found again, not created
    assert created[2] is not None
    assert created[2].id != created[0].id
    second_review = decided[1].review
    assert second_review.essays[3].student_id == created[0].id
    assert second_review.essays[3].student_names is not None
    assert second_review.essays[3].student_names.first_name == "UNKNOWN"
    events = await associations.outbox()
    assert len(of_topic(events, "huleedu.class.student.created.v1")) == 2
    assert len(confirmed_events(events)) == 3
    mine = await associations.students.list(
        room.owner, PageRequest(limit=100), StudentFilter(query="huleedu.system")
    )
    assert mine.total == 2


async def test_no_placeholder_when_every_pending_essay_is_confident(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    ada, bob = room.students
    e1, e2 = essay_ids(2)
    event = suggestions(room.class_id, listed(e1, candidate(ada, 0.9)), listed(e2, candidate(bob, 0.1)))
    await associations.associations.ingest(event, no_events)
    await associations.associations.decide(request(room.owner, event.batch_id, reject(e2)), no_events)

    [completed] = await _expire(associations, event.deadline)

    assert completed.placeholder is None
    assert [(e.status, e.student_id) for e in completed.review.essays] == [
        ("confirmed", ada.id),
        ("rejected", None),
    ]
    assert (await associations.students.list(room.owner, PageRequest(), StudentFilter())).total == 2
    assert [topic for topic, *_ in await associations.outbox()] == [
        "huleedu.class.student.associations.confirmed.v1",
        "huleedu.notification.teacher.requested.v1",
    ]


async def test_only_batches_past_their_deadline_are_decided_oldest_first_up_to_the_limit(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    start = moment()
    batches = [(await _batch(associations, room, at=start + timedelta(minutes=n)))[0] for n in (2, 0, 1, 3)]
    now = start + DAY + timedelta(minutes=2)

    assert await _expire(associations, start + DAY - timedelta(microseconds=1)) == []
    first = await _expire(associations, now, limit=2)
    rest = await _expire(associations, now, limit=2)

    assert [c.review.batch.batch_id for c in first] == [batches[1].batch_id, batches[2].batch_id]
    assert [c.review.batch.batch_id for c in rest] == [batches[0].batch_id]  # due exactly at ``now``
    assert await _expire(associations, now) == []
    open_batch = await associations.associations.review(room.owner, batches[3].batch_id)
    assert open_batch.batch.completed_at is None


async def test_a_batch_the_teacher_completed_is_not_decided_again(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    event, ids = await _batch(associations, room)
    await associations.associations.decide(
        request(room.owner, event.batch_id, *(reject(essay_id) for essay_id in ids)), builders.decision_events
    )
    before = (await associations.associations.review(room.owner, event.batch_id), await associations.outbox())

    assert await _expire(associations, event.deadline + DAY) == []

    assert (
        await associations.associations.review(room.owner, event.batch_id),
        await associations.outbox(),
    ) == before
    assert len(confirmed_events(before[1])) == 1


async def test_the_teacher_cannot_override_the_timeout_but_may_repeat_it(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    ada, bob = room.students
    event, (e1, _, _, _) = await _batch(associations, room)
    await _expire(associations, event.deadline)

    with pytest.raises(AssociationConflictError):
        await associations.associations.decide(
            request(room.owner, event.batch_id, confirm(e1, bob)), no_events
        )
    again = await associations.associations.decide(
        request(room.owner, event.batch_id, confirm(e1, ada)), builders.decision_events
    )

    assert (again.changed_essay_ids, again.completed) == ((), None)
    assert len(confirmed_events(await associations.outbox())) == 1


async def test_the_timeout_writes_nothing_when_the_event_builder_fails(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    event, _ = await _batch(associations, room)
    before = await associations.associations.review(room.owner, event.batch_id)

    with pytest.raises(RuntimeError):
        await associations.associations.decide_expired(event.deadline, POLICY, explode)

    assert await associations.associations.review(room.owner, event.batch_id) == before
    assert (await associations.students.list(room.owner, PageRequest(), StudentFilter())).total == 2
    assert await associations.outbox() == []
    [completed] = await _expire(associations, event.deadline)
    assert completed.placeholder is not None


async def test_a_teacher_completing_while_the_timeout_runs_yields_one_event(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    event, ids = await _batch(associations, room)
    teacher = request(room.owner, event.batch_id, *(reject(essay_id) for essay_id in ids))

    outcome, expired = await asyncio.gather(
        associations.associations.decide(teacher, builders.decision_events),
        _expire(associations, event.deadline),
        return_exceptions=True,
    )

    assert isinstance(expired, list)
    if isinstance(outcome, AssociationConflictError):  # the timeout decided first
        assert len(expired) == 1
    else:
        assert not isinstance(outcome, BaseException)
        assert (outcome.completed is not None) + len(expired) == 1
    assert len(confirmed_events(await associations.outbox())) == 1
    review = await associations.associations.review(room.owner, event.batch_id)
    assert review.batch.timeout_triggered is bool(expired)
