"""Essay→student associations and dead letters in an ``InMemoryStore``; the rules are the ``domain``'s.

Each write computes everything (events included) under the store's lock before it changes
anything, so a failing event builder leaves the store as it was, like a rolled-back transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

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
from class_management_service.domain.matching import apply_decisions, is_complete, with_changes
from class_management_service.implementations.memory.association_ingest import store_suggestions
from class_management_service.implementations.memory.association_timeouts import expire_batch
from class_management_service.implementations.memory.idempotency_store import complete_key
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import AssociationRepositoryProtocol, EventsFor


class InMemoryAssociationRepository(AssociationRepositoryProtocol):
    """Batches, essays and the inbox of consumed event ids, in the store the class repositories share."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def ingest(self, batch: SuggestedBatch, events: EventsFor[IngestOutcome]) -> IngestOutcome:
        async with self._store.lock:
            return store_suggestions(self._store, batch, events)

    async def review(self, owner: str | None, batch_id: str) -> BatchReview:
        return self._store.batch_review(owner, batch_id)

    async def reviews(self, batch_ids: Sequence[str]) -> Mapping[str, BatchReview]:
        return {
            i: self._store.batch_review(None, i) for i in dict.fromkeys(batch_ids) if i in self._store.batches
        }

    async def batches(self, batch_ids: Sequence[str]) -> Mapping[str, AssociationBatch]:
        return {i: review.batch for i, review in (await self.reviews(batch_ids)).items()}

    async def essay(self, essay_id: str) -> EssayAssociation:
        found = self._store.essays.get(essay_id)
        if found is None:
            raise EssayNotFoundError([essay_id])
        return self._store.named(found)

    async def decide(
        self,
        request: DecisionRequest,
        events: EventsFor[DecisionOutcome],
        *,
        key: IdempotentWrite[DecisionOutcome] | None = None,
    ) -> DecisionOutcome:
        store = self._store
        async with store.lock:
            review = store.batch_review(request.owner, request.batch_id)
            members = store.class_members(review.batch.class_id)
            changed = apply_decisions(review, request.decisions, members, request.owner, request.at)
            after = with_changes(review, changed)
            completed = None
            if review.batch.completed_at is None and is_complete(after):
                after = replace(
                    after, batch=replace(after.batch, completed_at=request.at, timeout_triggered=False)
                )
                completed = CompletedBatch(after, timeout_triggered=False)
            named = replace(after, essays=tuple(store.named(e) for e in after.essays))
            if completed is not None:
                completed = replace(completed, review=named)
            outcome = DecisionOutcome(named, tuple(e.essay_id for e in changed), completed)
            complete_key(store, key, outcome)
            store.commit(events(outcome))
            store.save_review(after)
            return outcome

    async def decide_expired(
        self, now: datetime, policy: TimeoutPolicy, events: EventsFor[CompletedBatch]
    ) -> Sequence[CompletedBatch]:
        due = sorted(
            (b for b in self._store.batches.values() if b.completed_at is None and b.deadline <= now),
            key=lambda b: (b.deadline, b.batch_id),
        )
        decided: list[CompletedBatch] = []
        for row in due[: policy.batch_limit]:
            async with self._store.lock:
                current = self._store.batches.get(row.batch_id)
                if current is not None and current.completed_at is None:  # nobody decided it meanwhile
                    decided.append(expire_batch(self._store, row.batch_id, now, policy, events))
        return decided
