"""How the in-memory backend stores a suggestions event; ``domain.ingest_planning`` decides what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from class_management_service.domain.association_decisions import IngestOutcome
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import AssociationBatch, BatchReview, EssayAssociation
from class_management_service.domain.ingest_planning import plan_ingest
from class_management_service.domain.models import SchoolClass
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import EventsFor


def store_suggestions(
    store: InMemoryStore, batch: SuggestedBatch, events: EventsFor[IngestOutcome]
) -> IngestOutcome:
    """Store one suggestions event exactly once; the caller holds ``store.lock``."""
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
    existing = {e.essay_id: store.essays[e.essay_id] for e in batch.essays if e.essay_id in store.essays}
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
