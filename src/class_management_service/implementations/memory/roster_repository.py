"""In-memory class-side enrolment for ``USE_MOCK_REPOSITORY``; the contract tests hold it to the SQL rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.roster import EnrolledStudent, RosterChange, RosterOutcome, roster_plan
from class_management_service.implementations.memory.idempotency_store import complete_key
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import ClassRosterRepositoryProtocol, EventsFor


class InMemoryClassRosterRepository(ClassRosterRepositoryProtocol):
    """Roster changes on an ``InMemoryStore``, under its one write lock."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def change_roster(
        self,
        change: RosterChange,
        events: EventsFor[RosterOutcome],
        *,
        key: IdempotentWrite[RosterOutcome] | None = None,
    ) -> RosterOutcome:
        store = self._store
        async with store.lock:
            owned = {
                class_id
                for class_id in change.class_ids
                if class_id in store.classes and store.classes[class_id].created_by_user_id == change.owner
            }
            plan = roster_plan(change, owned, self._found(change))
            links = dict(store.memberships)
            for edit in plan.edits:
                student_id = edit.student.id
                for class_id in edit.membership.removed:
                    del links[class_id, student_id]
                links |= {(class_id, student_id): at for class_id, at in edit.membership.joined.items()}
            written = events(plan.outcome) if plan.edits else []
            complete_key(store, key, plan.outcome)
            store.commit(written, links)
            for edit in plan.edits:
                store.students[edit.student.id] = replace(edit.student, class_ids=())
            return plan.outcome

    def _found(self, change: RosterChange) -> dict[UUID, EnrolledStudent]:
        store = self._store
        wanted = set(change.student_ids)
        found = {
            row.id: row
            for row in store.students.values()
            if row.id in wanted and row.created_by_user_id == change.owner
        }
        joined: dict[UUID, dict[UUID, datetime]] = {student_id: {} for student_id in found}
        for (class_id, student_id), at in store.memberships.items():
            if student_id in joined:
                joined[student_id][class_id] = at
        return {i: EnrolledStudent(store.full_student(row), joined[i]) for i, row in found.items()}
