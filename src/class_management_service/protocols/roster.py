"""The class-side enrolment port: many students join, leave or change a class in one transaction."""

from __future__ import annotations

from typing import Protocol

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.roster import RosterChange, RosterOutcome
from class_management_service.protocols.repositories import EventsFor


class ClassRosterRepositoryProtocol(Protocol):
    """Applies a roster change all or nothing, with its outbox events, under the rows' locks."""

    async def change_roster(
        self,
        change: RosterChange,
        events: EventsFor[RosterOutcome],
        *,
        key: IdempotentWrite[RosterOutcome] | None = None,
    ) -> RosterOutcome:
        """Lock the named classes (kept from deletion) and the owner's named students (in id
        order, as the single-student writes lock one), let ``domain.roster.roster_plan`` decide,
        and write only the changed students' memberships, ``updated_at`` and events.

        RosterTargetsNotFoundError, nothing written, when any class or student is unknown or
        another teacher's. ``events`` is called inside the transaction when any student changed;
        ``key``, when given, is completed with the response in the same transaction.
        """
