"""Use cases for classes: apply the rules, then let the repository write the change and its event."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from class_management_service.domain import association_event_builders, class_notifications, event_builders
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.models import (
    Actor,
    ClassChanges,
    DeletedClass,
    NewClass,
    Page,
    PageRequest,
    RosterEntry,
    SchoolClass,
)
from class_management_service.domain.preconditions import IfMatch
from class_management_service.domain.rules import single_course_code
from class_management_service.protocols import (
    ClassRepositoryProtocol,
    ClockProtocol,
    IdFactory,
    MetricsRecorderProtocol,
)


class ClassService:
    """Creates, reads, changes and deletes a teacher's classes."""

    def __init__(
        self,
        classes: ClassRepositoryProtocol,
        clock: ClockProtocol,
        metrics: MetricsRecorderProtocol,
        new_id: IdFactory = uuid4,
    ) -> None:
        self._classes = classes
        self._clock = clock
        self._metrics = metrics
        self._new_id = new_id

    async def create_class(
        self,
        actor: Actor,
        name: str,
        course_codes: Sequence[str],
        *,
        key: IdempotentWrite[SchoolClass] | None = None,
    ) -> SchoolClass:
        new = NewClass(
            id=self._new_id(),
            name=name,
            course_code=single_course_code(course_codes),
            owner=actor.user_id,
            at=self._clock.now(),
        )
        created = await self._classes.create(
            new,
            lambda c: [
                event_builders.class_created(c, actor),
                class_notifications.class_created_notification(c, actor),
            ],
            key=key,
        )
        self._metrics.class_created()
        return created

    async def get_class(self, actor: Actor, class_id: UUID) -> SchoolClass:
        return await self._classes.get(actor.user_id, class_id)

    async def list_classes(self, actor: Actor, page: PageRequest) -> Page[SchoolClass]:
        return await self._classes.list(actor.user_id, page)

    async def update_class(
        self,
        actor: Actor,
        class_id: UUID,
        name: str | None,
        course_codes: Sequence[str] | None,
        *,
        if_match: IfMatch | None = None,
    ) -> SchoolClass:
        changes = ClassChanges(
            name=name,
            course_code=single_course_code(course_codes) if course_codes is not None else None,
            at=self._clock.now(),
        )
        return await self._classes.update(
            actor.user_id,
            class_id,
            changes,
            lambda c: [event_builders.class_updated(c, actor)],
            if_match=if_match,
        )

    async def delete_class(
        self, actor: Actor, class_id: UUID, *, force: bool = False, if_match: IfMatch | None = None
    ) -> None:
        """PendingValidationsError while essays of the class await a decision, unless ``force``:
        then they are rejected, and the batches this completes announce it before the delete."""
        at = self._clock.now()

        def events(deleted: DeletedClass) -> list[OutboxEvent]:
            completed = association_event_builders.completed_batches_events(deleted.completed_batches, at)
            return [*completed, event_builders.class_deleted(deleted, actor, at)]

        await self._classes.delete(actor.user_id, class_id, events, at=at, force=force, if_match=if_match)

    async def roster(self, class_id: UUID, owner: str | None) -> Sequence[RosterEntry]:
        """``owner=None`` means a trusted internal service is asking."""
        return await self._classes.roster(class_id, owner)
