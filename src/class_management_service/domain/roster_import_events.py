"""The outbox events of an import: each student's ordinary event, and one summary for the teacher."""

from __future__ import annotations

from class_management_service.domain import bulk_event_builders
from class_management_service.domain.association_outbox import Aggregate, NotificationKind, notification
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.import_rows import RowOutcome
from class_management_service.domain.models import Actor
from class_management_service.domain.roster_import import ImportPlan

ROSTER_IMPORTED = "student_roster_imported"
ROSTER_IMPORTED_KIND: NotificationKind = (ROSTER_IMPORTED, "class_management", "standard")


def import_events(plan: ImportPlan, actor: Actor) -> list[OutboxEvent]:
    """``StudentCreatedV1``/``StudentUpdatedV1`` exactly as the single-student routes publish them
    (created students first, each group in row order), then ``roster_imported_notification``."""
    created = bulk_event_builders.students_created(plan.created, actor)
    updated = bulk_event_builders.students_updated(plan.updated, actor)
    return [*created, *updated, roster_imported_notification(plan, actor)]


def roster_imported_notification(plan: ImportPlan, actor: Actor) -> OutboxEvent:
    """``student_roster_imported`` (class_management, standard) to the importing teacher, keyed
    by the request's correlation id: one per import, however many rows it had."""
    counts = {outcome.value: plan.counts[outcome] for outcome in RowOutcome}
    class_ids = [str(class_id) for class_id in plan.upload.class_ids]
    message = (
        f"Roster import: {counts['created']} student(s) created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['skipped']} skipped, {counts['invalid']} invalid"
    )
    payload = {**counts, "class_ids": class_ids, "mode": plan.upload.mode.value, "message": message}
    at = plan.created[0].created_at if plan.created else plan.updated[0].student.updated_at
    aggregate: Aggregate = ("import", actor.correlation_id)
    single_class = {"class_id": class_ids[0]} if len(class_ids) == 1 else {}
    return notification(
        ROSTER_IMPORTED_KIND, aggregate, actor.user_id, actor.correlation_id, at, payload, **single_class
    )
