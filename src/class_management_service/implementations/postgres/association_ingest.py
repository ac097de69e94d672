"""One suggestions event stored in one transaction: four round trips (BEGIN, two statements, COMMIT).

The first statement records the event id in the inbox and creates or locks the batch row; the
second writes every essay, every candidate and the outbox rows from arrays. A batch that was
already stored (NLP re-ran) is read again after its lock, which costs three reads more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import asyncpg

from class_management_service.domain.association_decisions import IngestOutcome
from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import BatchReview, EssayAssociation
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.ingest_planning import plan_ingest
from class_management_service.implementations.postgres import association_statements as sql
from class_management_service.implementations.postgres.association_decisions import load_review, members_of
from class_management_service.implementations.postgres.association_rows import (
    essays_document,
    merged,
    to_batch,
    to_essay,
)
from class_management_service.implementations.postgres.outbox_writer import outbox_arguments
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import EventsFor


async def ingest_in_transaction(
    connection: asyncpg.Connection, batch: SuggestedBatch, events: EventsFor[IngestOutcome]
) -> tuple[IngestOutcome, Sequence[OutboxEvent]]:
    """Store ``batch`` (the caller holds the transaction); the outcome and the outbox events written."""
    essay_ids = [essay.essay_id for essay in batch.essays]
    row = await connection.fetchrow(
        sql.INGEST_BEGIN,
        batch.event_id,
        SUGGESTIONS_TOPIC,
        utc(batch.received_at),
        batch.batch_id,
        batch.class_id,
        batch.course_code,
        batch.correlation_id,
        utc(batch.received_at),
        utc(batch.deadline),
        essay_ids,
    )
    if not row["is_new"]:
        return IngestOutcome(batch.batch_id, True, False, 0, 0, 0, None), ()
    if row["batch_id"] is None:
        dropped = batch.unparsable_suggestions + sum(len(essay.suggestions) for essay in batch.essays)
        outcome = IngestOutcome(batch.batch_id, False, False, 0, 0, dropped, None)
        return outcome, await _write(connection, batch, outcome, (), is_new_batch=False, events=events)
    is_new_batch: bool = row["is_inserted"]
    if is_new_batch:
        current = BatchReview(to_batch(row), ())
        members = frozenset(row["members"])
        stored = await _stored_essays(connection, row["stored_essay_ids"])
    else:  # read again now that the batch is locked: a decision may have committed meanwhile
        current = await load_review(connection, batch.batch_id)
        members = frozenset(await members_of(connection, current.batch.class_id))
        stored = await _stored_essays(connection, essay_ids)
    stored_batch = current.batch
    # The batch keeps the class it was stored with: an event naming another class changes nothing.
    is_kept = stored_batch.completed_at is not None or stored_batch.class_id != batch.class_id
    plan = plan_ingest(batch, members, stored, is_batch_completed=is_kept)
    outcome = IngestOutcome(
        batch_id=batch.batch_id,
        is_replay=False,
        is_class_found=True,
        stored_essays=len(plan.essays),
        kept_essays=plan.kept_essays,
        dropped_suggestions=plan.dropped_suggestions,
        review=merged(current, plan.essays),
    )
    return outcome, await _write(
        connection, batch, outcome, plan.essays, is_new_batch=is_new_batch, events=events
    )


async def _stored_essays(
    connection: asyncpg.Connection, essay_ids: Sequence[str]
) -> Mapping[str, EssayAssociation]:
    if not essay_ids:
        return {}
    rows = await connection.fetch(sql.ESSAYS, list(essay_ids))
    return {row["essay_id"]: to_essay(row) for row in rows}


async def _write(
    connection: asyncpg.Connection,
    batch: SuggestedBatch,
    outcome: IngestOutcome,
    essays: Sequence[EssayAssociation],
    *,
    is_new_batch: bool,
    events: EventsFor[IngestOutcome],
) -> Sequence[OutboxEvent]:
    outbox = events(outcome)
    if essays or outbox:
        await connection.execute(
            sql.INGEST_WRITE,
            batch.batch_id,
            batch.class_id,
            is_new_batch,
            essays_document(essays),
            *outbox_arguments(outbox),
        )
    return outbox
