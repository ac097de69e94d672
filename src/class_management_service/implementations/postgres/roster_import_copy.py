"""A large roster import's plan and writes, overlapped so that both cores work.

The created students are COPYed while the rows are still being decided (PostgreSQL inserts
what the planner has decided so far); the events are built in a worker thread while PostgreSQL
inserts the memberships; then the outbox rows are COPYed in event order, so their ids (the
publish order) follow it. COPY beats one statement of unnest arrays at this size, and the three
COPYs are what the bench's ceiling measures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence

import asyncpg

from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import Student
from class_management_service.domain.roster_import import ImportCommand, ImportPlan, ImportPlanning
from class_management_service.implementations.bulk_work import collector_paused
from class_management_service.implementations.postgres import roster_import_records as copy_rows
from class_management_service.implementations.postgres import roster_import_statements as sql
from class_management_service.implementations.postgres.outbox_writer import OUTBOX_COLUMNS
from class_management_service.protocols import EventsFor


class RejectedPlanError(Exception):
    """The finished plan is rejected: the caller rolls back the students already COPYed."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__("the import is rejected")
        self.plan = plan


async def plan_and_copy(
    connection: asyncpg.Connection,
    command: ImportCommand,
    existing: Iterable[Student],
    events: EventsFor[ImportPlan],
) -> ImportPlan:
    """Inside the caller's transaction: the plan, written (not for a dry run: plan it apart)."""
    # The COPY reads the planner's output on the event loop's thread and yields to the loop only
    # when the socket is full: the collector stays paused for little else than this work.
    with collector_paused():
        planning = ImportPlanning(command, existing)
        students = copy_rows.created_records(planning.created_students())
        await connection.copy_records_to_table("students", records=students, columns=sql.STUDENT_COPY_COLUMNS)
        plan = planning.plan()
    if plan.is_rejected:
        raise RejectedPlanError(plan)
    if plan.writes:
        await _write_the_rest(connection, plan, events)
    return plan


async def _write_the_rest(
    connection: asyncpg.Connection, plan: ImportPlan, events: EventsFor[ImportPlan]
) -> None:
    """Updates and memberships while a thread builds the events (pure; it holds the GIL only for
    itself, the event loop meanwhile mostly waits), then the outbox rows."""
    building = asyncio.ensure_future(asyncio.to_thread(_built, events, plan))
    try:
        if plan.updated:
            await connection.execute(sql.UPDATE_STUDENTS, *copy_rows.updated_columns(plan))
        if plan.memberships:
            with collector_paused():
                records = copy_rows.membership_records(plan.memberships)
            await connection.copy_records_to_table(
                "class_student_association", records=records, columns=sql.MEMBERSHIP_COLUMNS
            )
    except BaseException:
        # A thread cannot be stopped: let it end before a retry; the write's error is the one to tell.
        with contextlib.suppress(Exception):
            await building
        raise
    outbox = await building
    with collector_paused():
        records = copy_rows.outbox_records(outbox)
    await connection.copy_records_to_table("event_outbox", records=records, columns=OUTBOX_COLUMNS)


def _built(events: EventsFor[ImportPlan], plan: ImportPlan) -> Sequence[OutboxEvent]:
    with collector_paused():
        return events(plan)
