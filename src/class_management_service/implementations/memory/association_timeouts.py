"""The timeout decision of one in-memory batch: its placeholder student, its decisions, its events."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID, uuid4

from class_management_service.domain.association_decisions import CompletedBatch, TimeoutPolicy
from class_management_service.domain.associations import AssociationBatch
from class_management_service.domain.matching import with_changes
from class_management_service.domain.models import Student
from class_management_service.domain.timeout_rules import (
    needs_placeholder,
    placeholder_email,
    placeholder_student,
    timeout_decisions,
)
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import EventsFor


def expire_batch(
    store: InMemoryStore,
    batch_id: str,
    now: datetime,
    policy: TimeoutPolicy,
    events: EventsFor[CompletedBatch],
) -> CompletedBatch:
    """Decide the expired batch ``batch_id``; the caller holds the store's lock and saw it still open.

    Essays without a confident candidate go to the class's placeholder student, created once."""
    review = store.batch_review(None, batch_id)
    created: Student | None = None
    placeholder_id: UUID | None = None
    links = None
    if needs_placeholder(review, policy):
        found = _placeholder_of(store, review.batch)
        if found is None:
            found = created = placeholder_student(review.batch.class_id, review.batch.owner, uuid4(), now)
        placeholder_id = found.id
        # Enrolled again if the teacher took it out: the essays it is given stay in the roster.
        member = (review.batch.class_id, placeholder_id)
        links = store.memberships | {member: store.memberships.get(member, now)}
    after = with_changes(review, timeout_decisions(review, policy, placeholder_id, now))
    after = replace(after, batch=replace(after.batch, completed_at=now, timeout_triggered=True))
    if created is not None:  # stored first so the review below shows its names
        store.students[created.id] = replace(created, class_ids=())
    completed = CompletedBatch(
        replace(after, essays=tuple(store.named(e) for e in after.essays)), True, created
    )
    try:
        store.commit(events(completed), links)
    except BaseException:
        if created is not None:
            del store.students[created.id]
        raise
    store.save_review(after)
    return completed


def _placeholder_of(store: InMemoryStore, batch: AssociationBatch) -> Student | None:
    email = placeholder_email(batch.class_id)
    return next(
        (s for s in store.students.values() if s.created_by_user_id == batch.owner and s.email == email),
        None,
    )
