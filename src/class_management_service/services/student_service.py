"""Use cases for students: the domain normalises names and class ids, then one atomic repository write."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from class_management_service.domain import association_event_builders, class_notifications, event_builders
from class_management_service.domain.errors import ClassNotFoundError
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.models import (
    UNSET,
    Actor,
    DeletedStudent,
    NewStudent,
    Page,
    PageRequest,
    SchoolClass,
    Student,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
    Unset,
)
from class_management_service.domain.preconditions import IfMatch
from class_management_service.domain.rules import NameChange, PersonName, unique_ids
from class_management_service.protocols import (
    ClassRepositoryProtocol,
    ClockProtocol,
    IdFactory,
    MetricsRecorderProtocol,
    StudentRepositoryProtocol,
)


class StudentService:
    """Creates, reads, changes and deletes a teacher's students and their class memberships."""

    def __init__(
        self,
        students: StudentRepositoryProtocol,
        classes: ClassRepositoryProtocol,
        clock: ClockProtocol,
        metrics: MetricsRecorderProtocol,
        new_id: IdFactory = uuid4,
    ) -> None:
        self._students = students
        self._classes = classes
        self._clock = clock
        self._metrics = metrics
        self._new_id = new_id

    async def create_student(
        self,
        actor: Actor,
        name: PersonName,
        email: str | None,
        class_ids: Sequence[UUID],
        *,
        external_id: str | None = None,
        key: IdempotentWrite[Student] | None = None,
    ) -> Student:
        new = NewStudent(
            id=self._new_id(),
            first_name=name.first_name,
            last_name=name.last_name,
            legal_full_name=name.legal_or_default,
            email=email,
            class_ids=unique_ids(class_ids),
            owner=actor.user_id,
            at=self._clock.now(),
            external_id=external_id,
        )
        joined = await self._classes_named(actor, new.class_ids)

        def events(student: Student) -> list[OutboxEvent]:
            added = class_notifications.student_added_notification(student, joined, actor)
            return [event_builders.student_created(student, actor), *added]

        created = await self._students.create(new, events, key=key)
        self._metrics.student_created()
        return created

    async def get_student(self, actor: Actor, student_id: UUID) -> Student:
        return await self._students.get(actor.user_id, student_id)

    async def list_students(self, actor: Actor, page: PageRequest, where: StudentFilter) -> Page[Student]:
        return await self._students.list(actor.user_id, page, where)

    async def update_student(  # noqa: PLR0913 - one argument per field a PUT may send
        self,
        actor: Actor,
        student_id: UUID,
        name: NameChange | None,
        email: str | Unset | None,
        add_class_ids: Sequence[UUID],
        remove_class_ids: Sequence[UUID],
        *,
        external_id: str | Unset | None = UNSET,
        if_match: IfMatch | None = None,
    ) -> Student:
        changes = StudentChanges(
            first_name=name.first_name if name else None,
            last_name=name.last_name if name else None,
            legal_full_name=name.legal_full_name if name else None,
            email=email,
            add_class_ids=unique_ids(add_class_ids),
            remove_class_ids=unique_ids(remove_class_ids),
            at=self._clock.now(),
            external_id=external_id,
        )
        candidates = await self._classes_named(actor, changes.add_class_ids)

        def events(update: StudentUpdate) -> list[OutboxEvent]:
            joined = [c for c in candidates if c.id in update.added_class_ids]
            added = class_notifications.student_added_notification(update.student, joined, actor)
            return [event_builders.student_updated(update, actor), *added]

        update = await self._students.update(actor.user_id, student_id, changes, events, if_match=if_match)
        return update.student

    async def delete_student(
        self, actor: Actor, student_id: UUID, *, force: bool = False, if_match: IfMatch | None = None
    ) -> None:
        """PendingValidationsError while a pending essay lists the student, unless ``force``."""
        at = self._clock.now()

        def events(deleted: DeletedStudent) -> list[OutboxEvent]:
            completed = association_event_builders.completed_batches_events(deleted.completed_batches, at)
            return [*completed, event_builders.student_deleted(deleted, actor, at)]

        await self._students.delete(actor.user_id, student_id, events, at=at, force=force, if_match=if_match)

    async def _classes_named(self, actor: Actor, class_ids: Sequence[UUID]) -> list[SchoolClass]:
        """The teacher's classes among ``class_ids``, for the notifications a join sends.

        Read before the write, one at a time (at most 100): the write itself decides, under its
        lock, which ids are missing (a 404 naming all of them) and which joins really happened.
        """
        found: list[SchoolClass] = []
        for class_id in class_ids:
            try:
                found.append(await self._classes.get(actor.user_id, class_id))
            except ClassNotFoundError:
                continue
        return found
