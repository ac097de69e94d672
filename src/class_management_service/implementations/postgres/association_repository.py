"""Essay→student associations in PostgreSQL through asyncpg: row locks decide who completes a batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.association_decisions import (
    CompletedBatch,
    DecisionOutcome,
    DecisionRequest,
    IngestOutcome,
    TimeoutPolicy,
)
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import AssociationBatch, BatchReview, EssayAssociation
from class_management_service.domain.errors import BatchNotFoundError, EssayNotFoundError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.matching import with_changes
from class_management_service.domain.timeout_rules import needs_placeholder, timeout_decisions
from class_management_service.implementations.postgres import association_statements as sql
from class_management_service.implementations.postgres import decision_statements as writes
from class_management_service.implementations.postgres.association_decide import (
    Decided,
    decide_locked,
    decide_unlocked,
)
from class_management_service.implementations.postgres.association_decisions import (
    load_review,
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

# Its sibling, re-exported: the module name the other backends' users import it from.
from class_management_service.implementations.postgres.dead_letters import (
    AsyncpgDeadLetterStore as AsyncpgDeadLetterStore,  # noqa: PLC0414
)
from class_management_service.implementations.postgres.idempotency_store import complete_key
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.postgres.transactions import in_transaction
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import AssociationRepositoryProtocol, EventsFor


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
                # A class or candidate deleted between the reads and the writes: once more, with
                # what is stored now.
                outcome, outbox = await in_transaction(
                    connection,
                    lambda locked: ingest_in_transaction(locked, batch, events),
                    retry_on=(asyncpg.ForeignKeyViolationError,),
                )
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
        async with pg_connection(self._engine) as connection:
            # A keyed request is completed in the decision's transaction: the locked path has one.
            decided = None if key else await decide_unlocked(connection, request, at, events)
            if decided is None:
                # A chosen student deleted after the read fails the write: once more, and the
                # student is no longer in the class.
                decided = await in_transaction(
                    connection,
                    lambda locked: _decide_locked(locked, request, at, events, key),
                    retry_on=(asyncpg.ForeignKeyViolationError,),
                )
        outcome, outbox = decided
        self._wake_relay(outbox)
        return outcome

    async def decide_expired(
        self, now: datetime, policy: TimeoutPolicy, events: EventsFor[CompletedBatch]
    ) -> Sequence[CompletedBatch]:
        now = utc(now)

        async def next_expired(
            connection: asyncpg.Connection,
        ) -> tuple[CompletedBatch, Sequence[OutboxEvent]] | None:
            batch_id = await connection.fetchval(writes.NEXT_EXPIRED, now)
            return None if batch_id is None else await _time_out(connection, batch_id, now, policy, events)

        decided: list[CompletedBatch] = []
        async with pg_connection(self._engine) as connection:
            while len(decided) < policy.batch_limit:
                found = await in_transaction(connection, next_expired)
                if found is None:
                    break
                decided.append(found[0])
                self._wake_relay(found[1])
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


async def _decide_locked(
    connection: asyncpg.Connection,
    request: DecisionRequest,
    at: datetime,
    events: EventsFor[DecisionOutcome],
    key: IdempotentWrite[DecisionOutcome] | None,
) -> Decided:
    decided = await decide_locked(connection, request, at, events)
    await complete_key(connection, key, decided[0])
    return decided
