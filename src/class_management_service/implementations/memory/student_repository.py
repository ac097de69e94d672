"""In-memory student repository for ``USE_MOCK_REPOSITORY``; the contract tests hold it to the SQL rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.memberships import enrolment
from class_management_service.domain.models import (
    DeletedStudent,
    NewStudent,
    Page,
    PageRequest,
    Student,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
)
from class_management_service.domain.preconditions import IfMatch
from class_management_service.domain.updates import named_class_ids, student_edit
from class_management_service.implementations.memory.idempotency_store import complete_key
from class_management_service.implementations.memory.pending_guard import settle_pending
from class_management_service.implementations.memory.store import (
    InMemoryStore,
    Memberships,
    matches_search,
    paginate,
)
from class_management_service.protocols import EventsFor, StudentRepositoryProtocol


class InMemoryStudentRepository(StudentRepositoryProtocol):
    """Students and memberships kept in an ``InMemoryStore``; for the mock mode and fast tests."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def create(
        self, new: NewStudent, events: EventsFor[Student], *, key: IdempotentWrite[Student] | None = None
    ) -> Student:
        async with self._store.lock:
            class_ids = new.class_ids
            self._store.check_classes_owned(new.owner, class_ids)
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
                new.external_id,
            )
            self._store.check_unique(row)
            created = replace(row, class_ids=class_ids)
            links = self._store.memberships | _links(new.id, enrolment(class_ids, new.at))
            complete_key(self._store, key, created)
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
        *,
        if_match: IfMatch | None = None,
    ) -> StudentUpdate:
        async with self._store.lock:
            row = self._store.owned_student(owner, student_id)
            if if_match is not None:
                if_match.require(student_id, row.updated_at)
            before = self._store.memberships
            joined = {class_id: at for (class_id, member), at in before.items() if member == student_id}
            self._store.check_classes_owned(owner, named_class_ids(joined, changes))
            edit = student_edit(self._store.full_student(row), joined, changes)
            if not edit.is_changed:
                return edit.outcome
            self._store.check_unique(edit.student)
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
        if_match: IfMatch | None = None,
    ) -> DeletedStudent:
        async with self._store.lock:
            student = self._store.full_student(self._store.owned_student(owner, student_id))
            if if_match is not None:
                if_match.require(student_id, student.updated_at)
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
