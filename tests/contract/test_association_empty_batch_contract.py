"""A batch that stores no essay: every essay it lists is kept elsewhere, or it lists none.

The batch is stored (open, no essays) and no teacher is asked to review it; no decision can
complete it, so only the timeout does: once, with an empty associations list and no placeholder.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from class_management_service.domain import association_event_builders as builders
from class_management_service.domain.association_suggestions import SuggestedBatch
from tests.conftest import unique_user
from tests.contract.association_backends import (
    POLICY,
    AssociationRepos,
    Roster,
    candidate,
    confirmed_events,
    essay_ids,
    listed,
    no_events,
    notifications,
    roster,
    suggestions,
    timeout_events,
)


async def _kept_elsewhere(associations: AssociationRepos, room: Roster) -> SuggestedBatch:
    """A batch listing only essays another batch of the class already holds."""
    e1, e2 = essay_ids(2)
    ada = room.students[0]
    holder = suggestions(room.class_id, listed(e1, candidate(ada, 0.9)), listed(e2))
    await associations.associations.ingest(holder, no_events)
    await associations.associations.decide_expired(holder.deadline, POLICY, no_events)
    return suggestions(room.class_id, listed(e1, candidate(ada, 0.95)), listed(e2, candidate(ada, 0.8)))


async def _listing_nothing(associations: AssociationRepos, room: Roster) -> SuggestedBatch:
    del associations
    return suggestions(room.class_id)


@pytest.mark.parametrize(
    "empty_batch", [_kept_elsewhere, _listing_nothing], ids=["kept-elsewhere", "no-essays"]
)
async def test_a_batch_storing_no_essay_is_completed_only_by_the_timeout_with_no_associations(
    associations: AssociationRepos,
    empty_batch: Callable[[AssociationRepos, Roster], Awaitable[SuggestedBatch]],
) -> None:
    room = await roster(associations, unique_user(), "Ada")
    event = await empty_batch(associations, room)
    before = len(await associations.outbox())

    outcome = await associations.associations.ingest(event, builders.suggestions_ready)

    assert (outcome.is_replay, outcome.is_class_found, outcome.stored_essays) == (False, True, 0)
    assert outcome.kept_essays == len(event.essays)
    review = await associations.associations.review(room.owner, event.batch_id)
    assert (review.essays, review.batch.completed_at) == ((), None)
    assert len(await associations.outbox()) == before  # nothing to review: no notification
    early = await associations.associations.decide_expired(
        event.deadline - timedelta(seconds=1), POLICY, timeout_events
    )
    assert event.batch_id not in {c.review.batch.batch_id for c in early}

    [completed] = await associations.associations.decide_expired(event.deadline, POLICY, timeout_events)

    assert completed.review.batch.batch_id == event.batch_id
    assert (completed.timeout_triggered, completed.placeholder, completed.review.essays) == (True, None, ())
    assert completed.review.batch.completed_at == event.deadline
    events = (await associations.outbox())[before:]
    [(_, key, user, envelope)] = confirmed_events(events)
    assert (key, user) == (event.batch_id, room.owner)
    assert envelope["data"]["associations"] == []
    assert envelope["data"]["validation_summary"]["total_associations"] == 0
    assert [n["notification_type"] for n in notifications(events)] == ["validation_timeout_processed"]
    assert await associations.associations.decide_expired(event.deadline, POLICY, timeout_events) == []
    assert len(await associations.outbox()) == before + len(events)
