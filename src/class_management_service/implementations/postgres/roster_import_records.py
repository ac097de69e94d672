"""The rows of an import's plan as the COPY records and UPDATE arrays ``postgres.roster_import`` sends.

Columns in the order of ``roster_import_statements``' column lists. The moments an import shares
(its time, each class's joining time) are converted once, not once per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import Student
from class_management_service.domain.roster_import import ImportPlan, Membership
from class_management_service.implementations.postgres.outbox_writer import outbox_arguments
from class_management_service.implementations.sql_common import utc

Record = tuple[object, ...]


def membership_records(memberships: Sequence[Membership]) -> list[Record]:
    moments = {joined_at: utc(joined_at) for joined_at in {m.joined_at for m in memberships}}
    return [(m.class_id, m.student_id, moments[m.joined_at]) for m in memberships]


def created_records(created: Iterable[Student]) -> Iterator[Record]:
    """One record per student, as ``created`` yields them (a COPY can take them while they are decided)."""
    moments: dict[datetime, datetime] = {}
    for s in created:
        at = moments.get(s.created_at) or moments.setdefault(s.created_at, utc(s.created_at))
        changed = moments.get(s.updated_at) or moments.setdefault(s.updated_at, utc(s.updated_at))
        yield (s.id, s.first_name, s.last_name, s.legal_full_name, s.email, s.external_id,
               s.created_by_user_id, at, changed)  # fmt: skip


def updated_columns(plan: ImportPlan) -> tuple[list[object], ...]:
    students = [update.student for update in plan.updated]
    return (
        [s.id for s in students],
        [s.first_name for s in students],
        [s.last_name for s in students],
        [s.legal_full_name for s in students],
        [s.email for s in students],
        [s.external_id for s in students],
        [utc(s.updated_at) for s in students],
    )


def outbox_records(events: Sequence[OutboxEvent]) -> list[Record]:
    moments = {at: utc(at) for at in {e.occurred_at for e in events}}
    return [
        (
            e.event_id,
            e.topic,
            e.aggregate_type,
            str(e.aggregate_id),
            e.user_id,
            e.correlation_id,
            e.envelope_json,
            moments[e.occurred_at],
        )
        for e in events
    ]


def small_write_arguments(plan: ImportPlan, owner: str, events: Sequence[OutboxEvent]) -> tuple[object, ...]:
    """The parameters of ``WRITE_SMALL``: the plan's rows and the events, one array per column."""
    created, memberships = plan.created, plan.memberships
    return (
        [s.id for s in created],
        [s.first_name for s in created],
        [s.last_name for s in created],
        [s.legal_full_name for s in created],
        [s.email for s in created],
        [s.external_id for s in created],
        owner,
        [utc(s.created_at) for s in created],
        *updated_columns(plan),
        [m.class_id for m in memberships],
        [m.student_id for m in memberships],
        [utc(m.joined_at) for m in memberships],
        *outbox_arguments(events),
    )
