"""Deleting a class or student that pending essays refer to: refused, or forced with every batch announced."""

from __future__ import annotations

import pytest

from class_management_service.domain.errors import BatchNotFoundError, PendingValidationsError
from class_management_service.domain.models import (
    PageRequest,
    StudentFilter,
)
from tests.conftest import unique_user
from tests.contract.association_backends import (
    AssociationRepos,
    Roster,
    candidate,
    confirm,
    confirmed_events,
    essay_ids,
    listed,
    moment,
    no_events,
    reject,
    request,
    roster,
    suggestions,
)
from tests.contract.association_deletes import delete_class, delete_student

CONFIRMED = "huleedu.class.student.associations.confirmed.v1"
NOTIFICATION = "huleedu.notification.teacher.requested.v1"


async def _three_batches(associations: AssociationRepos) -> tuple[Roster, list[str], list[str]]:
    """Batch A: Ada's essay pending, Cy's decided; batch B: one essay Bob or Ada wrote, one Cy's;
    a third batch complete (Ada). Returns the room, the batch ids (A, B, complete), the essay ids."""
    room = await roster(associations, unique_user(), "Ada", "Bob", "Cy")
    ada, bob, cy = room.students
    a1, a2, b1, b2, c1 = essay_ids(5)
    batch_a = suggestions(room.class_id, listed(a1, candidate(ada, 0.9)), listed(a2, candidate(cy, 0.8)))
    batch_b = suggestions(
        room.class_id, listed(b1, candidate(bob, 0.6), candidate(ada, 0.3)), listed(b2, candidate(cy, 0.5))
    )
    done = suggestions(room.class_id, listed(c1, candidate(ada, 0.9)))
    for event in (batch_a, batch_b, done):
        await associations.associations.ingest(event, no_events)
    await associations.associations.decide(request(room.owner, batch_a.batch_id, confirm(a2, cy)), no_events)
    await associations.associations.decide(request(room.owner, done.batch_id, confirm(c1, ada)), no_events)
    return room, [batch_a.batch_id, batch_b.batch_id, done.batch_id], [a1, a2, b1, b2, c1]


async def test_deleting_a_class_with_pending_essays_is_refused_naming_the_batches(
    associations: AssociationRepos,
) -> None:
    room, batch_ids, _ = await _three_batches(associations)
    before = (
        [await associations.associations.review(room.owner, b) for b in batch_ids],
        await associations.outbox(),
    )

    with pytest.raises(PendingValidationsError) as raised:
        await delete_class(associations, room.owner, room.class_id, moment())

    assert raised.value.details == {"batch_ids": sorted(batch_ids[:2])}
    assert (await associations.classes.get(room.owner, room.class_id)).student_count == 3
    after = (
        [await associations.associations.review(room.owner, b) for b in batch_ids],
        await associations.outbox(),
    )
    assert after == before


async def test_deleting_a_class_whose_batches_are_complete_needs_no_force(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada")
    [e1] = essay_ids(1)
    event = suggestions(room.class_id, listed(e1, candidate(room.students[0], 0.9)))
    await associations.associations.ingest(event, no_events)
    await associations.associations.decide(request(room.owner, event.batch_id, reject(e1)), no_events)

    deleted = await delete_class(associations, room.owner, room.class_id, moment())

    assert deleted.completed_batches == ()
    with pytest.raises(BatchNotFoundError):
        await associations.associations.review(None, event.batch_id)
    assert [topic for topic, *_ in await associations.outbox()] == ["huleedu.class.deleted.v1"]


async def test_a_forced_class_delete_rejects_pending_essays_and_announces_each_batch_first(
    associations: AssociationRepos,
) -> None:
    room, (batch_a, batch_b, done), (a1, a2, b1, b2, _) = await _three_batches(associations)
    cy = room.students[2]

    deleted = await delete_class(associations, room.owner, room.class_id, moment(), force=True)

    completed = {c.review.batch.batch_id: c for c in deleted.completed_batches}
    assert sorted(completed) == sorted([batch_a, batch_b])
    first = completed[batch_a].review
    assert completed[batch_a].timeout_triggered is False
    assert first.batch.completed_at is not None
    assert [
        (e.essay_id, e.status, e.student_id, e.validation_method, e.validated_by) for e in first.essays
    ] == [
        (a1, "rejected", None, "human", room.owner),
        (a2, "confirmed", cy.id, "human", room.owner),
    ]
    assert first.essays[0].validated_at == first.batch.completed_at
    assert {e.status for e in completed[batch_b].review.essays} == {"rejected"}
    events = await associations.outbox()
    assert [topic for topic, *_ in events] == [
        CONFIRMED,
        NOTIFICATION,
        CONFIRMED,
        NOTIFICATION,
        "huleedu.class.deleted.v1",
    ]
    sent = {envelope["data"]["batch_id"]: envelope["data"] for _, _, _, envelope in confirmed_events(events)}
    assert sent[batch_a]["validation_summary"]["rejected"] == 1
    assert [a["essay_id"] for a in sent[batch_b]["associations"]] == [b1, b2]
    for batch_id in (batch_a, batch_b, done):
        with pytest.raises(BatchNotFoundError):
            await associations.associations.review(None, batch_id)


async def test_deleting_a_student_a_pending_essay_lists_is_refused(associations: AssociationRepos) -> None:
    room, batch_ids, _ = await _three_batches(associations)
    ada, bob, _ = room.students
    before = (
        [await associations.associations.review(room.owner, b) for b in batch_ids],
        await associations.outbox(),
    )

    with pytest.raises(PendingValidationsError) as ada_refused:
        await delete_student(associations, room.owner, ada.id, moment())
    with pytest.raises(PendingValidationsError) as bob_refused:
        await delete_student(associations, room.owner, bob.id, moment())

    assert ada_refused.value.details == {"batch_ids": sorted(batch_ids[:2])}
    assert bob_refused.value.details == {"batch_ids": [batch_ids[1]]}
    assert (await associations.students.get(room.owner, ada.id)).id == ada.id
    after = (
        [await associations.associations.review(room.owner, b) for b in batch_ids],
        await associations.outbox(),
    )
    assert after == before


async def test_deleting_a_student_no_pending_essay_lists_needs_no_force(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    ada, bob = room.students
    e1, e2 = essay_ids(2)
    event = suggestions(room.class_id, listed(e1, candidate(ada, 0.9)), listed(e2, candidate(bob, 0.9)))
    await associations.associations.ingest(event, no_events)
    await associations.associations.decide(request(room.owner, event.batch_id, confirm(e2, bob)), no_events)

    deleted = await delete_student(associations, room.owner, bob.id, moment())

    assert deleted.completed_batches == ()
    decided = await associations.associations.essay(e2)
    assert (decided.status, decided.student_id, decided.student_names) == ("confirmed", None, None)
    assert decided.suggestions == ()
    assert (await associations.associations.essay(e1)).status == "pending_validation"


async def test_a_forced_student_delete_rejects_only_the_essays_listing_them(
    associations: AssociationRepos,
) -> None:
    room, (batch_a, batch_b, done), (a1, a2, b1, b2, _) = await _three_batches(associations)
    ada = room.students[0]

    deleted = await delete_student(associations, room.owner, ada.id, moment(), force=True)

    [completed] = deleted.completed_batches  # batch A: its other essay was decided already
    assert completed.review.batch.batch_id == batch_a
    assert [(e.essay_id, e.status, e.validation_method, e.validated_by) for e in completed.review.essays] == [
        (a1, "rejected", "human", room.owner),
        (a2, "confirmed", "human", room.owner),
    ]
    open_b = await associations.associations.review(room.owner, batch_b)
    assert open_b.batch.completed_at is None
    assert [(e.essay_id, e.status) for e in open_b.essays] == [(b1, "rejected"), (b2, "pending_validation")]
    assert open_b.essays[0].suggestions == (
        candidate(room.students[1], 0.6),
    )  # Ada's candidacy went with her
    done_review = await associations.associations.review(room.owner, done)
    assert (done_review.essays[0].status, done_review.essays[0].student_id) == ("confirmed", None)
    events = await associations.outbox()
    assert [topic for topic, *_ in events] == [CONFIRMED, NOTIFICATION, "huleedu.class.student.deleted.v1"]
    assert confirmed_events(events)[0][3]["data"]["batch_id"] == batch_a
    roster_left = await associations.students.list(
        room.owner, PageRequest(), StudentFilter(class_id=room.class_id)
    )
    assert ada.id not in {student.id for student in roster_left.items}
