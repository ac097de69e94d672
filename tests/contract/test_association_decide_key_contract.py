"""A keyed confirmation: the Idempotency-Key is completed in the decision's own transaction."""

from __future__ import annotations

import pytest

from class_management_service.domain import association_event_builders as builders
from class_management_service.domain.association_decisions import DecisionOutcome
from class_management_service.domain.errors import StudentNotInClassError
from class_management_service.domain.idempotency import IdempotencyClaim, IdempotentWrite, StoredResponse
from tests.conftest import unique_user
from tests.contract.association_backends import (
    AssociationRepos,
    candidate,
    confirm,
    essay_ids,
    listed,
    moment,
    no_events,
    request,
    roster,
    suggestions,
)


def _key(claim: IdempotencyClaim) -> IdempotentWrite[DecisionOutcome]:
    return IdempotentWrite(claim, lambda outcome: StoredResponse(200, ",".join(outcome.changed_essay_ids)))


async def test_decide_completes_the_key_with_its_response_when_it_commits(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada")
    (essay_id,) = essay_ids(1)
    event = suggestions(room.class_id, listed(essay_id, candidate(room.students[0], 0.9)))
    await associations.associations.ingest(event, no_events)
    claim = IdempotencyClaim(room.owner, "confirm-1", "h", moment())
    await associations.keys.claim(claim)

    decision = confirm(essay_id, room.students[0])
    await associations.associations.decide(
        request(room.owner, event.batch_id, decision), builders.decision_events, key=_key(claim)
    )

    stored = await associations.keys.claim(IdempotencyClaim(room.owner, "confirm-1", "h", moment()))
    assert stored is not None
    assert stored.response == StoredResponse(200, essay_id)


async def test_refused_decision_leaves_the_key_in_flight_when_nothing_is_written(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada")
    stranger = await roster(associations, unique_user(), "Eve")
    (essay_id,) = essay_ids(1)
    event = suggestions(room.class_id, listed(essay_id, candidate(room.students[0], 0.9)))
    await associations.associations.ingest(event, no_events)
    events_before = len(await associations.outbox())
    claim = IdempotencyClaim(room.owner, "confirm-2", "h", moment())
    await associations.keys.claim(claim)

    with pytest.raises(StudentNotInClassError):
        await associations.associations.decide(
            request(room.owner, event.batch_id, confirm(essay_id, stranger.students[0])),
            builders.decision_events,
            key=_key(claim),
        )

    stored = await associations.keys.claim(IdempotencyClaim(room.owner, "confirm-2", "h", moment()))
    assert stored is not None
    assert stored.response is None
    assert len(await associations.outbox()) == events_before
