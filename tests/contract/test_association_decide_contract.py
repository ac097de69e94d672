"""A teacher's decisions: persisted, idempotent, refused as a whole, and exactly one confirmed event."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from class_management_service.domain import association_event_builders as builders
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import BatchReview
from class_management_service.domain.errors import (
    AssociationConflictError,
    BatchNotFoundError,
    EssayNotFoundError,
    StudentNotInClassError,
)
from tests.conftest import unique_user
from tests.contract.association_backends import (
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
    reject,
    request,
    roster,
    student_of,
    suggestions,
)


async def _batch(associations: AssociationRepos) -> tuple[Roster, SuggestedBatch, list[str]]:
    """Ada, Bob and Cy in a class; three pending essays (the last without candidates)."""
    room = await roster(associations, unique_user(), "Ada", "Bob", "Cy")
    ada, bob, _ = room.students
    ids = essay_ids(3)
    event = suggestions(
        room.class_id,
        listed(ids[0], candidate(ada, 0.93), candidate(bob, 0.4)),
        listed(ids[1], candidate(bob, 0.81)),
        listed(ids[2]),
    )
    await associations.associations.ingest(event, no_events)
    return room, event, ids


async def _state(
    associations: AssociationRepos, room: Roster, batch_id: str
) -> tuple[BatchReview, list[Any]]:
    return await associations.associations.review(room.owner, batch_id), await associations.outbox()


async def test_decisions_are_persisted_as_human_by_the_teacher(associations: AssociationRepos) -> None:
    room, event, (e1, e2, _e3) = await _batch(associations)
    bob = room.students[1]
    at = moment()

    outcome = await associations.associations.decide(
        request(room.owner, event.batch_id, confirm(e1, bob), reject(e2), at=at), builders.decision_events
    )

    assert (sorted(outcome.changed_essay_ids), outcome.completed) == (sorted([e1, e2]), None)
    review = await associations.associations.review(room.owner, event.batch_id)
    assert outcome.review == review
    first, second, third = review.essays
    assert (first.status, first.student_id, first.confidence_score) == ("confirmed", bob.id, 0.4)
    assert (second.status, second.student_id, second.confidence_score) == ("rejected", None, None)
    for essay in (first, second):
        assert (essay.validation_method, essay.validated_by, essay.validated_at) == ("human", room.owner, at)
    assert first.student_names is not None
    assert first.student_names.first_name == "Bob"
    assert (third.status, third.validated_at) == ("pending_validation", None)
    assert review.batch.completed_at is None
    assert await associations.outbox() == []  # partial decisions publish nothing


async def test_a_student_the_teacher_chose_beyond_the_candidates_keeps_no_confidence(
    associations: AssociationRepos,
) -> None:
    room, event, (_, _, e3) = await _batch(associations)

    await associations.associations.decide(
        request(room.owner, event.batch_id, confirm(e3, room.students[2])), no_events
    )

    essay = await associations.associations.essay(e3)
    assert (essay.student_id, essay.confidence_score) == (room.students[2].id, None)


async def test_repeating_decisions_changes_nothing_and_emits_nothing(associations: AssociationRepos) -> None:
    room, event, (e1, e2, e3) = await _batch(associations)
    ada = room.students[0]
    decisions = (confirm(e1, ada), reject(e2), confirm(e3, ada))
    await associations.associations.decide(
        request(room.owner, event.batch_id, *decisions), builders.decision_events
    )
    before = await _state(associations, room, event.batch_id)

    again = await associations.associations.decide(
        request(room.owner, event.batch_id, *decisions), builders.decision_events
    )

    assert (again.changed_essay_ids, again.completed) == ((), None)
    assert await _state(associations, room, event.batch_id) == before
    assert len(confirmed_events(before[1])) == 1


async def test_changing_a_decided_essay_is_a_conflict_that_writes_nothing(
    associations: AssociationRepos,
) -> None:
    room, event, (e1, e2, _) = await _batch(associations)
    ada, bob, _ = room.students
    await associations.associations.decide(request(room.owner, event.batch_id, confirm(e1, ada)), no_events)
    before = await _state(associations, room, event.batch_id)

    with pytest.raises(AssociationConflictError) as raised:
        await associations.associations.decide(
            request(room.owner, event.batch_id, reject(e2), confirm(e1, bob)), builders.decision_events
        )

    assert raised.value.details == {"essay_ids": [e1]}
    assert await _state(associations, room, event.batch_id) == before


async def test_contradicting_decisions_in_one_request_are_a_conflict(associations: AssociationRepos) -> None:
    room, event, (e1, _, _) = await _batch(associations)
    before = await _state(associations, room, event.batch_id)

    with pytest.raises(AssociationConflictError):
        await associations.associations.decide(
            request(room.owner, event.batch_id, confirm(e1, room.students[0]), reject(e1)), no_events
        )

    assert await _state(associations, room, event.batch_id) == before


async def test_essays_outside_the_batch_are_refused(associations: AssociationRepos) -> None:
    room, event, (e1, _, _) = await _batch(associations)
    before = await _state(associations, room, event.batch_id)

    with pytest.raises(EssayNotFoundError) as raised:
        await associations.associations.decide(
            request(room.owner, event.batch_id, confirm(e1, room.students[0]), reject("not-in-batch")),
            no_events,
        )

    assert raised.value.details == {"essay_ids": ["not-in-batch"]}
    assert await _state(associations, room, event.batch_id) == before


async def test_students_outside_the_class_are_refused(associations: AssociationRepos) -> None:
    room, event, (e1, e2, _) = await _batch(associations)
    elsewhere = await roster(associations, room.owner, "Dan")
    other_teachers = await roster(associations, unique_user(), "Eve")
    unenrolled = await associations.students.create(student_of(room.owner, "Fay"), no_events)
    before = await _state(associations, room, event.batch_id)

    for outsider in (elsewhere.students[0], other_teachers.students[0], unenrolled):
        with pytest.raises(StudentNotInClassError) as raised:
            await associations.associations.decide(
                request(room.owner, event.batch_id, reject(e2), confirm(e1, outsider)), no_events
            )
        assert raised.value.details == {"student_ids": [str(outsider.id)]}

    assert await _state(associations, room, event.batch_id) == before


async def test_another_teachers_batch_is_not_found(associations: AssociationRepos) -> None:
    room, event, (e1, _, _) = await _batch(associations)
    before = await _state(associations, room, event.batch_id)

    with pytest.raises(BatchNotFoundError):
        await associations.associations.decide(
            request(unique_user(), event.batch_id, reject(e1)), builders.decision_events
        )
    with pytest.raises(BatchNotFoundError):
        await associations.associations.decide(request(room.owner, "no-such-batch", reject(e1)), no_events)

    assert await _state(associations, room, event.batch_id) == before


async def test_decide_writes_nothing_when_the_event_builder_fails(associations: AssociationRepos) -> None:
    room, event, (e1, e2, e3) = await _batch(associations)
    before = await _state(associations, room, event.batch_id)

    with pytest.raises(RuntimeError):
        await associations.associations.decide(
            request(room.owner, event.batch_id, reject(e1), reject(e2), reject(e3)), explode
        )

    assert await _state(associations, room, event.batch_id) == before


async def test_partial_then_complete_publishes_exactly_one_confirmed_event(
    associations: AssociationRepos,
) -> None:
    room, event, (e1, e2, e3) = await _batch(associations)
    ada, _, cy = room.students
    first_at, last_at = moment(), moment()
    await associations.associations.decide(
        request(room.owner, event.batch_id, confirm(e1, ada), at=first_at), builders.decision_events
    )

    outcome = await associations.associations.decide(
        request(room.owner, event.batch_id, reject(e2), confirm(e3, cy), at=last_at), builders.decision_events
    )
    await associations.associations.decide(
        request(room.owner, event.batch_id, confirm(e1, ada), reject(e2), at=moment()),
        builders.decision_events,
    )

    assert outcome.completed is not None
    assert outcome.completed.timeout_triggered is False
    assert outcome.completed.placeholder is None
    assert (outcome.review.batch.completed_at, outcome.review.batch.timeout_triggered) == (last_at, False)
    review = await associations.associations.review(room.owner, event.batch_id)
    assert outcome.completed.review == review
    events = await associations.outbox()
    [(topic, key, user, envelope)] = confirmed_events(events)
    assert (topic, key, user) == (
        "huleedu.class.student.associations.confirmed.v1",
        event.batch_id,
        room.owner,
    )
    assert envelope["correlation_id"] == str(event.correlation_id)
    assert datetime.fromisoformat(envelope["event_timestamp"]) == last_at
    data = envelope["data"]
    assert datetime.fromisoformat(data.pop("timestamp")) == last_at
    human = {"validation_method": "human", "validated_by": room.owner}
    associations_sent = data.pop("associations")
    for sent in associations_sent:
        sent["validated_at"] = datetime.fromisoformat(sent["validated_at"])
    assert associations_sent == [
        {
            "essay_id": e1,
            "student_id": str(ada.id),
            "confidence_score": 0.93,
            "validated_at": first_at,
            **human,
        },
        {"essay_id": e2, "student_id": None, "confidence_score": 0.0, "validated_at": last_at, **human},
        {"essay_id": e3, "student_id": str(cy.id), "confidence_score": 0.0, "validated_at": last_at, **human},
    ]
    assert data == {
        "event_name": "student.associations.confirmed",
        "entity_id": event.batch_id,
        "entity_type": "batch",
        "parent_id": None,
        "batch_id": event.batch_id,
        "class_id": str(room.class_id),
        "course_code": "ENG5",
        "timeout_triggered": False,
        "validation_summary": {
            "total_associations": 3,
            "confirmed": 2,
            "rejected": 1,
            "human": 3,
            "timeout": 0,
            "auto": 0,
        },
    }
    [note] = notifications(events)
    assert (note["notification_type"], note["teacher_id"], note["batch_id"]) == (
        "student_associations_confirmed",
        room.owner,
        event.batch_id,
    )


async def test_concurrent_completing_decisions_publish_one_event(associations: AssociationRepos) -> None:
    room, event, (e1, e2, e3) = await _batch(associations)
    ada = room.students[0]
    decisions = (confirm(e1, ada), reject(e2), reject(e3))

    outcomes = await asyncio.gather(
        *(
            associations.associations.decide(
                request(room.owner, event.batch_id, *decisions), builders.decision_events
            )
            for _ in range(4)
        )
    )

    assert sum(outcome.completed is not None for outcome in outcomes) == 1
    assert len(confirmed_events(await associations.outbox())) == 1


async def test_a_batch_id_of_255_characters_keys_its_confirmed_event(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada")
    (e1,) = essay_ids(1)
    batch_id = "b" * 255  # another service's opaque id, as long as the contract allows
    event = suggestions(room.class_id, listed(e1, candidate(room.students[0], 0.9)), batch_id=batch_id)
    await associations.associations.ingest(event, no_events)

    await associations.associations.decide(
        request(room.owner, batch_id, confirm(e1, room.students[0])), builders.decision_events
    )

    (confirmed,) = confirmed_events(await associations.outbox())
    assert (confirmed[1], confirmed[3]["data"]["batch_id"]) == (batch_id, batch_id)
