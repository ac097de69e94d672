"""Storing one suggestions event inside the caller's transaction, exactly once per event id."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.domain.association_decisions import IngestOutcome
from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import EssayAssociation
from class_management_service.domain.ingest_planning import plan_ingest
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite import association_statements as sql
from class_management_service.implementations.sqlite.association_rows import (
    batch_params,
    essay_params,
    suggestion_params,
    to_essay,
)
from class_management_service.implementations.sqlite.association_state import load_review, member_ids


async def store_suggestions(session: AsyncSession, batch: SuggestedBatch) -> IngestOutcome:
    """Inbox row first (a replay stops there), then the batch, its pending essays and candidates."""
    inbox = {"event_id": batch.event_id, "topic": SUGGESTIONS_TOPIC, "consumed_at": utc(batch.received_at)}
    if (await session.execute(sql.INSERT_INBOX, inbox)).first() is None:
        return IngestOutcome(batch.batch_id, True, False, 0, 0, 0, None)
    if (await session.execute(sql.CLASS_OF, {"class_id": batch.class_id})).first() is None:
        dropped = batch.unparsable_suggestions + sum(len(essay.suggestions) for essay in batch.essays)
        return IngestOutcome(batch.batch_id, False, False, 0, 0, dropped, None)
    essay_ids = list(dict.fromkeys(essay.essay_id for essay in batch.essays))
    existing: dict[str, EssayAssociation] = {}
    if essay_ids:
        rows = await session.execute(sql.STORED_ESSAYS, {"essay_ids": essay_ids})
        existing = {row.essay_id: to_essay(row, with_names=False) for row in rows}
    stored = (await session.execute(sql.STORED_BATCH, {"batch_id": batch.batch_id})).first()
    # A re-run naming another class keeps the batch's stored class, and so all its essays.
    is_settled = stored is not None and (stored.completed_at is not None or stored.class_id != batch.class_id)
    members = await member_ids(session, batch.class_id if stored is None else stored.class_id)
    plan = plan_ingest(batch, members, existing, is_batch_completed=is_settled)
    if stored is None:
        await session.execute(sql.INSERT_BATCH, batch_params(batch))
    if plan.essays:
        await session.execute(sql.UPSERT_ESSAY, [essay_params(essay) for essay in plan.essays])
        await session.execute(
            sql.DELETE_SUGGESTIONS, {"essay_ids": [essay.essay_id for essay in plan.essays]}
        )
        suggestions = [row for essay in plan.essays for row in suggestion_params(essay)]
        if suggestions:
            await session.execute(sql.INSERT_SUGGESTION, suggestions)
    return IngestOutcome(
        batch_id=batch.batch_id,
        is_replay=False,
        is_class_found=True,
        stored_essays=len(plan.essays),
        kept_essays=plan.kept_essays,
        dropped_suggestions=plan.dropped_suggestions,
        review=await load_review(session, batch.batch_id, None),
    )
