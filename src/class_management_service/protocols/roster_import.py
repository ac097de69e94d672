"""The repository port of roster imports: many students decided and written in one transaction."""

from __future__ import annotations

from typing import Protocol

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.roster_import import ImportCommand, ImportPlan
from class_management_service.protocols.repositories import EventsFor


class RosterImportRepositoryProtocol(Protocol):
    """Imports a teacher's roster; like every repository, scoped to the owner."""

    async def import_students(
        self,
        command: ImportCommand,
        events: EventsFor[ImportPlan],
        *,
        key: IdempotentWrite[ImportPlan] | None = None,
    ) -> ImportPlan:
        """Plan and, unless it is a dry run or rejected, write the import; returns the plan.

        In one transaction, serialised with every other import of the same teacher:
        ClassNotFoundError naming each class of ``command.upload.class_ids`` that is not the
        owner's (nothing written); the owner's students that ``command.lookup_keys()`` name are
        loaded, with their classes in read order, and ``domain.roster_import.plan_import``
        decides. When ``plan.writes``: the created students, the updated students' fields
        (``updated_at`` = ``command.at``), ``plan.memberships`` and ``events(plan)`` are written.
        ``key`` is completed with the plan in the same transaction unless the plan is rejected
        (a dry run, or an import that changes nothing, completes only the key). A single-student
        write that takes an email or external id meanwhile is not an error: the import is
        planned again on the new state.
        """
