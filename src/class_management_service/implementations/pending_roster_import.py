"""TEMPORARY (issue 17 in progress): the SQL backends' roster import is being built on branches.

Answers 503 until ``postgres.roster_import`` and ``sqlite.roster_import`` replace it; this
module is deleted by the merge that wires them.
"""

from __future__ import annotations

from class_management_service.domain.errors import RepositoryUnavailableError
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.roster_import import ImportCommand, ImportPlan
from class_management_service.protocols import EventsFor, RosterImportRepositoryProtocol


class PendingRosterImportRepository(RosterImportRepositoryProtocol):
    async def import_students(
        self,
        command: ImportCommand,  # noqa: ARG002
        events: EventsFor[ImportPlan],  # noqa: ARG002
        *,
        key: IdempotentWrite[ImportPlan] | None = None,  # noqa: ARG002
    ) -> ImportPlan:
        raise RepositoryUnavailableError()
