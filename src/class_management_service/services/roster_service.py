"""Use case for class-side enrolment: the domain decides per student, one atomic repository write."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from class_management_service.domain import class_notifications, event_builders
from class_management_service.domain.errors import ClassNotFoundError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.models import Actor, SchoolClass
from class_management_service.domain.roster import RosterAction, RosterChange, RosterOutcome
from class_management_service.protocols import (
    ClassRepositoryProtocol,
    ClassRosterRepositoryProtocol,
    ClockProtocol,
)


class ClassRosterService:
    """Adds students to a class, removes them, or moves them to another class, all or nothing."""

    def __init__(
        self, roster: ClassRosterRepositoryProtocol, classes: ClassRepositoryProtocol, clock: ClockProtocol
    ) -> None:
        self._roster = roster
        self._classes = classes
        self._clock = clock

    async def change_roster(
        self,
        actor: Actor,
        action: RosterAction,
        class_id: UUID,
        student_ids: Sequence[UUID],
        to_class_id: UUID | None = None,
        *,
        key: IdempotentWrite[RosterOutcome] | None = None,
    ) -> RosterOutcome:
        """Each changed student gets the ``StudentUpdatedV1`` (and, on a join, the notification)
        a student PUT with the same class ids would send; an unchanged student gets nothing."""
        change = RosterChange.of(actor.user_id, action, class_id, student_ids, self._clock.now(), to_class_id)
        joining = await self._class_named(actor, change.joining)

        def events(outcome: RosterOutcome) -> list[OutboxEvent]:
            built: list[OutboxEvent] = []
            for update in outcome.updates:
                joined = [joining] if joining is not None and joining.id in update.added_class_ids else []
                built.append(event_builders.student_updated(update, actor))
                built.extend(class_notifications.student_added_notification(update.student, joined, actor))
            return built

        return await self._roster.change_roster(change, events, key=key)

    async def _class_named(self, actor: Actor, class_id: UUID | None) -> SchoolClass | None:
        """The class students join, for the notifications; the write decides, under its lock,
        whether it exists (a 404 naming it with every other unknown id)."""
        if class_id is None:
            return None
        try:
            return await self._classes.get(actor.user_id, class_id)
        except ClassNotFoundError:
            return None
