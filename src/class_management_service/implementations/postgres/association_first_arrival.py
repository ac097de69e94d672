"""The common ingest, a batch's first suggestions event, in two round trips and no explicit transaction.

One read (INGEST_PROBE: replay? the class, its members, the batch stored already?), the rules, then
one statement that writes everything or nothing (INGEST_NEW). Every condition the plan relied on
is re-checked by that statement's constraints: a batch stored meanwhile makes it write nothing,
an event or essay stored meanwhile or a class or student deleted meanwhile rolls it back. Then,
and whenever the probe finds anything but a new batch of an existing class, the caller takes
the locked path (``association_ingest``), which handles every case.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from class_management_service.domain.association_decisions import IngestOutcome
from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import AssociationBatch, BatchReview
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.ingest_planning import plan_ingest
from class_management_service.implementations.postgres import association_statements as sql
from class_management_service.implementations.postgres.association_rows import essays_document
from class_management_service.implementations.postgres.outbox_writer import outbox_arguments
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import EventsFor


async def ingest_first_arrival(
    connection: asyncpg.Connection, batch: SuggestedBatch, events: EventsFor[IngestOutcome]
) -> tuple[IngestOutcome, Sequence[OutboxEvent]] | None:
    """The outcome and the outbox events written, or None: take the locked path.

    ``connection`` is in autocommit: the write is one statement, atomic on its own.
    """
    probe = await connection.fetchrow(sql.INGEST_PROBE, batch.event_id, batch.class_id, batch.batch_id)
    if probe["is_replay"]:
        return IngestOutcome(batch.batch_id, True, False, 0, 0, 0, None), ()
    if probe["owner"] is None or probe["is_batch_stored"]:
        return None
    received_at, deadline = utc(batch.received_at), utc(batch.deadline)
    stored = AssociationBatch(
        batch_id=batch.batch_id,
        class_id=batch.class_id,
        class_name=probe["class_name"],
        course_code=batch.course_code,
        owner=probe["owner"],
        correlation_id=batch.correlation_id,
        received_at=received_at,
        deadline=deadline,
        completed_at=None,
        timeout_triggered=False,
    )
    plan = plan_ingest(batch, frozenset(probe["members"]), {}, is_batch_completed=False)
    outcome = IngestOutcome(
        batch_id=batch.batch_id,
        is_replay=False,
        is_class_found=True,
        stored_essays=len(plan.essays),
        kept_essays=plan.kept_essays,
        dropped_suggestions=plan.dropped_suggestions,
        review=BatchReview(stored, plan.essays),
    )
    outbox = events(outcome)
    batch_row = (
        batch.batch_id,
        batch.class_id,
        batch.course_code,
        batch.correlation_id,
        received_at,
        deadline,
    )
    try:
        is_written = await connection.fetchval(
            sql.INGEST_NEW,
            batch.event_id,
            SUGGESTIONS_TOPIC,
            received_at,
            *batch_row,
            essays_document(plan.essays),
            *outbox_arguments(outbox),
        )
    except (asyncpg.UniqueViolationError, asyncpg.ForeignKeyViolationError):
        return None
    return (outcome, outbox) if is_written else None
