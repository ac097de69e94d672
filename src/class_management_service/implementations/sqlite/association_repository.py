"""Essay→student associations in SQLite: each write commits its rows and outbox rows together.

Writes run under SQLite's write lock (taken at BEGIN IMMEDIATE), so what a transaction reads
before it writes cannot change underneath it: that is the batch "row lock" of the other backends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

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
from class_management_service.domain.errors import EssayNotFoundError
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.matching import apply_decisions
from class_management_service.domain.timeout_rules import needs_placeholder, timeout_decisions
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite import association_statements as sql
from class_management_service.implementations.sqlite.association_ingest import store_suggestions
from class_management_service.implementations.sqlite.association_rows import to_batch, to_essay, to_suggestion
from class_management_service.implementations.sqlite.association_state import (
    load_review,
    load_reviews,
    member_ids,
    store_decisions,
)
from class_management_service.implementations.sqlite.engine import read_sessions, write_sessions
from class_management_service.implementations.sqlite.idempotency_store import complete_key
from class_management_service.implementations.sqlite.outbox_writer import add_outbox_events
from class_management_service.implementations.sqlite.placeholder_student import placeholder_for
from class_management_service.protocols import AssociationRepositoryProtocol, EventsFor


class SqlAlchemyAssociationRepository(AssociationRepositoryProtocol):
    """Stores what the ``domain`` matching rules decide, with prepared SQLAlchemy Core statements."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)
        self._reads = read_sessions(engine)

    async def ingest(self, batch: SuggestedBatch, events: EventsFor[IngestOutcome]) -> IngestOutcome:
        async with translate_database_errors(), self._sessions.begin() as session:
            outcome = await store_suggestions(session, batch)
            if outcome.review is not None:  # a replay, or an unknown class, publishes nothing
                await add_outbox_events(session, events(outcome))
        return outcome

    async def review(self, owner: str | None, batch_id: str) -> BatchReview:
        async with translate_database_errors(), self._reads() as session:
            return await load_review(session, batch_id, owner)

    async def reviews(self, batch_ids: Sequence[str]) -> Mapping[str, BatchReview]:
        async with translate_database_errors(), self._reads() as session:
            return await load_reviews(session, batch_ids)

    async def batches(self, batch_ids: Sequence[str]) -> Mapping[str, AssociationBatch]:
        ids = list(dict.fromkeys(batch_ids))
        if not ids:
            return {}
        async with translate_database_errors(), self._reads() as session:
            rows = await session.execute(sql.BATCHES, {"batch_ids": ids})
            return {row.batch_id: to_batch(row) for row in rows}

    async def essay(self, essay_id: str) -> EssayAssociation:
        params = {"essay_id": essay_id}
        async with translate_database_errors(), self._reads() as session:
            row = (await session.execute(sql.ESSAY, params)).one_or_none()
            if row is None:
                raise EssayNotFoundError([essay_id])
            suggestions = tuple(
                to_suggestion(s) for s in await session.execute(sql.SUGGESTIONS_OF_ESSAY, params)
            )
        return to_essay(row, suggestions)

    async def decide(
        self,
        request: DecisionRequest,
        events: EventsFor[DecisionOutcome],
        *,
        key: IdempotentWrite[DecisionOutcome] | None = None,
    ) -> DecisionOutcome:
        async with translate_database_errors(), self._sessions.begin() as session:
            review = await load_review(session, request.batch_id, request.owner)
            members = await member_ids(session, review.batch.class_id)
            changed = apply_decisions(review, request.decisions, members, request.owner, request.at)
            updated, completed = await store_decisions(
                session, review, changed, request.at, timeout_triggered=False
            )
            outcome = DecisionOutcome(updated, tuple(essay.essay_id for essay in changed), completed)
            await add_outbox_events(session, events(outcome))
            await complete_key(session, key, outcome)
        return outcome

    async def decide_expired(
        self, now: datetime, policy: TimeoutPolicy, events: EventsFor[CompletedBatch]
    ) -> Sequence[CompletedBatch]:
        params = {"now": utc(now), "limit": policy.batch_limit}
        async with translate_database_errors(), self._reads() as session:
            expired = list((await session.execute(sql.EXPIRED, params)).scalars())
        completed: list[CompletedBatch] = []
        for batch_id in expired:
            done = await self._decide_expired_batch(batch_id, now, policy, events)
            if done is not None:
                completed.append(done)
        return completed

    async def _decide_expired_batch(
        self, batch_id: str, now: datetime, policy: TimeoutPolicy, events: EventsFor[CompletedBatch]
    ) -> CompletedBatch | None:
        """One batch in its own transaction; None when another writer completed it meanwhile."""
        async with translate_database_errors(), self._sessions.begin() as session:
            review = (await load_reviews(session, [batch_id])).get(batch_id)
            if review is None or review.batch.completed_at is not None:
                return None
            placeholder_id, placeholder = None, None
            if needs_placeholder(review, policy):
                placeholder_id, placeholder = await placeholder_for(session, review.batch, now)
            changed = timeout_decisions(review, policy, placeholder_id, now)
            _, completed = await store_decisions(
                session, review, changed, now, timeout_triggered=True, placeholder=placeholder
            )
            if completed is not None:
                await add_outbox_events(session, events(completed))
        return completed
