"""Deleting a class or student in the association contract tests as the services do it."""

from __future__ import annotations

import uuid
from datetime import datetime

from class_management_service.domain import association_event_builders as builders
from class_management_service.domain import event_builders
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import Actor, DeletedClass, DeletedStudent
from tests.contract.association_backends import AssociationRepos


async def delete_class(
    associations: AssociationRepos, owner: str, class_id: uuid.UUID, at: datetime, *, force: bool = False
) -> DeletedClass:
    """Deletes as the class service does: the batches it completes are announced first, at ``at``."""
    actor = Actor(owner, uuid.uuid4())

    def events(deleted: DeletedClass) -> list[OutboxEvent]:
        completed = builders.completed_batches_events(deleted.completed_batches, at)
        return [*completed, event_builders.class_deleted(deleted, actor, at)]

    return await associations.classes.delete(owner, class_id, events, at=at, force=force)


async def delete_student(
    associations: AssociationRepos, owner: str, student_id: uuid.UUID, at: datetime, *, force: bool = False
) -> DeletedStudent:
    """Deletes as the student service does."""
    actor = Actor(owner, uuid.uuid4())

    def events(deleted: DeletedStudent) -> list[OutboxEvent]:
        completed = builders.completed_batches_events(deleted.completed_batches, at)
        return [*completed, event_builders.student_deleted(deleted, actor, at)]

    return await associations.students.delete(owner, student_id, events, at=at, force=force)
