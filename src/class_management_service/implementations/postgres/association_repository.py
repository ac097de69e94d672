"""Essay→student associations in PostgreSQL through asyncpg: row locks decide who completes a batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.associations import (
    AssociationBatch,
    BatchReview,
    CompletedBatch,
    DeadLetter,
    DecisionOutcome,
    DecisionRequest,
    EssayAssociation,
    IngestOutcome,
    SuggestedBatch,
    TimeoutPolicy,
)
from class_management_service.domain.errors import BatchNotFoundError, EssayNotFoundError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.matching import (
    apply_decisions,
    is_complete,
    needs_placeholder,
    timeout_decisions,
    with_changes,
)
from class_management_service.implementations.postgres import association_statements as sql
from class_management_service.implementations.postgres import decision_statements as writes
from class_management_service.implementations.postgres.association_decisions import (
    load_review,
    locked_review,
    members_of,
    placeholder_for,
    write_decisions,
)
from class_management_service.implementations.postgres.association_first_arrival import ingest_first_arrival
from class_management_service.implementations.postgres.association_ingest import ingest_in_transaction
from class_management_service.implementations.postgres.association_rows import (
    completed,
    named,
    to_batch,
    to_essay,
    to_reviews,
)
from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.implementations.postgres.idempotency_store import complete_key
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    DeadLetterStoreProtocol,
    EventsFor,
)


class AsyncpgAssociationRepository(AssociationRepositoryProtocol):
    """Suggestions, decisions and batches with hand-written statements on the raw driver."""

    def __init__(self, engine: AsyncEngine, doorbell: OutboxDoorbell | None = None) -> None:
        """``doorbell`` wakes the relay after each commit that wrote outbox rows."""
        self._engine = engine
        self._doorbell = doorbell

    async def ingest(self, batch: SuggestedBatch, events: EventsFor[IngestOutcome]) -> IngestOutcome:
        async with pg_connection(self._engine) as connection:
            first = await ingest_first_arrival(connection, batch, events)
            if first is not None:
                outcome, outbox = first
            else:
                try:
                    async with connection.transaction():
                        outcome, outbox = await ingest_in_transaction(connection, batch, events)
                except asyncpg.ForeignKeyViolationError:
                    # The class or a candidate was deleted between this transaction's reads and
                    # its writes: once more, with what is stored now.
                    async with connection.transaction():
                        outcome, outbox = await ingest_in_transaction(connection, batch, events)
        self._wake_relay(outbox)
        return outcome

    async def review(self, owner: str | None, batch_id: str) -> BatchReview:
        async with pg_connection(self._engine) as connection:
            rows = await connection.fetch(sql.REVIEWS, [batch_id])
        review = to_reviews(rows).get(batch_id)
        if review is None or (owner is not None and review.batch.owner != owner):
            raise BatchNotFoundError(batch_id)
        return review

    async def reviews(self, batch_ids: Sequence[str]) -> Mapping[str, BatchReview]:
        if not batch_ids:
            return {}
        async with pg_connection(self._engine) as connection:
            rows = await connection.fetch(sql.REVIEWS, list(dict.fromkeys(batch_ids)))
        return to_reviews(rows)

    async def batches(self, batch_ids: Sequence[str]) -> Mapping[str, AssociationBatch]:
        if not batch_ids:
            return {}
        async with pg_connection(self._engine) as connection:
            rows = await connection.fetch(sql.BATCHES, list(dict.fromkeys(batch_ids)))
        return {row["batch_id"]: to_batch(row) for row in rows}

    async def essay(self, essay_id: str) -> EssayAssociation:
        async with pg_connection(self._engine) as connection:
            rows = await connection.fetch(sql.ESSAYS, [essay_id])
        if not rows:
            raise EssayNotFoundError([essay_id])
        return to_essay(rows[0])

    async def decide(
        self,
        request: DecisionRequest,
        events: EventsFor[DecisionOutcome],
        *,
        key: IdempotentWrite[DecisionOutcome] | None = None,
    ) -> DecisionOutcome:
        at = utc(request.at)
        async with pg_connection(self._engine) as connection, connection.transaction():
            review, members = await locked_review(connection, request.batch_id, request.owner)
            changed = named(apply_decisions(review, request.decisions, members, request.owner, at), members)
            after = with_changes(review, changed)
            done = None
            if review.batch.completed_at is None and is_complete(after):
                after = completed(after, at, timeout_triggered=False)
                done = CompletedBatch(after, timeout_triggered=False)
            outcome = DecisionOutcome(after, tuple(essay.essay_id for essay in changed), done)
            outbox = events(outcome)
            await write_decisions(connection, request.batch_id, changed, at if done else None, outbox)
            await complete_key(connection, key, outcome)
        self._wake_relay(outbox)
        return outcome

    async def decide_expired(
        self, now: datetime, policy: TimeoutPolicy, events: EventsFor[CompletedBatch]
    ) -> Sequence[CompletedBatch]:
        now = utc(now)
        decided: list[CompletedBatch] = []
        async with pg_connection(self._engine) as connection:
            while len(decided) < policy.batch_limit:
                async with connection.transaction():
                    batch_id = await connection.fetchval(writes.NEXT_EXPIRED, now)
                    if batch_id is None:
                        break
                    done, outbox = await _time_out(connection, batch_id, now, policy, events)
                decided.append(done)
                self._wake_relay(outbox)
        return decided

    def _wake_relay(self, outbox: Sequence[object]) -> None:
        if outbox and self._doorbell is not None:
            self._doorbell.ring()


async def _time_out(
    connection: asyncpg.Connection,
    batch_id: str,
    now: datetime,
    policy: TimeoutPolicy,
    events: EventsFor[CompletedBatch],
) -> tuple[CompletedBatch, Sequence[OutboxEvent]]:
    """Decide the locked, expired batch: confident candidates, else the class's placeholder."""
    review = await load_review(connection, batch_id)
    placeholder_id, placeholder = None, None
    if needs_placeholder(review, policy):
        placeholder_id, placeholder = await placeholder_for(connection, review.batch, now)
    decided = named(
        timeout_decisions(review, policy, placeholder_id, now),
        await members_of(connection, review.batch.class_id),
    )
    after = completed(with_changes(review, decided), now, timeout_triggered=True)
    done = CompletedBatch(after, timeout_triggered=True, placeholder=placeholder)
    outbox = events(done)
    await write_decisions(connection, batch_id, decided, now, outbox, timeout_triggered=True)
    return done, outbox


class AsyncpgDeadLetterStore(DeadLetterStoreProtocol):
    """Dead letters in ``dead_letter_events``: one INSERT each (they are rare)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(self, letter: DeadLetter) -> None:
        values = (letter.topic, letter.partition, letter.offset, letter.key, letter.value, letter.reason)
        async with pg_connection(self._engine) as connection:
            await connection.execute(writes.DEAD_LETTER, *values, utc(letter.received_at))
