"""What the roster contract scenarios share: a change built as the service builds it, and readers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from class_management_service.domain import event_builders
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.roster import RosterAction, RosterChange, RosterOutcome
from tests.contract.conftest import Repos, actor_for, moment

EventsOf = Callable[[RosterOutcome], list[OutboxEvent]]


def change(
    owner: str,
    action: RosterAction,
    class_id: UUID,
    student_ids: Sequence[UUID],
    to_class_id: UUID | None = None,
    at: datetime | None = None,
) -> RosterChange:
    return RosterChange.of(owner, action, class_id, student_ids, at or moment(), to_class_id)


def updated_events(owner: str) -> EventsOf:
    """The ``StudentUpdatedV1`` of each changed student, as the service builds them."""
    actor = actor_for(owner)
    return lambda outcome: [event_builders.student_updated(update, actor) for update in outcome.updates]


async def class_ids_of(repos: Repos, owner: str, student_id: UUID) -> tuple[UUID, ...]:
    return (await repos.students.get(owner, student_id)).class_ids


async def updated_at_of(repos: Repos, owner: str, student_id: UUID) -> datetime:
    return (await repos.students.get(owner, student_id)).updated_at
