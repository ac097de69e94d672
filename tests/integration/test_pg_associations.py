"""What only PostgreSQL shows of the association repository: row locks, SKIP LOCKED, races, the inbox."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.association_decisions import Decision, DecisionRequest, TimeoutPolicy
from class_management_service.domain.association_event_builders import suggestions_ready
from class_management_service.domain.consumed_messages import DeadLetter
from class_management_service.domain.errors import PendingValidationsError
from class_management_service.implementations.postgres.association_repository import (
    AsyncpgAssociationRepository,
)
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.dead_letters import AsyncpgDeadLetterStore
from class_management_service.implementations.postgres.leadership import asyncpg_dsn
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from tests.integration.pg_association_helpers import (
    T0,
    confirmed_marker,
    confirmed_rows,
    decision_marker,
    essay,
    roster,
    scalar,
    suggested,
    unique_batch,
)
from tests.integration.repository_helpers import no_events

POLICY = TimeoutPolicy(min_confidence=0.7)


async def test_an_event_is_stored_once_with_every_candidate_ranked(clean_pg: AsyncEngine) -> None:
    repo, room = AsyncpgAssociationRepository(clean_pg), await roster(clean_pg)
    a, b, c = room.students
    outsider = uuid.uuid4()
    event = suggested(
        unique_batch(), room.class_id, [essay("e1", (b, 0.4), (a, 0.9), (outsider, 0.99)), essay("e2")]
    )

    first = await repo.ingest(event, no_events)
    again = await repo.ingest(event, no_events)

    assert (first.stored_essays, first.dropped_suggestions, first.is_replay) == (2, 1, False)
    assert again.is_replay
    assert again.review is None
    review = await repo.review(room.owner, event.batch_id)
    assert review == first.review
    assert [s.student_id for s in review.essays[0].suggestions] == [a, b]
    assert review.essays[0].suggestions[0].match_reasons == ("reason 1", "shared")
    assert await scalar(clean_pg, "SELECT count(*) FROM essay_match_suggestions") == 2
    assert c not in {s.student_id for e in review.essays for s in e.suggestions}


async def test_a_rerun_replaces_pending_candidates_and_keeps_decided_essays(clean_pg: AsyncEngine) -> None:
    repo, room = AsyncpgAssociationRepository(clean_pg), await roster(clean_pg)
    a, b, c = room.students
    batch_id = unique_batch()
    await repo.ingest(
        suggested(
            batch_id, room.class_id, [essay("e1", (a, 0.9), (b, 0.5), (c, 0.1)), essay("e2", (a, 0.3))]
        ),
        no_events,
    )
    decided = await repo.decide(
        DecisionRequest(room.owner, batch_id, (Decision("e2", c, True),), T0), no_events
    )
    assert decided.review == await repo.review(room.owner, batch_id)
    assert decided.review.essays[1].student_names is not None

    rerun = await repo.ingest(
        suggested(batch_id, room.class_id, [essay("e1", (b, 0.8)), essay("e2", (b, 0.9))]), no_events
    )

    assert (rerun.stored_essays, rerun.kept_essays) == (1, 1)
    review = await repo.review(None, batch_id)
    assert [s.student_id for s in review.essays[0].suggestions] == [b]
    assert (review.essays[1].status, review.essays[1].student_id) == ("confirmed", c)
    assert [s.student_id for s in review.essays[1].suggestions] == [a]
    assert rerun.review == review


async def test_an_unknown_class_records_only_the_event_id(clean_pg: AsyncEngine) -> None:
    repo = AsyncpgAssociationRepository(clean_pg)
    event = suggested(unique_batch(), uuid.uuid4(), [essay("e1", (uuid.uuid4(), 0.9))])

    outcome = await repo.ingest(event, no_events)

    assert (outcome.is_class_found, outcome.dropped_suggestions, outcome.review) == (False, 1, None)
    assert (
        await scalar(clean_pg, "SELECT count(*) FROM inbox_events WHERE event_id = :id", id=event.event_id)
        == 1
    )
    assert await scalar(clean_pg, "SELECT count(*) FROM association_batches") == 0
    assert (await repo.ingest(event, no_events)).is_replay


async def test_a_decision_waiting_for_the_lock_reads_what_the_holder_committed(clean_pg: AsyncEngine) -> None:
    repo, room = AsyncpgAssociationRepository(clean_pg), await roster(clean_pg)
    a = room.students[0]
    batch_id = unique_batch()
    await repo.ingest(suggested(batch_id, room.class_id, [essay("e1", (a, 0.9))]), no_events)
    holder = await asyncpg.connect(asyncpg_dsn(clean_pg.url))
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT FROM association_batches WHERE batch_id = $1 FOR UPDATE", batch_id)
        request = DecisionRequest(room.owner, batch_id, (Decision("e1", a, True),), T0)
        waiting = asyncio.create_task(repo.decide(request, decision_marker))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        await holder.execute(
            "UPDATE essay_student_associations SET validation_status = 'confirmed', student_id = $1, "
            "validation_method = 'human', validated_by = $2, validated_at = $3 WHERE essay_id = 'e1'",
            a,
            room.owner,
            T0,
        )
        await holder.execute(
            "UPDATE association_batches SET completed_at = $1 WHERE batch_id = $2", T0, batch_id
        )
        await transaction.commit()
        outcome = await waiting
    finally:
        await holder.close()

    assert (outcome.changed_essay_ids, outcome.completed) == ((), None)
    assert await confirmed_rows(clean_pg, batch_id) == []


async def test_concurrent_decisions_completing_one_batch_write_one_confirmed_event(
    clean_pg: AsyncEngine,
) -> None:
    repo, room = AsyncpgAssociationRepository(clean_pg), await roster(clean_pg)
    a, b, _ = room.students
    batch_ids = [unique_batch() for _ in range(10)]
    for batch_id in batch_ids:
        essays = [essay(f"{batch_id}-1", (a, 0.9)), essay(f"{batch_id}-2", (b, 0.9))]
        await repo.ingest(suggested(batch_id, room.class_id, essays), no_events)

    def request(batch_id: str, essay_suffix: str, student: uuid.UUID) -> DecisionRequest:
        return DecisionRequest(
            room.owner, batch_id, (Decision(f"{batch_id}-{essay_suffix}", student, True),), T0
        )

    outcomes = await asyncio.gather(
        *(repo.decide(request(batch_id, "1", a), decision_marker) for batch_id in batch_ids),
        *(repo.decide(request(batch_id, "2", b), decision_marker) for batch_id in batch_ids),
        *(repo.decide(request(batch_id, "2", b), decision_marker) for batch_id in batch_ids),
    )

    assert sum(1 for outcome in outcomes if outcome.completed) == len(batch_ids)
    rows = await confirmed_rows(clean_pg)
    assert sorted(batch_id for batch_id, _ in rows) == sorted(batch_ids)
    assert all(len(body["essays"]) == 2 for _, body in rows)


async def test_two_timeout_scans_decide_each_expired_batch_once(clean_pg: AsyncEngine) -> None:
    repo, room = AsyncpgAssociationRepository(clean_pg), await roster(clean_pg)
    a = room.students[0]
    batch_ids = [unique_batch() for _ in range(12)]
    for number, batch_id in enumerate(batch_ids):
        essays = [essay(f"{batch_id}-1", (a, 0.9)), essay(f"{batch_id}-2", (a, 0.2)), essay(f"{batch_id}-3")]
        await repo.ingest(
            suggested(batch_id, room.class_id, essays, T0 + timedelta(seconds=number), 60), no_events
        )
    open_id = unique_batch()
    await repo.ingest(suggested(open_id, room.class_id, [essay(f"{open_id}-1")], T0, 86400), no_events)
    now = T0 + timedelta(hours=1)

    scans = await asyncio.gather(*(repo.decide_expired(now, POLICY, confirmed_marker) for _ in range(2)))

    decided = [done.review.batch.batch_id for scan in scans for done in scan]
    assert sorted(decided) == sorted(batch_ids)
    rows = await confirmed_rows(clean_pg)
    assert sorted(batch_id for batch_id, _ in rows) == sorted(batch_ids)
    placeholders = [done.placeholder for scan in scans for done in scan if done.placeholder is not None]
    assert len(placeholders) == 1
    placeholder_id = str(placeholders[0].id)
    for _, body in rows:
        assert body["timeout"] is True
        assert [e[1:3] for e in body["essays"]] == [
            ["confirmed", str(a)],
            ["confirmed", placeholder_id],
            ["confirmed", placeholder_id],
        ]
    roster_ids = await scalar(
        clean_pg,
        "SELECT array_agg(student_id) FROM class_student_association WHERE class_id = :c",
        c=room.class_id,
    )
    assert placeholders[0].id in roster_ids
    for done in (done for scan in scans for done in scan):
        assert done.review == await repo.review(None, done.review.batch.batch_id)
    assert await repo.decide_expired(now, POLICY, confirmed_marker) == []


async def test_a_class_with_pending_essays_is_kept_unless_forced(clean_pg: AsyncEngine) -> None:
    repo, classes, room = (
        AsyncpgAssociationRepository(clean_pg),
        AsyncpgClassRepository(clean_pg),
        await roster(clean_pg),
    )
    a = room.students[0]
    batch_id = unique_batch()
    await repo.ingest(suggested(batch_id, room.class_id, [essay("e1", (a, 0.9)), essay("e2")]), no_events)
    await repo.decide(DecisionRequest(room.owner, batch_id, (Decision("e1", a, True),), T0), no_events)

    with pytest.raises(PendingValidationsError) as refused:
        await classes.delete(room.owner, room.class_id, no_events, at=datetime.now(UTC))
    deleted = await classes.delete(
        room.owner,
        room.class_id,
        lambda d: [e for c in d.completed_batches for e in confirmed_marker(c)],
        force=True,
        at=datetime.now(UTC),
    )

    assert refused.value.details == {"batch_ids": [batch_id]}
    [done] = deleted.completed_batches
    assert [(e.status, e.validation_method, e.validated_by) for e in done.review.essays] == [
        ("confirmed", "human", room.owner),
        ("rejected", "human", room.owner),
    ]
    assert [batch for batch, _ in await confirmed_rows(clean_pg)] == [batch_id]
    assert await scalar(clean_pg, "SELECT count(*) FROM association_batches") == 0


async def test_a_forced_student_delete_rejects_only_the_essays_listing_them(clean_pg: AsyncEngine) -> None:
    repo, students, room = (
        AsyncpgAssociationRepository(clean_pg),
        AsyncpgStudentRepository(clean_pg),
        await roster(clean_pg),
    )
    a, b, _ = room.students
    partial, whole = unique_batch(), unique_batch()
    await repo.ingest(
        suggested(partial, room.class_id, [essay(f"{partial}-1", (a, 0.9)), essay(f"{partial}-2", (b, 0.9))]),
        no_events,
    )
    await repo.ingest(suggested(whole, room.class_id, [essay(f"{whole}-1", (b, 0.9), (a, 0.3))]), no_events)

    with pytest.raises(PendingValidationsError) as refused:
        await students.delete(room.owner, a, no_events, at=datetime.now(UTC))
    deleted = await students.delete(room.owner, a, no_events, force=True, at=datetime.now(UTC))

    assert refused.value.details == {"batch_ids": sorted([partial, whole])}
    assert [done.review.batch.batch_id for done in deleted.completed_batches] == [whole]
    left = await repo.review(room.owner, partial)
    assert [e.status for e in left.essays] == ["rejected", "pending_validation"]
    assert left.batch.completed_at is None
    assert (await repo.review(room.owner, whole)).batch.completed_at is not None


async def test_a_dead_letter_keeps_the_raw_bytes(clean_pg: AsyncEngine) -> None:
    letter = DeadLetter("topic-x", 2, 41, b"key", b"\x00not json", "not JSON", T0)
    await AsyncpgDeadLetterStore(clean_pg).record(letter)
    assert (
        await scalar(clean_pg, 'SELECT message_value FROM dead_letter_events WHERE "offset" = 41')
        == b"\x00not json"
    )


async def test_an_essay_of_another_batch_is_kept_where_it_is(clean_pg: AsyncEngine) -> None:
    repo, room = AsyncpgAssociationRepository(clean_pg), await roster(clean_pg)
    a = room.students[0]
    first, second = unique_batch(), unique_batch()
    await repo.ingest(suggested(first, room.class_id, [essay("shared", (a, 0.9))]), no_events)

    outcome = await repo.ingest(
        suggested(second, room.class_id, [essay("shared"), essay("own", (a, 0.5))]), no_events
    )

    assert (outcome.stored_essays, outcome.kept_essays) == (1, 1)
    assert (await repo.essay("shared")).batch_id == first
    assert [e.essay_id for e in (await repo.review(room.owner, second)).essays] == ["own"]


async def test_one_event_delivered_twice_at_once_is_stored_once(clean_pg: AsyncEngine) -> None:
    repo, room = AsyncpgAssociationRepository(clean_pg), await roster(clean_pg)
    events = [
        suggested(unique_batch(), room.class_id, [essay(f"e{n}", (room.students[0], 0.9))]) for n in range(10)
    ]

    outcomes = await asyncio.gather(
        *(repo.ingest(event, suggestions_ready) for event in events for _ in range(2))
    )

    assert sorted(outcome.is_replay for outcome in outcomes) == [False] * 10 + [True] * 10
    assert await scalar(clean_pg, "SELECT count(*) FROM essay_student_associations") == 10
    assert await scalar(clean_pg, "SELECT count(*) FROM event_outbox") == 10


async def test_a_forced_student_delete_chosen_as_deadlock_victim_runs_again(clean_pg: AsyncEngine) -> None:
    students, room = AsyncpgStudentRepository(clean_pg), await roster(clean_pg)
    repo, a = AsyncpgAssociationRepository(clean_pg), room.students[0]
    batch_id = unique_batch()
    await repo.ingest(
        suggested(batch_id, room.class_id, [essay("e1", (a, 0.9)), essay("e2", (a, 0.4))]), no_events
    )
    holder = await asyncpg.connect(asyncpg_dsn(clean_pg.url))
    try:
        # What a decision does: the batch lock first, then a write naming the student.
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT FROM association_batches WHERE batch_id = $1 FOR UPDATE", batch_id)
        deleting = asyncio.create_task(
            students.delete(room.owner, a, no_events, force=True, at=datetime.now(UTC))
        )
        await _until_a_lock_is_awaited(holder)  # the delete holds the student, waits for the batch
        await holder.execute(
            "UPDATE essay_student_associations SET validation_status = 'confirmed', student_id = $1, "
            "validation_method = 'human', validated_by = $2, validated_at = $3 WHERE essay_id = 'e1'",
            a,
            room.owner,
            T0,
        )
        await transaction.commit()
        deleted = await deleting
    finally:
        await holder.close()

    [done] = deleted.completed_batches
    assert [(e.essay_id, e.status) for e in done.review.essays] == [("e1", "confirmed"), ("e2", "rejected")]


async def _until_a_lock_is_awaited(connection: asyncpg.Connection) -> None:
    for _ in range(500):
        if await connection.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"):
            return
        await asyncio.sleep(0.01)
    pytest.fail("nothing waited for a lock within 5 s")
