"""Roster imports: many students created, updated or left alone in one decided transaction."""

from __future__ import annotations

from uuid import uuid4

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.import_errors import ImportRejectedError
from class_management_service.domain.import_rows import RosterUpload
from class_management_service.domain.models import Actor
from class_management_service.domain.roster_import import ImportCommand, ImportPlan
from class_management_service.domain.roster_import_events import import_events
from class_management_service.domain.rules import unique_ids
from class_management_service.protocols import (
    ClockProtocol,
    IdFactory,
    MetricsRecorderProtocol,
    RosterImportRepositoryProtocol,
)


class RosterImportService:
    """Imports a teacher's students from parsed rows; the repository plans and writes atomically."""

    def __init__(
        self,
        imports: RosterImportRepositoryProtocol,
        clock: ClockProtocol,
        metrics: MetricsRecorderProtocol,
        new_id: IdFactory = uuid4,
    ) -> None:
        self._imports = imports
        self._clock = clock
        self._metrics = metrics
        self._new_id = new_id

    async def import_students(
        self, actor: Actor, upload: RosterUpload, *, key: IdempotentWrite[ImportPlan] | None = None
    ) -> ImportPlan:
        """The plan as written (or, for a dry run, as it would be); ImportRejectedError for an
        atomic import with invalid rows, ClassNotFoundError for a class that is not the teacher's."""
        upload = _with_unique_classes(upload)
        command = ImportCommand(actor.user_id, upload, self._clock.now(), self._new_id)
        plan = await self._imports.import_students(command, lambda p: import_events(p, actor), key=key)
        if plan.is_rejected:
            raise ImportRejectedError(plan)
        if plan.writes:
            self._metrics.rows_imported({outcome.value: n for outcome, n in plan.counts.items()})
        return plan


def _with_unique_classes(upload: RosterUpload) -> RosterUpload:
    class_ids = unique_ids(upload.class_ids)
    if class_ids == upload.class_ids:
        return upload
    return RosterUpload(upload.rows, class_ids, upload.mode, upload.dry_run, upload.atomic)
