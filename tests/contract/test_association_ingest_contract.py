"""Storing NLP's suggestions, and the reads that show them: what every association backend promises."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest

from class_management_service.domain import association_event_builders as builders
from class_management_service.domain.associations import AssociationBatch, EssayAssociation, PersonNames
from class_management_service.domain.errors import BatchNotFoundError, EssayNotFoundError
from tests.conftest import unique_user
from tests.contract.association_backends import (
    AssociationRepos,
    candidate,
    confirm,
    essay_ids,
    explode,
    listed,
    moment,
    no_events,
    notifications,
    request,
    roster,
    suggestions,
)


async def test_ingest_stores_every_candidate_in_the_class_ranked_best_first(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob", "Cy")
    ada, bob, cy = room.students
    e1, e2 = essay_ids(2)
    event = suggestions(
        room.class_id,
        listed(
            e1,
            candidate(bob, 0.41, "partial"),
            candidate(ada, 0.93, "exact_name", "email"),
            candidate(cy, 0.6),
        ),
        listed(e2, no_match_reason="no_name_found"),
    )

    outcome = await associations.associations.ingest(event, builders.suggestions_ready)

    assert (outcome.batch_id, outcome.is_replay, outcome.is_class_found) == (event.batch_id, False, True)
    assert (outcome.stored_essays, outcome.kept_essays, outcome.dropped_suggestions) == (2, 0, 0)
    review = await associations.associations.review(room.owner, event.batch_id)
    assert outcome.review == review
    assert review.batch == AssociationBatch(
        batch_id=event.batch_id,
        class_id=room.class_id,
        class_name="9A",
        course_code="ENG5",
        owner=room.owner,
        correlation_id=event.correlation_id,
        received_at=event.received_at,
        deadline=event.deadline,
        completed_at=None,
        timeout_triggered=False,
    )
    pending = {
        "batch_id": event.batch_id,
        "class_id": room.class_id,
        "status": "pending_validation",
        "student_id": None,
        "validation_method": None,
        "validated_by": None,
        "validated_at": None,
        "created_at": event.received_at,
        "student_names": None,
    }
    assert review.essays == (
        EssayAssociation(
            essay_id=e1,
            position=0,
            text_storage_id=f"storage-{e1}",
            filename=f"{e1}.docx",
            suggestions=(
                candidate(ada, 0.93, "exact_name", "email"),
                candidate(cy, 0.6),
                candidate(bob, 0.41, "partial"),
            ),
            no_match_reason=None,
            confidence_score=0.93,
            **pending,  # type: ignore[arg-type]
        ),
        EssayAssociation(
            essay_id=e2,
            position=1,
            text_storage_id=f"storage-{e2}",
            filename=f"{e2}.docx",
            suggestions=(),
            no_match_reason="no_name_found",
            confidence_score=None,
            **pending,  # type: ignore[arg-type]
        ),
    )
    events = await associations.outbox()
    assert [(topic, key, user) for topic, key, user, _ in events] == [
        ("huleedu.notification.teacher.requested.v1", event.batch_id, room.owner)
    ]
    [note] = notifications(events)
    assert (note["notification_type"], note["action_required"], note["teacher_id"]) == (
        "student_matching_review_required",
        True,
        room.owner,
    )
    assert events[0][3]["correlation_id"] == str(event.correlation_id)


async def test_ingest_drops_and_counts_candidates_outside_the_class(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada")
    other_teachers = await roster(associations, unique_user(), "Eve")
    [e1] = essay_ids(1)
    event = suggestions(
        room.class_id,
        listed(
            e1,
            candidate(other_teachers.students[0], 0.99),
            candidate(room.students[0], 0.5),
            candidate(uuid.uuid4(), 0.4),
        ),
        unparsable=1,
    )

    outcome = await associations.associations.ingest(event, no_events)

    assert (outcome.stored_essays, outcome.dropped_suggestions) == (1, 3)
    essay = await associations.associations.essay(e1)
    assert (essay.suggestions, essay.confidence_score) == ((candidate(room.students[0], 0.5),), 0.5)


async def test_ingest_for_an_unknown_class_stores_nothing_but_the_event_id(
    associations: AssociationRepos,
) -> None:
    [e1] = essay_ids(1)
    event = suggestions(uuid.uuid4(), listed(e1, candidate(uuid.uuid4(), 0.9)))

    outcome = await associations.associations.ingest(event, builders.suggestions_ready)
    replayed = await associations.associations.ingest(event, builders.suggestions_ready)

    assert (outcome.is_replay, outcome.is_class_found, outcome.stored_essays, outcome.review) == (
        False,
        False,
        0,
        None,
    )
    assert replayed.is_replay is True
    with pytest.raises(BatchNotFoundError):
        await associations.associations.review(None, event.batch_id)
    with pytest.raises(EssayNotFoundError):
        await associations.associations.essay(e1)
    assert await associations.outbox() == []


async def test_a_replayed_event_changes_nothing_and_emits_nothing(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob")
    e1, e2 = essay_ids(2)
    event = suggestions(room.class_id, listed(e1, candidate(room.students[0], 0.9)), listed(e2))
    await associations.associations.ingest(event, builders.suggestions_ready)
    await associations.associations.decide(
        request(room.owner, event.batch_id, confirm(e1, room.students[1])), no_events
    )
    before = (await associations.associations.review(room.owner, event.batch_id), await associations.outbox())
    changed = replace(event, essays=(listed(e1, candidate(room.students[1], 0.99)), listed(e2)))

    outcome = await associations.associations.ingest(changed, builders.suggestions_ready)

    assert (outcome.is_replay, outcome.stored_essays, outcome.kept_essays, outcome.review) == (
        True,
        0,
        0,
        None,
    )
    after = (await associations.associations.review(room.owner, event.batch_id), await associations.outbox())
    assert after == before


async def test_a_rerun_replaces_pending_essays_and_keeps_decided_ones(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada", "Bob", "Cy")
    ada, bob, cy = room.students
    e1, e2, e3, e4 = essay_ids(4)
    first = suggestions(
        room.class_id, listed(e1, candidate(ada, 0.9)), listed(e2, candidate(bob, 0.3)), listed(e3)
    )
    await associations.associations.ingest(first, builders.suggestions_ready)
    decided_at = moment()
    await associations.associations.decide(
        request(room.owner, first.batch_id, confirm(e1, ada), at=decided_at), no_events
    )
    rerun = suggestions(
        room.class_id,
        listed(e1, candidate(bob, 0.99)),
        listed(e2, candidate(cy, 0.8)),
        listed(e4, candidate(ada, 0.7)),
        batch_id=first.batch_id,
    )

    outcome = await associations.associations.ingest(rerun, builders.suggestions_ready)

    assert (outcome.stored_essays, outcome.kept_essays) == (2, 1)
    review = await associations.associations.review(room.owner, first.batch_id)
    assert outcome.review == review
    by_id = {essay.essay_id: essay for essay in review.essays}
    assert set(by_id) == {e1, e2, e3, e4}
    assert (by_id[e1].status, by_id[e1].student_id, by_id[e1].validated_at) == (
        "confirmed",
        ada.id,
        decided_at,
    )
    assert by_id[e1].suggestions == (candidate(ada, 0.9),)
    assert (by_id[e2].suggestions, by_id[e2].confidence_score, by_id[e2].created_at) == (
        (candidate(cy, 0.8),),
        0.8,
        first.received_at,
    )
    assert by_id[e3].suggestions == ()
    assert (by_id[e4].status, by_id[e4].suggestions) == ("pending_validation", (candidate(ada, 0.7),))
    assert (review.batch.received_at, review.batch.deadline, review.batch.correlation_id) == (
        first.received_at,
        first.deadline,
        first.correlation_id,
    )
    assert len(notifications(await associations.outbox())) == 2


async def test_a_rerun_of_a_completed_batch_changes_nothing_and_emits_nothing(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada")
    [e1] = essay_ids(1)
    first = suggestions(room.class_id, listed(e1, candidate(room.students[0], 0.9)))
    await associations.associations.ingest(first, no_events)
    await associations.associations.decide(
        request(room.owner, first.batch_id, confirm(e1, room.students[0])), no_events
    )
    before = await associations.associations.review(room.owner, first.batch_id)
    [e2] = essay_ids(1)
    rerun = suggestions(room.class_id, listed(e1), listed(e2), batch_id=first.batch_id)

    outcome = await associations.associations.ingest(rerun, builders.suggestions_ready)

    assert (outcome.is_replay, outcome.stored_essays, outcome.kept_essays) == (False, 0, 2)
    assert await associations.associations.review(room.owner, first.batch_id) == before
    assert await associations.outbox() == []


async def test_an_essay_of_another_batch_stays_there(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada")
    e1, e2 = essay_ids(2)
    first = suggestions(room.class_id, listed(e1, candidate(room.students[0], 0.9)))
    await associations.associations.ingest(first, no_events)

    outcome = await associations.associations.ingest(
        suggestions(room.class_id, listed(e1), listed(e2)), no_events
    )

    assert (outcome.stored_essays, outcome.kept_essays) == (1, 1)
    essay = await associations.associations.essay(e1)
    assert (essay.batch_id, essay.suggestions) == (first.batch_id, (candidate(room.students[0], 0.9),))


async def test_a_rerun_naming_another_class_keeps_the_batch_in_its_class(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada")
    other = await roster(associations, room.owner, "Bob")
    [e1] = essay_ids(1)
    first = suggestions(room.class_id, listed(e1, candidate(room.students[0], 0.9)))
    await associations.associations.ingest(first, no_events)

    moved = suggestions(
        other.class_id, listed(e1, candidate(other.students[0], 0.9)), batch_id=first.batch_id
    )
    outcome = await associations.associations.ingest(moved, no_events)

    assert (outcome.stored_essays, outcome.kept_essays) == (0, 1)
    review = await associations.associations.review(room.owner, first.batch_id)
    assert review.batch.class_id == room.class_id
    assert review.essays[0].suggestions == (candidate(room.students[0], 0.9),)


async def test_ingest_writes_nothing_when_the_event_builder_fails(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada")
    event = suggestions(room.class_id, *(listed(e) for e in essay_ids(2)))

    with pytest.raises(RuntimeError):
        await associations.associations.ingest(event, explode)

    with pytest.raises(BatchNotFoundError):
        await associations.associations.review(None, event.batch_id)
    assert (await associations.associations.ingest(event, no_events)).is_replay is False


async def test_review_is_scoped_to_the_owner_of_the_class(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada")
    event = suggestions(room.class_id, *(listed(e) for e in essay_ids(1)))
    await associations.associations.ingest(event, no_events)

    with pytest.raises(BatchNotFoundError) as raised:
        await associations.associations.review(unique_user(), event.batch_id)
    with pytest.raises(BatchNotFoundError):
        await associations.associations.review(room.owner, "no-such-batch")

    assert raised.value.details == {"batch_id": event.batch_id}
    assert (await associations.associations.review(None, event.batch_id)).batch.owner == room.owner


async def test_internal_reads_find_batches_reviews_and_essays_with_student_names(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada")
    ada = room.students[0]
    e1, e2, e3 = essay_ids(3)
    first = suggestions(room.class_id, listed(e1, candidate(ada, 0.9)), listed(e2))
    second = suggestions(room.class_id, listed(e3))
    for event in (first, second):
        await associations.associations.ingest(event, no_events)
    await associations.associations.decide(request(room.owner, first.batch_id, confirm(e1, ada)), no_events)

    wanted = [second.batch_id, "no-such-batch", first.batch_id]
    reviews = await associations.associations.reviews(wanted)
    batches = await associations.associations.batches(wanted)

    assert set(reviews) == set(batches) == {first.batch_id, second.batch_id}
    assert reviews[first.batch_id] == await associations.associations.review(None, first.batch_id)
    assert {key: review.batch for key, review in reviews.items()} == batches
    assert batches[second.batch_id].class_name == "9A"
    names = PersonNames("Ada", "Lovelace", "Ada Augusta Lovelace")
    assert [essay.student_names for essay in reviews[first.batch_id].essays] == [names, None]
    essay = await associations.associations.essay(e1)
    assert (essay.essay_id, essay.batch_id, essay.student_id, essay.student_names) == (
        e1,
        first.batch_id,
        ada.id,
        names,
    )
    assert (await associations.associations.essay(e3)).student_names is None
    with pytest.raises(EssayNotFoundError) as raised:
        await associations.associations.essay("no-such-essay")
    assert raised.value.details == {"essay_ids": ["no-such-essay"]}
    assert await associations.associations.reviews([]) == {}


async def test_concurrent_deliveries_of_one_event_store_it_once(associations: AssociationRepos) -> None:
    room = await roster(associations, unique_user(), "Ada")
    event = suggestions(room.class_id, *(listed(e, candidate(room.students[0], 0.8)) for e in essay_ids(3)))

    outcomes = await asyncio.gather(
        *(associations.associations.ingest(event, builders.suggestions_ready) for _ in range(4))
    )

    assert sorted(outcome.is_replay for outcome in outcomes) == [False, True, True, True]
    assert len((await associations.associations.review(room.owner, event.batch_id)).essays) == 3
    assert len(notifications(await associations.outbox())) == 1
