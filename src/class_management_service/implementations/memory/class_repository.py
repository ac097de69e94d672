"""In-memory class repository for ``USE_MOCK_REPOSITORY``; the contract tests hold it to the SQL rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.memberships import in_read_order
from class_management_service.domain.models import (
    ClassChanges,
    DeletedClass,
    NewClass,
    Page,
    PageRequest,
    RosterEntry,
    SchoolClass,
)
from class_management_service.domain.name_order import name_order
from class_management_service.domain.preconditions import IfMatch
from class_management_service.domain.updates import is_class_changed
from class_management_service.implementations.memory.idempotency_store import complete_key
from class_management_service.implementations.memory.pending_guard import settle_pending
from class_management_service.implementations.memory.store import InMemoryStore, paginate
from class_management_service.protocols import ClassRepositoryProtocol, EventsFor


class InMemoryClassRepository(ClassRepositoryProtocol):
    """Classes kept in an ``InMemoryStore``; for the mock mode and fast tests."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def create(
        self,
        new: NewClass,
        events: EventsFor[SchoolClass],
        *,
        key: IdempotentWrite[SchoolClass] | None = None,
    ) -> SchoolClass:
        async with self._store.lock:
            course = self._store.course(new.course_code)
            created = SchoolClass(new.id, new.name, course, 0, new.owner, new.at, new.at)
            complete_key(self._store, key, created)
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
        *,
        if_match: IfMatch | None = None,
    ) -> SchoolClass:
        async with self._store.lock:
            row = self._store.owned_class(owner, class_id)
            if if_match is not None:
                if_match.require(class_id, row.updated_at)
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
        if_match: IfMatch | None = None,
    ) -> DeletedClass:
        async with self._store.lock:
            row = self._store.owned_class(owner, class_id)
            if if_match is not None:
                if_match.require(class_id, row.updated_at)
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
