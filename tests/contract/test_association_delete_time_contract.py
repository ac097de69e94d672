"""A forced delete decides pending essays at the time the caller gives it (the service's clock)."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import unique_user
from tests.contract.association_backends import (
    AssociationRepos,
    StoredEvent,
    candidate,
    confirm,
    confirmed_events,
    essay_ids,
    listed,
    moment,
    no_events,
    request,
    roster,
    suggestions,
)
from tests.contract.association_deletes import delete_class, delete_student


def _sent_times(events: list[StoredEvent]) -> tuple[datetime, dict[str, datetime]]:
    """The one confirmed event's timestamp and each association's ``validated_at``."""
    [(_, _, _, envelope)] = confirmed_events(events)
    data = envelope["data"]
    sent = {a["essay_id"]: datetime.fromisoformat(a["validated_at"]) for a in data["associations"]}
    return datetime.fromisoformat(data["timestamp"]), sent


async def test_a_forced_class_delete_rejects_at_the_given_time(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    ada, bob = room.students
    e1, e2 = essay_ids(2)
    event = suggestions(room.class_id, listed(e1, candidate(ada, 0.9)), listed(e2, candidate(bob, 0.8)))
    await associations.associations.ingest(event, no_events)
    decided_at = moment()
    await associations.associations.decide(
        request(room.owner, event.batch_id, confirm(e2, bob), at=decided_at), no_events
    )
    at = moment()

    deleted = await delete_class(associations, room.owner, room.class_id, at, force=True)

    [completed] = deleted.completed_batches
    assert completed.review.batch.completed_at == at
    assert [(e.essay_id, e.status, e.validated_at) for e in completed.review.essays] == [
        (e1, "rejected", at),
        (e2, "confirmed", decided_at),
    ]
    assert _sent_times(await associations.outbox()) == (at, {e1: at, e2: decided_at})


async def test_a_forced_student_delete_rejects_at_the_given_time(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    ada, bob = room.students
    e1, e2, e3 = essay_ids(3)
    event = suggestions(
        room.class_id,
        listed(e1, candidate(ada, 0.9)),
        listed(e2, candidate(bob, 0.8)),
        listed(e3, candidate(bob, 0.7), candidate(ada, 0.2)),
    )
    await associations.associations.ingest(event, no_events)
    decided_at = moment()
    await associations.associations.decide(
        request(room.owner, event.batch_id, confirm(e2, bob), at=decided_at), no_events
    )
    at = moment()

    deleted = await delete_student(associations, room.owner, ada.id, at, force=True)

    [completed] = deleted.completed_batches
    stored = await associations.associations.review(room.owner, event.batch_id)
    assert completed.review.batch.completed_at == stored.batch.completed_at == at
    assert [(e.essay_id, e.status, e.validated_at) for e in stored.essays] == [
        (e1, "rejected", at),
        (e2, "confirmed", decided_at),
        (e3, "rejected", at),
    ]
    assert _sent_times(await associations.outbox()) == (at, {e1: at, e2: decided_at, e3: at})
