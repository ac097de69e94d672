"""Roster imports in the ``InMemoryStore``: the contract tests hold it to the SQL backends' rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.models import Student
from class_management_service.domain.roster_import import ImportCommand, ImportPlan, plan_import
from class_management_service.implementations.memory.idempotency_store import complete_key
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import EventsFor, RosterImportRepositoryProtocol


class InMemoryRosterImportRepository(RosterImportRepositoryProtocol):
    """Plans under the store's one write lock, then applies the plan at once."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def import_students(
        self,
        command: ImportCommand,
        events: EventsFor[ImportPlan],
        *,
        key: IdempotentWrite[ImportPlan] | None = None,
    ) -> ImportPlan:
        store = self._store
        async with store.lock:
            store.check_classes_owned(command.owner, command.upload.class_ids)
            plan = plan_import(command, _named_students(store, command))
            if plan.is_rejected:
                return plan
            complete_key(store, key, plan)
            if not plan.writes:
                return plan
            links = dict(store.memberships)
            links.update({(m.class_id, m.student_id): m.joined_at for m in plan.memberships})
            store.commit(events(plan), links)
            for student in plan.created:
                store.students[student.id] = replace(student, class_ids=())
            for update in plan.updated:
                store.students[update.student.id] = replace(update.student, class_ids=())
            return plan


def _named_students(store: InMemoryStore, command: ImportCommand) -> list[Student]:
    """The owner's students the rows name, with their classes in read order.

    One pass over the memberships for all of them (``full_student`` reads them all per student).
    """
    external_ids, emails = map(set, command.lookup_keys())
    named = [
        s
        for s in store.students.values()
        if s.created_by_user_id == command.owner
        and (s.external_id in external_ids or (s.email is not None and s.email.lower() in emails))
    ]
    joined: dict[UUID, list[tuple[datetime, UUID]]] = {s.id: [] for s in named}
    for (class_id, student_id), at in store.memberships.items():
        if student_id in joined:
            joined[student_id].append((at, class_id))
    return [replace(s, class_ids=tuple(class_id for _, class_id in sorted(joined[s.id]))) for s in named]
