"""In-memory repositories for ``USE_MOCK_REPOSITORY``; the contract tests hold them to the SQL rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from class_management_service.domain.memberships import enrolment, in_read_order
from class_management_service.domain.models import (
    ClassChanges,
    DeletedClass,
    DeletedStudent,
    NewClass,
    NewStudent,
    Page,
    PageRequest,
    RosterEntry,
    SchoolClass,
    Student,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
)
from class_management_service.domain.name_order import name_order
from class_management_service.domain.updates import is_class_changed, named_class_ids, student_edit
from class_management_service.implementations.memory.pending_guard import settle_pending
from class_management_service.implementations.memory.store import (
    InMemoryStore,
    Memberships,
    matches_search,
    paginate,
)
from class_management_service.protocols import ClassRepositoryProtocol, EventsFor, StudentRepositoryProtocol


class InMemoryClassRepository(ClassRepositoryProtocol):
    """Classes kept in an ``InMemoryStore``; for the mock mode and fast tests."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def create(self, new: NewClass, events: EventsFor[SchoolClass]) -> SchoolClass:
        async with self._store.lock:
            course = self._store.course(new.course_code)
            created = SchoolClass(new.id, new.name, course, 0, new.owner, new.at, new.at)
            self._store.commit(events(created))
            self._store.classes[created.id] = created
            return created

    async def get(self, owner: str, class_id: UUID) -> SchoolClass:
        return self._store.full_class(self._store.owned_class(owner, class_id))

    async def list(self, owner: str, page: PageRequest) -> Page[SchoolClass]:
        owned = (row for row in self._store.classes.values() if row.created_by_user_id == owner)
        rows, total = paginate(owned, page)
        return Page([self._store.full_class(row) for row in rows], total, page)

    async def update(
        self,
        owner: str,
        class_id: UUID,
        changes: ClassChanges,
        events: EventsFor[SchoolClass],
    ) -> SchoolClass:
        async with self._store.lock:
            row = self._store.owned_class(owner, class_id)
            if not is_class_changed(row, changes):
                return self._store.full_class(row)
            course = row.course if changes.course_code is None else self._store.course(changes.course_code)
            name = row.name if changes.name is None else changes.name
            updated = replace(row, name=name, course=course, updated_at=changes.at)
            self._store.commit(events(self._store.full_class(updated)))
            self._store.classes[class_id] = updated
            return self._store.full_class(updated)

    async def delete(
        self,
        owner: str,
        class_id: UUID,
        events: EventsFor[DeletedClass],
        *,
        at: datetime,
        force: bool = False,
    ) -> DeletedClass:
        async with self._store.lock:
            row = self._store.owned_class(owner, class_id)
            settled, completed = settle_pending(self._store, owner, at, force=force, class_id=class_id)
            links = {key: at for key, at in self._store.memberships.items() if key[0] != class_id}
            gone = {sid: at for (cid, sid), at in self._store.memberships.items() if cid == class_id}
            deleted = DeletedClass(self._store.full_class(row), tuple(in_read_order(gone)), completed)
            self._store.commit(events(deleted), links)
            for review in settled:
                self._store.save_review(review)
            del self._store.classes[class_id]
            self._store.forget_class(class_id)
            return deleted

    async def roster(self, class_id: UUID, owner: str | None) -> Sequence[RosterEntry]:
        self._store.owned_class(owner, class_id)
        members = [self._store.students[sid] for cid, sid in self._store.memberships if cid == class_id]
        members.sort(key=lambda s: name_order(s.last_name, s.first_name, s.id))
        return [RosterEntry(s.id, s.first_name, s.last_name, s.legal_full_name, s.email) for s in members]


class InMemoryStudentRepository(StudentRepositoryProtocol):
    """Students and memberships kept in an ``InMemoryStore``; for the mock mode and fast tests."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def create(self, new: NewStudent, events: EventsFor[Student]) -> Student:
        async with self._store.lock:
            class_ids = new.class_ids
            self._store.check_classes_owned(new.owner, class_ids)
            self._store.check_email_free(new.owner, new.email, new.id)
            row = Student(
                new.id,
                new.first_name,
                new.last_name,
                new.legal_full_name,
                new.email,
                (),
                new.owner,
                new.at,
                new.at,
            )
            created = replace(row, class_ids=class_ids)
            links = self._store.memberships | _links(new.id, enrolment(class_ids, new.at))
            self._store.commit(events(created), links)
            self._store.students[new.id] = row
            return created

    async def get(self, owner: str, student_id: UUID) -> Student:
        return self._store.full_student(self._store.owned_student(owner, student_id))

    async def list(self, owner: str, page: PageRequest, where: StudentFilter) -> Page[Student]:
        rows: Iterable[Student] = (s for s in self._store.students.values() if s.created_by_user_id == owner)
        if where.class_id is not None:
            self._store.owned_class(owner, where.class_id)
            rows = (s for s in rows if (where.class_id, s.id) in self._store.memberships)
        found, total = paginate((s for s in rows if matches_search(s, where.query)), page)
        return Page([self._store.full_student(s) for s in found], total, page)

    async def update(
        self,
        owner: str,
        student_id: UUID,
        changes: StudentChanges,
        events: EventsFor[StudentUpdate],
    ) -> StudentUpdate:
        async with self._store.lock:
            row = self._store.owned_student(owner, student_id)
            before = self._store.memberships
            joined = {class_id: at for (class_id, member), at in before.items() if member == student_id}
            self._store.check_classes_owned(owner, named_class_ids(joined, changes))
            edit = student_edit(self._store.full_student(row), joined, changes)
            if not edit.is_changed:
                return edit.outcome
            self._store.check_email_free(owner, edit.student.email, student_id)
            change = edit.membership
            gone = {(class_id, student_id) for class_id in change.removed}
            links = {key: at for key, at in before.items() if key not in gone}
            links |= _links(student_id, change.joined)
            self._store.commit(events(edit.outcome), links)
            self._store.students[student_id] = replace(edit.student, class_ids=())
            return edit.outcome

    async def delete(
        self,
        owner: str,
        student_id: UUID,
        events: EventsFor[DeletedStudent],
        *,
        at: datetime,
        force: bool = False,
    ) -> DeletedStudent:
        async with self._store.lock:
            student = self._store.full_student(self._store.owned_student(owner, student_id))
            settled, completed = settle_pending(self._store, owner, at, force=force, student_id=student_id)
            deleted = DeletedStudent(student, completed)
            links = {key: at for key, at in self._store.memberships.items() if key[1] != student_id}
            self._store.commit(events(deleted), links)
            for review in settled:
                self._store.save_review(review)
            del self._store.students[student_id]
            self._store.forget_student(student_id)
            return deleted


def _links(student_id: UUID, joined: Mapping[UUID, datetime]) -> Memberships:
    return {(class_id, student_id): at for class_id, at in joined.items()}
