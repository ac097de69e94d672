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
from class_management_service.domain.ingest_planning import plan_ingest
from class_management_service.domain.matching import apply_decisions, is_complete, with_changes
from class_management_service.domain.models import SchoolClass
from class_management_service.implementations.memory.association_timeouts import expire_batch
from class_management_service.implementations.memory.idempotency_store import complete_key
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import AssociationRepositoryProtocol, EventsFor


class InMemoryAssociationRepository(AssociationRepositoryProtocol):
    """Batches, essays and the inbox of consumed event ids, in the store the class repositories share."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def ingest(self, batch: SuggestedBatch, events: EventsFor[IngestOutcome]) -> IngestOutcome:
        store = self._store
        async with store.lock:
            if batch.event_id in store.inbox:
                return IngestOutcome(batch.batch_id, True, False, 0, 0, 0, None)
            school_class = store.classes.get(batch.class_id)
            if school_class is None:
                candidates = sum(len(essay.suggestions) for essay in batch.essays)
                store.inbox.add(batch.event_id)
                return IngestOutcome(
                    batch.batch_id, False, False, 0, 0, candidates + batch.unparsable_suggestions, None
                )
            stored = store.batches.get(batch.batch_id)
            row = stored or _new_batch(batch, school_class)
            existing = {
                e.essay_id: store.essays[e.essay_id] for e in batch.essays if e.essay_id in store.essays
            }
            plan = plan_ingest(
                batch,
                store.class_members(row.class_id),
                existing,
                is_batch_completed=row.completed_at is not None or row.class_id != batch.class_id,
            )
            review = BatchReview(row, ()) if stored is None else store.batch_review(None, batch.batch_id)
            after = _merged(review, plan.essays)
            outcome = IngestOutcome(
                batch.batch_id,
                False,
                True,
                len(plan.essays),
                plan.kept_essays,
                plan.dropped_suggestions,
                replace(after, essays=tuple(store.named(e) for e in after.essays)),
            )
            store.commit(events(outcome))
            store.inbox.add(batch.event_id)
            store.save_review(after)
            return outcome

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


def _new_batch(batch: SuggestedBatch, school_class: SchoolClass) -> AssociationBatch:
    return AssociationBatch(
        batch_id=batch.batch_id,
        class_id=batch.class_id,
        class_name=school_class.name,
        course_code=batch.course_code,
        owner=school_class.created_by_user_id,
        correlation_id=batch.correlation_id,
        received_at=batch.received_at,
        deadline=batch.deadline,
        completed_at=None,
        timeout_triggered=False,
    )


def _merged(review: BatchReview, planned: Sequence[EssayAssociation]) -> BatchReview:
    """The batch with the planned essays replacing or joining its own, in position order."""
    by_id = {essay.essay_id: essay for essay in review.essays} | {e.essay_id: e for e in planned}
    essays = sorted(by_id.values(), key=lambda e: (e.position, e.essay_id))
    return replace(review, essays=tuple(essays))
