"""Use cases for students: the domain normalises names and class ids, then one atomic repository write."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from class_management_service.domain import event_builders
from class_management_service.domain.models import (
    Actor,
    NewStudent,
    Page,
    PageRequest,
    Student,
    StudentChanges,
    StudentFilter,
    Unset,
)
from class_management_service.domain.rules import PersonName, unique_ids
from class_management_service.protocols import (
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
        clock: ClockProtocol,
        metrics: MetricsRecorderProtocol,
        new_id: IdFactory = uuid4,
    ) -> None:
        self._students = students
        self._clock = clock
        self._metrics = metrics
        self._new_id = new_id

    async def create_student(
        self, actor: Actor, name: PersonName, email: str | None, class_ids: Sequence[UUID]
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
        )
        created = await self._students.create(new, lambda s: [event_builders.student_created(s, actor)])
        self._metrics.student_created()
        return created

    async def get_student(self, actor: Actor, student_id: UUID) -> Student:
        return await self._students.get(actor.user_id, student_id)

    async def list_students(self, actor: Actor, page: PageRequest, where: StudentFilter) -> Page[Student]:
        return await self._students.list(actor.user_id, page, where)

    async def update_student(
        self,
        actor: Actor,
        student_id: UUID,
        name: PersonName | None,
        email: str | Unset | None,
        add_class_ids: Sequence[UUID],
        remove_class_ids: Sequence[UUID],
    ) -> Student:
        changes = StudentChanges(
            first_name=name.first_name if name else None,
            last_name=name.last_name if name else None,
            legal_full_name=name.legal_or_default if name else None,
            email=email,
            add_class_ids=unique_ids(add_class_ids),
            remove_class_ids=unique_ids(remove_class_ids),
            at=self._clock.now(),
        )
        update = await self._students.update(
            actor.user_id, student_id, changes, lambda u: [event_builders.student_updated(u, actor)]
        )
        return update.student

    async def delete_student(self, actor: Actor, student_id: UUID) -> None:
        at = self._clock.now()
        await self._students.delete(
            actor.user_id, student_id, lambda d: [event_builders.student_deleted(d, actor, at)]
        )
