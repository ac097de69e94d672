"""A teacher's decisions: optimistically in three round trips, else under the batch's row lock.

The optimistic path reads the batch and its class's students without a lock, applies the rules,
and writes with WRITE_IF_UNCHANGED, which writes only if the batch row is still the version it
read (every decision rewrites that row). A request that would change nothing writes nothing.
Anything unexpected (the batch changed meanwhile, an essay or student unknown to the unlocked
read, a constraint or a deadlock) sends the request down the locked path, which decides for sure:
BEGIN, lock, read, write, COMMIT. Both paths complete a batch only when it was read open, so
exactly one decision completes each batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from class_management_service.domain.association_decisions import (
    CompletedBatch,
    DecisionOutcome,
    DecisionRequest,
)
from class_management_service.domain.associations import BatchReview, EssayAssociation
from class_management_service.domain.errors import (
    BatchNotFoundError,
    EssayNotFoundError,
    StudentNotInClassError,
)
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.matching import apply_decisions, is_complete, with_changes
from class_management_service.implementations.postgres import association_statements as reads
from class_management_service.implementations.postgres import decision_statements as sql
from class_management_service.implementations.postgres.association_decisions import (
    locked_review,
    members_of,
    write_decisions,
)
from class_management_service.implementations.postgres.association_rows import (
    completed,
    decision_arguments,
    named,
    to_reviews,
)
from class_management_service.implementations.postgres.outbox_writer import outbox_arguments
from class_management_service.protocols import EventsFor

Decided = tuple[DecisionOutcome, Sequence[OutboxEvent]]


def _outcome(review: BatchReview, changed: Sequence[EssayAssociation], at: datetime) -> DecisionOutcome:
    after = with_changes(review, changed)
    done = None
    if review.batch.completed_at is None and is_complete(after):
        after = completed(after, at, timeout_triggered=False)
        done = CompletedBatch(after, timeout_triggered=False)
    return DecisionOutcome(after, tuple(essay.essay_id for essay in changed), done)


async def decide_unlocked(
    connection: asyncpg.Connection, request: DecisionRequest, at: datetime, events: EventsFor[DecisionOutcome]
) -> Decided | None:
    """The outcome and the outbox events written, or None: decide under the lock instead."""
    rows = await connection.fetch(reads.REVIEWS, [request.batch_id])
    review = to_reviews(rows).get(request.batch_id)
    if review is None or review.batch.owner != request.owner:
        raise BatchNotFoundError(request.batch_id)
    members = await members_of(connection, review.batch.class_id)
    try:
        changed = named(apply_decisions(review, request.decisions, members, request.owner, at), members)
    except (EssayNotFoundError, StudentNotInClassError):
        return None  # an essay or a student may be newer than this read: the locked path knows
    outcome = _outcome(review, changed, at)
    outbox = events(outcome)
    if not changed and not outbox:
        return outcome, outbox
    completed_at = at if outcome.completed else None
    arguments = (
        *decision_arguments(changed),
        request.batch_id,
        completed_at,
        False,
        *outbox_arguments(outbox),
    )
    try:
        is_written = await connection.fetchval(sql.WRITE_IF_UNCHANGED, *arguments, rows[0]["version"])
    except (asyncpg.ForeignKeyViolationError, asyncpg.DeadlockDetectedError):
        return None
    return (outcome, outbox) if is_written else None


async def decide_locked(
    connection: asyncpg.Connection, request: DecisionRequest, at: datetime, events: EventsFor[DecisionOutcome]
) -> Decided:
    """Inside the caller's transaction, under the batch's row lock."""
    review, members = await locked_review(connection, request.batch_id, request.owner)
    changed = named(apply_decisions(review, request.decisions, members, request.owner, at), members)
    outcome = _outcome(review, changed, at)
    outbox = events(outcome)
    await write_decisions(connection, request.batch_id, changed, at if outcome.completed else None, outbox)
    return outcome, outbox
